"""
How the activation cache's store scales to the phrases of a treebank: the LMDB store of
`sst_elmo.caching.activation_cache` (one memory-mapped store per biLM) against the layout it
replaced (one `.npy` file per entry, in 256 sub-directories, each written through a temporary
file and renamed), on the same entries: the real lengths of every distinct phrase of a tree
file, random activations of the biLM's shape (the biLM's own cost is the same for both).

It measures writing every entry (in batches of 64, as a fill does), the disk used, and one
"epoch" of reads: every phrase of the file once (repeats included, as training reads them) in
shuffled batches of 64. `scripts/bench_cache_store.py` is the command; speed only, no assertions.
"""
import argparse
import hashlib
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy

from sst_elmo.elmo.cache.activation_cache import ElmoActivationCache
from sst_elmo.testing.elmo import write_random_elmo

BATCH = 64


@dataclass
class StoreTiming:
    store: str
    entries: int
    write_s: float
    disk_bytes: int
    epoch_reads: int
    epoch_read_s: float


def phrase_lengths(tree_file: str, limit: int = 0) -> Tuple[Dict[str, int], List[str]]:
    """`({key: tokens} of each distinct phrase, [key of every phrase in file order])`."""
    from sst_elmo.dataset_readers.sst_trees import SstTreesReader

    reader = SstTreesReader(use_subtrees=True)
    distinct: Dict[str, int] = {}
    every: List[str] = []
    for instance in reader.read(tree_file):
        tokens = [token.text for token in instance["tokens"]]
        key = hashlib.sha256(" ".join(tokens).encode()).hexdigest()
        distinct.setdefault(key, len(tokens))
        every.append(key)
        if limit and len(distinct) >= limit:
            break
    return distinct, every


class NpyFileStore:
    """The layout before the LMDB store: `DIR/KEY[:2]/KEY.npy`, atomic renames."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".npy")

    def put_many(self, items: Sequence[Tuple[str, numpy.ndarray]]) -> None:
        for key, value in items:
            path = self.path(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            temporary = path + ".tmp"
            with open(temporary, "wb") as handle:
                numpy.save(handle, value)
            os.replace(temporary, path)

    def get_many(self, requests: Sequence[Tuple[str, int]]) -> List[numpy.ndarray]:
        return [numpy.load(self.path(key), allow_pickle=False) for key, _ in requests]


def disk_bytes(directory: str) -> int:
    """Bytes the files under `directory` occupy on disk (blocks, not apparent sizes)."""
    return sum(
        os.lstat(os.path.join(root, name)).st_blocks * 512
        for root, _, names in os.walk(directory) for name in names
    )


def time_store(name: str, store, root: str, distinct: Dict[str, int], every: List[str],
               layers: int, dim: int, seed: int = 0) -> StoreTiming:
    rng = numpy.random.RandomState(seed)
    items = list(distinct.items())
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        store.put_many([(key, rng.standard_normal((layers, n + 2, dim)).astype(numpy.float32))
                        for key, n in chunk])
    write_s = time.perf_counter() - started
    order = list(every)
    random.Random(seed).shuffle(order)
    started = time.perf_counter()
    for start in range(0, len(order), BATCH):
        found = store.get_many([(key, distinct[key]) for key in order[start : start + BATCH]])
        assert all(array is not None for array in found)
    read_s = time.perf_counter() - started
    return StoreTiming(name, len(items), write_s, disk_bytes(root), len(order), read_s)


def compare_stores(tree_file: str, options_file: str, weight_file: str, work_dir: str, limit: int = 0,
                   layers: int = 3, dim: int = 256) -> List[StoreTiming]:
    """Both stores on the phrases of `tree_file`, each in a fresh directory under `work_dir` (removed after)."""
    distinct, every = phrase_lengths(tree_file, limit)
    if limit:
        every = [key for key in every if key in distinct]
    timings = []
    for name in ("lmdb", "npy files"):
        root = os.path.join(work_dir, name.replace(" ", "_"))
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        if name == "lmdb":
            store = ElmoActivationCache(options_file, weight_file, cache_dir=root)
        else:
            store = NpyFileStore(root)
        try:
            timings.append(time_store(name, store, root, distinct, every, layers, dim))
        finally:
            if name == "lmdb":
                store.close()
            shutil.rmtree(root, ignore_errors=True)
    return timings


def store_table(timings: Sequence[StoreTiming]) -> str:
    lines = [
        "| store | entries | write all (s) | disk | one epoch of reads | read time (s) | reads/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in timings:
        lines.append(
            f"| {t.store} | {t.entries:,} | {t.write_s:.1f} | {t.disk_bytes / 2**30:.2f} GiB "
            f"| {t.epoch_reads:,} | {t.epoch_read_s:.1f} | {t.epoch_reads / t.epoch_read_s:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    """`scripts/bench_cache_store.py`: both stores on the phrases of a tree file, as a table."""
    parser = argparse.ArgumentParser(description=(
        "The activation cache's LMDB store against one `.npy` file per entry, on every distinct phrase "
        "of an SST tree file."
    ))
    parser.add_argument("trees", help="an SST tree file (its phrases are the entries)")
    parser.add_argument("--work", default=tempfile.gettempdir(), help="where the stores are made (and removed)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many distinct phrases (0: all)")
    parser.add_argument("--dim", type=int, default=256, help="ELMo dimension (default 256, the shipped ELMo's)")
    args = parser.parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    elmo_dir = tempfile.mkdtemp(dir=args.work)  # only names the store (its fingerprint)
    options, weights = write_random_elmo(elmo_dir)
    print(store_table(compare_stores(args.trees, options, weights, args.work, args.limit, dim=args.dim)))

