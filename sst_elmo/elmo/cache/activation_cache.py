"""
An on-disk cache of the activations of every layer of a frozen ELMo biLM, one entry per
token sequence (a sentence, or one phrase of a treebank): the engine of the `cached_elmo`
token embedder and `allennlp elmo-cache`.

Layout: `ROOT/FINGERPRINT/` holds `meta.json` and `activations.lmdb/`, an LMDB store (the
memory-mapped key-value store behind AllenNLP's own `TensorCache`), where

- `ROOT` is the `cache_dir` argument, else `$SST_ELMO_CACHE_DIR`, else `~/.cache/sst_elmo/elmo`;
- `FINGERPRINT` is a hash of the sha256 of the options file, the sha256 of the weight file,
  the storage dtype and the cache layout version, so a changed biLM never reads the entries of
  another one. The store also keeps that identity under a reserved key and refuses to open
  under another fingerprint (a copied or renamed directory);
- each key is the sha256 of the sequence's character ids (`(num_tokens, 50)`, padding removed),
  so the key is exact and independent of any tokenizer;
- each value is a 12-byte header (magic, dtype, layers, positions, dim) and the raw stateless
  biLM activations of that sequence, shape `(num_layers, num_tokens + 2, dim)` (with the
  BOS/EOS positions, which AllenNLP's `Elmo` includes in its scalar mix and layer norm). No
  pickle is ever read.

Why LMDB and not one `.npy` file per entry (the layout before version 2): SST-5's training
phrases are 159,274 distinct sequences. As files they cost a file-system entry and a whole
block each, and reading them opens as many files per epoch; in one store they cost a page
read from a memory map (the measured comparison is in docs/speed.md).

Writes are LMDB transactions: `put_many` stores a batch in one transaction. A killed process
loses at most its uncommitted batch, never leaves a truncated entry, and a filler started
again computes only what is missing. Several processes may read and write one store at once
(LMDB's lock file serialises the writers). A value that cannot be decoded, or has the wrong
shape, is treated as a miss and rewritten.
"""
import hashlib
import json
import logging
import os
import struct
import threading
import time
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write, file_sha256

logger = logging.getLogger(__name__)

CACHE_DIR_VARIABLE = "SST_ELMO_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "sst_elmo", "elmo")
STORAGE_DTYPES = ("float32", "float16")
STORE_NAME = "activations.lmdb"
_LAYOUT_VERSION = 2
# LMDB reserves address space, not disk: the file grows with what is stored.
_MAP_SIZE = 1 << 40
_IDENTITY_KEY = b"\x00identity"
_MAGIC = b"SEA2"
# magic, dtype code, (unused), layers, positions, dim
_HEADER = struct.Struct("<4sBBHHH")
_DTYPE_CODES = {"float32": 0, "float16": 1}
_CODE_DTYPES = {code: numpy.dtype(name) for name, code in _DTYPE_CODES.items()}

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


def encode_activations(activations: numpy.ndarray, storage_dtype: str) -> bytes:
    """The stored form of `activations`, shape `(num_layers, positions, dim)`."""
    array = numpy.ascontiguousarray(activations, dtype=numpy.dtype(storage_dtype).newbyteorder("<"))
    if array.ndim != 3:
        raise ValueError(f"activations must be (num_layers, positions, dim), not {array.shape}")
    header = _HEADER.pack(_MAGIC, _DTYPE_CODES[storage_dtype], 0, *array.shape)
    return header + array.tobytes()


def decode_activations(value: bytes) -> numpy.ndarray:
    """The float32 activations of a stored value; `ValueError` when it is not one."""
    if len(value) < _HEADER.size:
        raise ValueError(f"{len(value)} bytes is shorter than the header")
    magic, code, _, layers, positions, dim = _HEADER.unpack_from(value)
    if magic != _MAGIC or code not in _CODE_DTYPES:
        raise ValueError("not an activation entry")
    dtype = _CODE_DTYPES[code].newbyteorder("<")
    expected = _HEADER.size + layers * positions * dim * dtype.itemsize
    if len(value) != expected:
        raise ValueError(f"{len(value)} bytes where the header says {expected}")
    array = numpy.frombuffer(value, dtype=dtype, offset=_HEADER.size).reshape(layers, positions, dim)
    return array.astype(numpy.float32)


