"""
`AnswerCache`: the answers of recent requests, least recently used dropped first (the AllenNLP
demo's cache, with its `X-Cache-Hit` header), bounded in entries and in bytes.
"""
import collections
import threading
from typing import Optional, OrderedDict

from sst_elmo.serving import DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRY_BYTES


class AnswerCache:
    """
    A thread-safe LRU map from a request's key (`request_checks.cache_key`: a digest of its
    endpoint and the fields it uses) to its answer's bytes, holding at most `size` entries and
    `max_bytes` bytes, each entry counted as its key's length plus its answer's. An entry over
    `max_entry_bytes` is not kept.

    # Parameters

    size : `int`
        The most answers kept; `0` turns the cache off (`get` always misses, `put` keeps nothing).
    max_bytes : `int`, optional (default = `DEFAULT_CACHE_BYTES`, 64 MiB)
        The most bytes of keys and answers kept together.
    max_entry_bytes : `int`, optional (default = `DEFAULT_CACHE_ENTRY_BYTES`, 64 KiB)
    """

    def __init__(self, size: int, max_bytes: int = DEFAULT_CACHE_BYTES,
                 max_entry_bytes: int = DEFAULT_CACHE_ENTRY_BYTES) -> None:
        if size < 0:
            raise ValueError(f"the cache size must not be negative, not {size}")
        if max_bytes < 0:
            raise ValueError(f"the cache's bytes must not be negative, not {max_bytes}")
        self.size = size
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.bytes = 0  # keys and answers kept now
        self._entries: OrderedDict[str, bytes] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Optional[bytes]:
        """The answer kept for `key` (now the most recently used), or `None`."""
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
            return answer

    def put(self, key: str, answer: bytes) -> None:
        """Keeps `answer` for `key` (if the entry is small enough), dropping the least recently used."""
        cost = len(key) + len(answer)
        if self.size == 0 or cost > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= len(key) + len(old)
            self._entries[key] = answer
            self.bytes += cost
            while len(self._entries) > self.size or self.bytes > self.max_bytes:
                dropped_key, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped_key) + len(dropped)

    def __len__(self) -> int:
        return len(self._entries)
