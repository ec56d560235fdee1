#!/usr/bin/env python
"""
The activation cache's LMDB store against one `.npy` file per entry, on every distinct phrase
of an SST tree file: writing, disk, one epoch of reads (`sst_elmo.benchmarks.cache_store_speed`).

    .venv/bin/python scripts/bench_cache_store.py ../shared/data/sst/train.txt --work /tmp/bench_store
"""
import argparse
import os
import tempfile

from sst_elmo.benchmarks.cache_store_speed import compare_stores, store_table
from sst_elmo.elmo.hdf5_layout import write_random_elmo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("trees", help="an SST tree file (its phrases are the entries)")
    parser.add_argument("--work", default=tempfile.gettempdir(), help="where the stores are made (and removed)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many distinct phrases (0: all)")
    parser.add_argument("--dim", type=int, default=256, help="ELMo dimension (default 256, the shipped ELMo's)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    elmo_dir = tempfile.mkdtemp(dir=args.work)  # only names the store (its fingerprint)
    options, weights = write_random_elmo(elmo_dir)
    print(store_table(compare_stores(args.trees, options, weights, args.work, args.limit, dim=args.dim)))


if __name__ == "__main__":
    main()