# The open LMDB environments of this process, by store path: LMDB refuses a second one.
_ENVIRONMENTS: Dict[str, Tuple[int, object]] = {}
_ENVIRONMENTS_LOCK = threading.Lock()


def _environment(store_path: str):
    """The environment of the store at `store_path` for this process, opened on first use."""
    with _ENVIRONMENTS_LOCK:
        opened = _ENVIRONMENTS.get(store_path)
        if opened is not None and opened[0] == os.getpid():
            return opened[1]
        env = _open_or_set_aside(store_path)
        _ENVIRONMENTS[store_path] = (os.getpid(), env)
        return env


def _close_environment(store_path: str) -> None:
    with _ENVIRONMENTS_LOCK:
        opened = _ENVIRONMENTS.pop(store_path, None)
        if opened is not None and opened[0] == os.getpid():
            opened[1].close()


def _open_or_set_aside(store_path: str):
    """
    Opens (or creates) the store. One that is damaged (not an LMDB store, corrupted, or a file
    where its directory should be) is moved aside with a warning, never deleted, and an empty
    one is started; any other failure is an `InputError` naming the store.
    """
    import lmdb

    def open_store():
        return lmdb.open(store_path, map_size=_MAP_SIZE, subdir=True, sync=False, max_dbs=0)

    try:
        if os.path.exists(store_path) and not os.path.isdir(store_path):
            raise lmdb.InvalidError(f"{store_path}: not a directory")
        return open_store()
    except (lmdb.InvalidError, lmdb.CorruptedError, lmdb.VersionMismatchError) as error:
        aside = f"{store_path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
        os.replace(store_path, aside)
        logger.warning(f"The ELMo cache {store_path} is damaged ({error}); moved it to {aside} and started an "
                       f"empty one (delete {aside} when you no longer need it).")
        return open_store()
    except lmdb.Error as error:
        raise InputError(f"cannot open the ELMo cache ({error})", store_path) from None


