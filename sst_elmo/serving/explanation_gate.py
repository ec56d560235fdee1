"""
`ExplanationGate`: how many explanations (`/interpret` and `/attack` requests) the server
computes at once. Each explanation that runs puts one input at a time in the model's queue
(the batcher's first-come, first-served lock), so a `/predict` waits for at most one input of
each explanation in flight; past the limit a request is refused with a 429 and `Retry-After`.
"""
import contextlib
import math
import threading
import time
from typing import Dict, Iterator, Tuple

from sst_elmo.serving.request_checks import RequestError

# How much each finished explanation moves the estimate of seconds per token-pass (an exponential
# moving average), and the estimate before any has finished.
RATE_WEIGHT = 0.3
FIRST_RETRY_AFTER = 1


class ExplanationGate:
    """
    Admits at most `limit` explanations at once (`0`: no limit). One more raises a
    `RequestError` with status 429 and `retry_after`: whole seconds (at least 1) until the first
    explanation in flight should end, estimated from the seconds per token-pass of those of its
    kind that ended before.

    # Parameters

    limit : `int`
        Explanations computed at once; `0` admits every one.
    """

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError(f"the limit of explanations in flight must not be negative, not {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._running: Dict[int, Tuple[str, int, float]] = {}  # id -> (kind, work, start)
        self._next_id = 0
        self._seconds_per_work: Dict[str, float] = {}
        self.refused = 0

    @contextlib.contextmanager
    def admitted(self, kind: str, work: int) -> Iterator[None]:
        """Runs the block as an explanation of `kind` costing `work` token-passes, or refuses it (429)."""
        with self._lock:
            if self.limit and len(self._running) >= self.limit:
                self.refused += 1
                retry_after = self._retry_after()
                raise RequestError(
                    f"The server is busy explaining other texts. Try again in {retry_after} "
                    f"second{'s' if retry_after != 1 else ''}.", status=429, code="busy", retry_after=retry_after,
                    explanations_in_flight=len(self._running), max_explanations_in_flight=self.limit)
            ticket = self._next_id
            self._next_id += 1
            self._running[ticket] = (kind, work, time.monotonic())
        finished = False
        try:
            yield
            finished = True
        finally:
            with self._lock:
                _, _, start = self._running.pop(ticket)
                if finished and work > 0:
                    rate = (time.monotonic() - start) / work
                    old = self._seconds_per_work.get(kind)
                    self._seconds_per_work[kind] = rate if old is None else old + RATE_WEIGHT * (rate - old)

    def _retry_after(self) -> int:
        now = time.monotonic()
        estimates = []
        for kind, work, start in self._running.values():
            rate = self._seconds_per_work.get(kind)
            if rate is None:
                return FIRST_RETRY_AFTER
            estimates.append(work * rate - (now - start))
        return max(1, math.ceil(min(estimates))) if estimates else FIRST_RETRY_AFTER

    @property
    def in_flight(self) -> int:
        return len(self._running)
