import pytest

from sst_elmo.serving.answer_cache import AnswerCache


def test_the_least_recently_used_answer_goes_first():
    cache = AnswerCache(2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # now "b" is the least recently used
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    assert len(cache) == 2


def test_size_0_keeps_nothing_and_large_answers_are_not_kept():
    off = AnswerCache(0)
    off.put("a", b"1")
    assert off.get("a") is None and len(off) == 0
    small = AnswerCache(4, max_entry_bytes=3)
    small.put("big", b"1234")
    small.put("ok", b"123")
    assert small.get("big") is None and small.get("ok") == b"123"


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match="negative"):
        AnswerCache(-1)