@dataclass
class CacheStats:
    """Look-ups since the last `reset_stats`."""

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

    Setting `read_only` (default `False`) keeps the store as it is: `put_many` stores nothing,
    misses are computed every time. A server does this, so that its clients cannot grow the
    store on disk with new sentences.
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
        self._identity = json.dumps(dict(identity, fingerprint=self.fingerprint), sort_keys=True).encode()
        self.directory = os.path.join(self.root, self.fingerprint)
        self.store_path = os.path.join(self.directory, STORE_NAME)
        os.makedirs(self.directory, exist_ok=True)
        meta_path = os.path.join(self.directory, "meta.json")
        if not os.path.exists(meta_path):
            meta = dict(identity, options_file=str(options_file), weight_file=str(weight_file))
            atomic_write(meta_path, json.dumps(meta, indent=2))
        self._env = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.read_only = False
        self._open()

    # The store -------------------------------------------------------------------------

    def _open(self):
        """The LMDB environment of this store in this process (shared by every cache object of
        the store, as LMDB allows one per process; never carried across a fork)."""
        env = _environment(self.store_path)
        if env is not self._env:
            with self._lock:
                self._check_identity(env)
                self._env = env
        return env

    def _check_identity(self, env) -> None:
        with env.begin(write=True) as txn:
            stored = txn.get(_IDENTITY_KEY)
            if stored is None:
                txn.put(_IDENTITY_KEY, self._identity)
            elif bytes(stored) != self._identity:
                raise InputError(
                    "this ELMo cache belongs to another biLM or storage dtype (its identity does not match "
                    "its directory); remove it or point SST_ELMO_CACHE_DIR elsewhere", self.store_path,
                )

    def close(self) -> None:
        """Closes the store's environment in this process (for every cache object of it)."""
        with self._lock:
            _close_environment(self.store_path)
            self._env = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_env"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # Look-ups ---------------------------------------------------------------------------

    def get(self, key: str, num_tokens: int) -> Optional[numpy.ndarray]:
        """
        The stored activations, shape `(num_layers, num_tokens + 2, dim)`, as float32; `None`
        (counted as a miss) when absent, undecodable or of another sequence length.
        """
        return self.get_many([(key, num_tokens)])[0]

    def get_many(self, requests: Sequence[Tuple[str, int]]) -> List[Optional[numpy.ndarray]]:
        """`get` for each `(key, num_tokens)`, in one read transaction."""
        results: List[Optional[numpy.ndarray]] = []
        with self._open().begin(buffers=True) as txn:
            for key, num_tokens in requests:
                value = txn.get(bytes.fromhex(key))
                array = None if value is None else self._decoded(key, value, num_tokens)
                if array is None:
                    self.misses += 1
                else:
                    self.hits += 1
                results.append(array)
        return results

    def _decoded(self, key: str, value, num_tokens: int) -> Optional[numpy.ndarray]:
        try:
            array = decode_activations(bytes(value))
        except ValueError as error:
            logger.warning(f"Ignoring the damaged ELMo cache entry {key} in {self.store_path} ({error}); "
                           "recomputing it.")
            return None
        if array.shape[1] != num_tokens + 2:
            logger.warning(f"Ignoring the ELMo cache entry {key} of shape {array.shape} for {num_tokens} "
                           "tokens; recomputing it.")
            return None
        return array

    def missing(self, keys: Iterable[str]) -> List[str]:
        """The distinct keys among `keys` that have no entry yet, in first-seen order."""
        seen = set()
        result = []
        with self._open().begin(buffers=True) as txn:
            for key in keys:
                if key not in seen and txn.get(bytes.fromhex(key)) is None:
                    result.append(key)
                seen.add(key)
        return result

    # Writes -----------------------------------------------------------------------------

    def put(self, key: str, activations: numpy.ndarray) -> None:
        """Stores `activations`, shape `(num_layers, num_tokens + 2, dim)`."""
        self.put_many([(key, activations)])

    def put_many(self, items: Iterable[Tuple[str, numpy.ndarray]]) -> None:
        """Stores every `(key, activations)` in one transaction: all of them or, if killed, none."""
        if self.read_only:
            return
        encoded = [(bytes.fromhex(key), encode_activations(value, self.storage_dtype)) for key, value in items]
        # Not synced to disk on every commit: a process killed at any point loses nothing that
        # was committed; only a crash of the whole machine can undo the last commits, which are
        # then recomputed.
        with self._open().begin(write=True) as txn:
            for key, value in encoded:
                txn.put(key, value)

    # Reports ----------------------------------------------------------------------------

    def stats(self) -> CacheStats:
        return CacheStats(self.hits, self.misses)

    def reset_stats(self) -> None:
        self.hits = self.misses = 0

    def size(self) -> Tuple[int, int]:
        """(entries, bytes on disk) of this biLM's store."""
        env = self._open()
        entries = max(0, env.stat()["entries"] - 1)  # the identity record is not an entry
        data = os.path.join(self.store_path, "data.mdb")
        # Bytes the file really occupies (LMDB files can be sparse).
        total = os.stat(data).st_blocks * 512 if os.path.exists(data) else 0
        return entries, total

    def log_summary(self, what: str) -> None:
        """One INFO line: hit rate since the last reset, entries and size on disk."""
        entries, total = self.size()
        stats = self.stats()
        logger.info(
            f"ELMo cache {what}: {stats.hits} hits, {stats.misses} misses "
            f"(hit rate {stats.hit_rate:.1%}); {entries} entries, {total / 2**20:.1f} MiB in {self.directory}"
        )
