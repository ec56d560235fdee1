"""
`AnswerCache`: the answers of recent requests, least recently used dropped first (the AllenNLP
demo's cache, with its `X-Cache-Hit` header).
"""
import collections
import threading
from typing import Optional, OrderedDict

from sst_elmo.serving import DEFAULT_CACHE_ENTRY_BYTES


class AnswerCache:
    """
    A thread-safe LRU map from a request (its endpoint and canonical JSON) to its answer's
    bytes. Answers over `max_entry_bytes` are not kept, so the cache holds at most
    `size * max_entry_bytes` bytes.

    # Parameters

    size : `int`
        The most answers kept; `0` turns the cache off (`get` always misses, `put` keeps nothing).
    max_entry_bytes : `int`, optional (default = `DEFAULT_CACHE_ENTRY_BYTES`, 64 KiB)
    """

    def __init__(self, size: int, max_entry_bytes: int = DEFAULT_CACHE_ENTRY_BYTES) -> None:
        if size < 0:
            raise ValueError(f"the cache size must not be negative, not {size}")
        self.size = size
        self.max_entry_bytes = max_entry_bytes
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
        """Keeps `answer` for `key` (if it is small enough), dropping the least recently used."""
        if self.size == 0 or len(answer) > self.max_entry_bytes:
            return
        with self._lock:
            self._entries[key] = answer
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
