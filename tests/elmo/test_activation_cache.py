import multiprocessing
import os

import numpy
import pytest

from sst_elmo.elmo.activation_cache import ElmoActivationCache, sequence_key
from sst_elmo.elmo.cache_fill import BiLmRunner, fill_cache

ROWS = [numpy.full((n, 50), n + 1, dtype=numpy.int64) for n in (1, 2, 3)]


def cache(tiny_elmo, root, **kwargs):
    return ElmoActivationCache(*tiny_elmo, cache_dir=str(root), **kwargs)


def test_keys_are_exact_character_ids():
    row = numpy.arange(100).reshape(2, 50)
    assert sequence_key(row) == sequence_key(row.astype(numpy.int32))
    changed = row.copy()
    changed[1, 49] += 1
    assert sequence_key(changed) != sequence_key(row)
    assert sequence_key(row[:1]) != sequence_key(row)


def test_round_trip_and_stats(tiny_elmo, tmp_path):
    store = cache(tiny_elmo, tmp_path)
    value = numpy.random.RandomState(0).standard_normal((3, 4, 16)).astype(numpy.float32)
    assert store.get("ab" * 32, 2) is None
    store.put("ab" * 32, value)
    assert numpy.array_equal(store.get("ab" * 32, 2), value)
    assert store.get("ab" * 32, 3) is None  # another length: never returned
    assert (store.stats().hits, store.stats().misses) == (1, 2)
    assert store.size() == (1, os.path.getsize(store.path("ab" * 32)))


def test_a_leftover_temporary_file_or_a_truncated_entry_is_a_miss(tiny_elmo, tmp_path):
    store = cache(tiny_elmo, tmp_path)
    key = "cd" * 32
    value = numpy.ones((3, 4, 16), dtype=numpy.float32)
    # A run killed while writing leaves only its temporary file: ignored.
    os.makedirs(os.path.dirname(store.path(key)))
    with open(store.path(key) + ".tmp123.abc", "wb") as handle:
        handle.write(b"\x93NUMPY half")
    assert store.get(key, 2) is None and store.size()[0] == 0
    # An entry damaged by something else (a disk fault) is recomputed, not trusted.
    with open(store.path(key), "wb") as handle:
        handle.write(b"\x93NUMPY garbage")
    assert store.get(key, 2) is None
    store.put(key, value)
    assert numpy.array_equal(store.get(key, 2), value)


def test_cache_directories_differ_by_weights_and_dtype(tiny_elmo, tmp_path):
    from sst_elmo.elmo.hdf5_layout import write_random_elmo

    (tmp_path / "other").mkdir()
    other = write_random_elmo(str(tmp_path / "other"), seed=5)
    first = cache(tiny_elmo, tmp_path / "c")
    assert cache(tiny_elmo, tmp_path / "c").directory == first.directory
    assert cache(other, tmp_path / "c").directory != first.directory
    assert cache(tiny_elmo, tmp_path / "c", storage_dtype="float16").directory != first.directory
    with pytest.raises(ValueError, match="storage_dtype"):
        cache(tiny_elmo, tmp_path / "c", storage_dtype="int8")


def _fill(args):
    tiny_elmo, root = args
    store = ElmoActivationCache(*tiny_elmo, cache_dir=root)
    runner = BiLmRunner(*tiny_elmo)
    # Every writer writes every entry (no entry exists yet when each starts).
    for row in ROWS:
        store.put(sequence_key(row), runner.compute([row])[0])
    return True


def test_concurrent_writers_leave_complete_identical_entries(tiny_elmo, tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        assert all(pool.map(_fill, [(tiny_elmo, str(tmp_path))] * 3))
    store = cache(tiny_elmo, tmp_path)
    expected = BiLmRunner(*tiny_elmo).compute(ROWS)
    for row, value in zip(ROWS, expected):
        numpy.testing.assert_allclose(store.get(sequence_key(row), len(row)), value, atol=1e-6)
    leftovers = [name for _, _, names in os.walk(store.directory) for name in names if ".tmp" in name]
    assert leftovers == [] and store.size()[0] == 3


def test_fill_computes_only_missing_distinct_sequences(tiny_elmo, tmp_path):
    store = cache(tiny_elmo, tmp_path)
    runner = BiLmRunner(*tiny_elmo)
    assert fill_cache(store, runner, ROWS + ROWS[:1] + [ROWS[0][:0]], batch_size=2, progress=False) == 3
    assert fill_cache(store, runner, ROWS, progress=False) == 0
    fast, slow = BiLmRunner(*tiny_elmo), BiLmRunner(*tiny_elmo, fast_forward=False)
    for row in ROWS:
        stored = store.get(sequence_key(row), len(row))
        numpy.testing.assert_allclose(stored, slow.compute([row])[0], atol=1e-5)
        numpy.testing.assert_allclose(stored, fast.compute([row])[0], atol=1e-6)


def test_float16_storage(tiny_elmo, tmp_path):
    store = cache(tiny_elmo, tmp_path, storage_dtype="float16")
    value = numpy.random.RandomState(1).standard_normal((3, 4, 16)).astype(numpy.float32)
    store.put("ef" * 32, value)
    assert os.path.getsize(store.path("ef" * 32)) < value.nbytes
    numpy.testing.assert_allclose(store.get("ef" * 32, 2), value, rtol=1e-3, atol=1e-3)
