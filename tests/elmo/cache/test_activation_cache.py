import logging
import multiprocessing
import os
import shutil

import numpy
import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.elmo.cache.activation_cache import (
    STORE_NAME,
    ElmoActivationCache,
    decode_activations,
    encode_activations,
    sequence_key,
)
from sst_elmo.elmo.cache.cache_fill import fill_cache
from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner

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
    entries, size = store.size()
    assert entries == 1 and size >= value.nbytes
    assert set(os.listdir(store.directory)) == {"meta.json", STORE_NAME}


def test_get_many_and_put_many_in_one_transaction(tiny_elmo, tmp_path):
    store = cache(tiny_elmo, tmp_path)
    values = {f"{i:02x}" * 32: numpy.full((3, i + 2, 16), i, dtype=numpy.float32) for i in range(5)}
    store.put_many(values.items())
    requests = [(key, value.shape[1] - 2) for key, value in values.items()] + [("ff" * 32, 1)]
    found = store.get_many(requests)
    assert [None if array is None else float(array[0, 0, 0]) for array in found] == [0, 1, 2, 3, 4, None]
    assert store.missing(["ff" * 32, "00" * 32, "ff" * 32]) == ["ff" * 32]


def test_a_damaged_entry_is_a_miss_and_is_rewritten(tiny_elmo, tmp_path):
    import lmdb

    store = cache(tiny_elmo, tmp_path)
    key = "cd" * 32
    value = numpy.ones((3, 4, 16), dtype=numpy.float32)
    store.put(key, value)
    damaged = encode_activations(value, "float32")[:-7]  # truncated: the header's size disagrees
    store.close()
    env = lmdb.open(store.store_path, subdir=True)
    with env.begin(write=True) as txn:
        txn.put(bytes.fromhex(key), damaged)
    env.close()
    store = cache(tiny_elmo, tmp_path)
    assert store.get(key, 2) is None
    store.put(key, value)
    assert numpy.array_equal(store.get(key, 2), value)
    with pytest.raises(ValueError, match="not an activation entry"):
        decode_activations(b"\x80\x04pickle-bytes-pickle-bytes")


def test_a_store_that_cannot_be_opened_is_set_aside_not_deleted(tiny_elmo, tmp_path, caplog):
    store = cache(tiny_elmo, tmp_path)
    path = store.store_path
    store.close()
    shutil.rmtree(path)
    with open(path, "wb") as handle:  # a file where the store's directory should be
        handle.write(b"garbage")
    with caplog.at_level(logging.WARNING):
        again = cache(tiny_elmo, tmp_path)
    aside = [name for name in os.listdir(again.directory) if ".damaged-" in name]
    assert len(aside) == 1 and "is damaged" in caplog.text
    with open(os.path.join(again.directory, aside[0]), "rb") as handle:
        assert handle.read() == b"garbage"
    assert again.size()[0] == 0


def test_a_store_copied_under_another_biLM_is_refused(tiny_elmo, tmp_path):
    """Entries of one biLM are never served for another, even when its directory is copied over."""
    from sst_elmo.testing.elmo import write_random_elmo

    (tmp_path / "other").mkdir()
    other_elmo = write_random_elmo(str(tmp_path / "other"), seed=5)
    first = cache(tiny_elmo, tmp_path / "c")
    first.put("ab" * 32, numpy.ones((3, 3, 16), dtype=numpy.float32))
    first.close()
    second = cache(other_elmo, tmp_path / "c")
    assert second.get("ab" * 32, 1) is None  # its own store: a miss
    second.close()
    shutil.rmtree(second.store_path)
    shutil.copytree(first.store_path, second.store_path)
    with pytest.raises(InputError, match="belongs to another biLM"):
        cache(other_elmo, tmp_path / "c")


def test_cache_directories_differ_by_weights_and_dtype(tiny_elmo, tmp_path):
    from sst_elmo.testing.elmo import write_random_elmo

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
    assert store.size()[0] == 3


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
    assert len(encode_activations(value, "float16")) < value.nbytes
    numpy.testing.assert_allclose(store.get("ef" * 32, 2), value, rtol=1e-3, atol=1e-3)
