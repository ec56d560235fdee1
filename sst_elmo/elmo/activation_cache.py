"""
An on-disk cache of the activations of every layer of a frozen ELMo biLM, one entry per
token sequence: the engine of the `cached_elmo` token embedder and `allennlp elmo-cache`.

Layout: `ROOT/FINGERPRINT/KEY[:2]/KEY.npy`, where

- `ROOT` is the `cache_dir` argument, else `$SST_ELMO_CACHE_DIR`, else `~/.cache/sst_elmo/elmo`;
- `FINGERPRINT` is a hash of the sha256 of the options file, the sha256 of the weight file,
  the storage dtype and the cache layout version, so a changed biLM never reads the entries of
  another one (a stale cache cannot be used);
- `KEY` is the sha256 of the sequence's character ids (`(num_tokens, 50)`, padding removed),
  so the key is exact and independent of any tokenizer;
- each `.npy` holds the stateless biLM activations of that sequence, shape
  `(num_layers, num_tokens + 2, dim)` (with the BOS/EOS positions, which AllenNLP's `Elmo`
  includes in its scalar mix and layer norm).

Writes go to a temporary file in the same directory, then `os.replace`: a killed run leaves
at most an ignored `*.tmp*` file, never a truncated entry, and two runs writing the same
entry at once both leave a complete file (the last rename wins; both hold the same numbers).
An entry that cannot be read or has the wrong shape is treated as a miss and rewritten.
"""
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy

from sst_elmo.common.file_utils import atomic_file, atomic_write, file_sha256

logger = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "SST_ELMO_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "sst_elmo", "elmo")
STORAGE_DTYPES = ("float32", "float16")
_LAYOUT_VERSION = 1
_TEMP_MARKER = ".tmp"

# sha256 of files already hashed in this process, keyed by (real path, inode, size, mtime).
_FILE_HASHES: Dict[Tuple[str, int, int, int], str] = {}


def resolve_cache_dir(cache_dir: Optional[str] = None) -> str:
    """`cache_dir`, else `$SST_ELMO_CACHE_DIR`, else `~/.cache/sst_elmo/elmo` (empty means unset)."""
    chosen = cache_dir or os.environ.get(CACHE_DIR_VARIABLE) or DEFAULT_CACHE_DIR
    return os.path.abspath(os.path.expanduser(chosen))


def _hash_file(path: str) -> str:
    from allennlp.common.file_utils import cached_path

    local = os.path.realpath(cached_path(path))
    stat = os.stat(local)
    marker = (local, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if marker not in _FILE_HASHES:
        _FILE_HASHES[marker] = file_sha256(local)
    return _FILE_HASHES[marker]


def sequence_key(character_ids: numpy.ndarray) -> str:
    """
    The cache key of one token sequence.

    # Parameters

    character_ids : `numpy.ndarray`
        Shape `(num_tokens, 50)`: ELMo character ids without padding rows.
    """
    # ELMo character ids are below 262, so uint16 holds them exactly.
    return hashlib.sha256(numpy.ascontiguousarray(character_ids, dtype="<u2").tobytes()).hexdigest()


@dataclass
class CacheStats:
    """Look-ups since the last `reset_stats`, and what the cache directory holds."""

    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class ElmoActivationCache:
    """
    The activation cache of one biLM (see the module docstring for layout and guarantees).

    # Parameters

    options_file : `str`
        ELMo JSON options file.
    weight_file : `str`
        ELMo HDF5 weight file.
    cache_dir : `str`, optional
        The cache root; default `$SST_ELMO_CACHE_DIR`, else `~/.cache/sst_elmo/elmo`.
    storage_dtype : `str`, optional (default = `"float32"`)
        `"float32"` stores exact activations; `"float16"` halves the disk use at a relative error
        of about 1e-3 (a separate cache: the dtype is part of the fingerprint).
    """

    def __init__(
        self,
        options_file: str,
        weight_file: str,
        cache_dir: Optional[str] = None,
        storage_dtype: str = "float32",
    ) -> None:
        if storage_dtype not in STORAGE_DTYPES:
            raise ValueError(f"storage_dtype must be one of {STORAGE_DTYPES}, not {storage_dtype!r}")
        self.storage_dtype = storage_dtype
        self.root = resolve_cache_dir(cache_dir)
        identity = {
            "layout": _LAYOUT_VERSION,
            "options_sha256": _hash_file(options_file),
            "weights_sha256": _hash_file(weight_file),
            "storage_dtype": storage_dtype,
        }
        self.fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
        self.directory = os.path.join(self.root, self.fingerprint)
        os.makedirs(self.directory, exist_ok=True)
        meta_path = os.path.join(self.directory, "meta.json")
        if not os.path.exists(meta_path):
            meta = dict(identity, options_file=str(options_file), weight_file=str(weight_file))
            atomic_write(meta_path, json.dumps(meta, indent=2))
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".npy")

    def get(self, key: str, num_tokens: int) -> Optional[numpy.ndarray]:
        """
        The stored activations, shape `(num_layers, num_tokens + 2, dim)`, as float32; `None`
        (counted as a miss) when absent, unreadable or of another sequence length.
        """
        path = self.path(key)
        try:
            array = numpy.load(path, allow_pickle=False)
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, EOFError) as error:
            logger.warning(f"Ignoring the unreadable ELMo cache entry {path} ({error}); recomputing it.")
            self.misses += 1
            return None
        if array.ndim != 3 or array.shape[1] != num_tokens + 2:
            logger.warning(f"Ignoring the ELMo cache entry {path} of shape {array.shape}; recomputing it.")
            self.misses += 1
            return None
        self.hits += 1
        return array.astype(numpy.float32, copy=False)

    def contains(self, key: str) -> bool:
        return os.path.exists(self.path(key))

    def put(self, key: str, activations: numpy.ndarray) -> None:
        """Stores `activations`, shape `(num_layers, num_tokens + 2, dim)`, atomically."""
        # Not synced: an entry lost in a crash is only recomputed.
        with atomic_file(self.path(key), suffix=_TEMP_MARKER) as handle:
            numpy.save(handle, numpy.ascontiguousarray(activations, dtype=self.storage_dtype))

    def stats(self) -> CacheStats:
        return CacheStats(self.hits, self.misses)

    def reset_stats(self) -> None:
        self.hits = self.misses = 0

    def size(self) -> Tuple[int, int]:
        """(entries, bytes) in this biLM's cache directory; temporary files are not counted."""
        entries = total = 0
        for shard in os.scandir(self.directory):
            if not shard.is_dir():
                continue
            for entry in os.scandir(shard.path):
                if entry.name.endswith(".npy"):
                    entries += 1
                    total += entry.stat().st_size
        return entries, total

    def log_summary(self, what: str) -> None:
        """One INFO line: hit rate since the last reset, entries and size on disk."""
        entries, total = self.size()
        stats = self.stats()
        logger.info(
            f"ELMo cache {what}: {stats.hits} hits, {stats.misses} misses "
            f"(hit rate {stats.hit_rate:.1%}); {entries} entries, {total / 2**20:.1f} MiB in {self.directory}"
        )

    def missing(self, keys: List[str]) -> List[str]:
        """The distinct keys among `keys` that have no entry yet, in first-seen order."""
        seen = set()
        result = []
        for key in keys:
            if key not in seen and not self.contains(key):
                result.append(key)
            seen.add(key)
        return result
