import pytest

from sst_elmo.serving.answer_cache import AnswerCache
from sst_elmo.serving.request_checks import cache_key


def test_the_least_recently_used_answer_goes_first():
    cache = AnswerCache(2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # now "b" is the least recently used
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    assert len(cache) == 2


def test_size_0_keeps_nothing_and_large_entries_are_not_kept():
    off = AnswerCache(0)
    off.put("a", b"1")
    assert off.get("a") is None and len(off) == 0
    small = AnswerCache(4, max_entry_bytes=5)
    small.put("big", b"123")  # 3 + 3 bytes: the key counts
    small.put("ok", b"123")  # 2 + 3
    assert small.get("big") is None and small.get("ok") == b"123"


def test_the_bytes_of_keys_and_answers_are_bounded():
    cache = AnswerCache(1000, max_bytes=100, max_entry_bytes=100)
    for number in range(50):
        cache.put(f"key{number:02d}" + "k" * 10, b"a" * 10)  # 15 + 10 bytes each: 4 fit
        assert cache.bytes <= 100
    assert len(cache) == 4 and cache.bytes == 100
    assert cache.get("key49" + "k" * 10) == b"a" * 10 and cache.get("key45" + "k" * 10) is None
    cache.put("key49" + "k" * 10, b"b" * 20)  # replaced: its old answer's bytes are given back
    assert cache.bytes == 100 - 10 + 20 - 25 and len(cache) == 3  # the oldest dropped to fit
    long_keys = AnswerCache(1000, max_bytes=100)
    for number in range(50):
        long_keys.put(f"{number:02d}" + "k" * 60, b"1")  # keys alone are over half the bytes
    assert len(long_keys) == 1 and long_keys.bytes == 63


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match="negative"):
        AnswerCache(-1)
    with pytest.raises(ValueError, match="negative"):
        AnswerCache(1, max_bytes=-1)


def test_the_key_is_small_and_canonical():
    long = {"sentence": "fine " * 200_000}
    assert len(cache_key("/predict", long)) == 64  # a digest, whatever the request's size
    assert cache_key("/interpret", {"sentence": "a", "method": "leave_one_out"}) == \
        cache_key("/interpret", {"method": "leave_one_out", "sentence": "a"})
    assert cache_key("/interpret", {"sentence": "a"}) != cache_key("/predict", {"sentence": "a"})
    assert cache_key("/predict", {"sentence": "a"}) != cache_key("/predict", [{"sentence": "a"}])
