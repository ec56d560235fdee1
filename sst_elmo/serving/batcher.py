"""
`Batcher`: requests that arrive within a short delay of each other run as one forward pass,
in one worker thread (dynamic batching, as TorchServe's `batch_size` and `max_batch_delay`).
"""
import collections
import contextlib
import logging
import threading
import time
from typing import Callable, Deque, Dict, Iterator, List, Optional

from allennlp.common.util import JsonDict

from sst_elmo.serving import DEFAULT_MAX_BATCH_DELAY_MS, DEFAULT_MAX_BATCH_SIZE

logger = logging.getLogger(__name__)

class _Job:
    """One request's rows, waiting for their outputs (or the error that stopped them)."""

    def __init__(self, rows: List[JsonDict]) -> None:
        self.rows = rows
        self.outputs: Optional[List[JsonDict]] = None
        self.error: Optional[BaseException] = None
        self.done = threading.Event()

    def result(self, timeout: Optional[float] = None) -> List[JsonDict]:
        if not self.done.wait(timeout):
            raise TimeoutError(f"no prediction within {timeout} s")
        if self.error is not None:
            raise self.error
        assert self.outputs is not None
        return self.outputs


class FairLock:
    """
    A lock that is granted in the order it was asked for (a ticket lock). `threading.Lock` is
    not promised to be: a thread that releases it and asks again at once (saliency, input after
    input) may get it back before a thread that was waiting (the batcher), which could then wait
    for the whole request.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0

    def acquire(self) -> None:
        with self._condition:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._condition.wait()

    def release(self) -> None:
        with self._condition:
            self._serving += 1
            self._condition.notify_all()

    def __enter__(self) -> "FairLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


class Batcher:
    """
    Runs `predict_batch(rows) -> outputs` in one worker thread, over batches made of the
    requests that arrive within `max_batch_delay_ms` of the first one waiting, up to
    `max_batch_size` rows. A request of more rows than that runs alone, in chunks of
    `max_batch_size`. `max_batch_size=1` turns batching off: each request is its own
    forward pass, in arrival order.

    The wait ends early when no other request is on its way: requests announce themselves
    with `arriving()` while they are read and checked, and a batch waits only while some are.
    A lone client therefore pays no delay.

    `lock` (a `FairLock`: first come, first served) is held while the model runs; anything else
    that uses the model (saliency, which changes `requires_grad` and registers hooks) takes it
    too, so it never runs during a batch.

    # Parameters

    predict_batch : `Callable[[List[JsonDict]], List[JsonDict]]`
        One output per row, in the rows' order (a predictor's `predict_batch_json`).
    max_batch_size : `int`, optional (default = `DEFAULT_MAX_BATCH_SIZE`, 32)
        The most rows in one forward pass.
    max_batch_delay_ms : `float`, optional (default = `DEFAULT_MAX_BATCH_DELAY_MS`, 5.0)
        How long the first request of a batch waits for others.
    """

    def __init__(
        self,
        predict_batch: Callable[[List[JsonDict]], List[JsonDict]],
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        max_batch_delay_ms: float = DEFAULT_MAX_BATCH_DELAY_MS,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, not {max_batch_size}")
        if not max_batch_delay_ms >= 0:
            raise ValueError(f"max_batch_delay_ms must not be negative, not {max_batch_delay_ms}")
        self._predict_batch = predict_batch
        self.max_batch_size = max_batch_size
        self.max_batch_delay = max_batch_delay_ms / 1000.0
        self.lock = FairLock()
        self._condition = threading.Condition()
        self._jobs: Deque[_Job] = collections.deque()
        self._arriving = 0  # requests being read and checked, that may join the next batch
        self._closed = False
        # Forward passes run, rows predicted and requests served, for /health and the benchmark.
        self.stats: Dict[str, int] = {"batches": 0, "rows": 0, "requests": 0}
        # Called with the rows of each forward pass (the server's metrics), in the worker thread.
        self.on_batch: Optional[Callable[[int], None]] = None
        self._thread = threading.Thread(target=self._run, name="sst-serve-batcher", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Marks a request on its way (being read, checked, then `put`): a batch may wait for it."""
        with self._condition:
            self._arriving += 1
        try:
            yield
        finally:
            with self._condition:
                self._arriving -= 1
                self._condition.notify_all()

    def put(self, rows: List[JsonDict]) -> _Job:
        """Queues `rows`; the job's `result(timeout)` gives their outputs, in their order."""
        job = _Job(list(rows))
        with self._condition:
            if self._closed:
                raise RuntimeError("the batcher is closed")
            self._jobs.append(job)
            self._condition.notify_all()
        return job

    def submit(self, rows: List[JsonDict], timeout: Optional[float] = None) -> List[JsonDict]:
        """The outputs of `rows`, in their order, computed with whatever else arrives meanwhile."""
        return self.put(rows).result(timeout)

    def close(self, timeout: Optional[float] = None) -> None:
        """Stops the worker after the jobs already queued (waits up to `timeout` seconds)."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._thread.join(timeout)

    def _next_batch(self) -> Optional[List[_Job]]:
        """The jobs of the next forward pass (`None`: closed, nothing left)."""
        with self._condition:
            while not self._jobs and not self._closed:
                self._condition.wait()
            if not self._jobs:
                return None
            batch = [self._jobs.popleft()]
            size = len(batch[0].rows)
            deadline = time.monotonic() + self.max_batch_delay
            while size < self.max_batch_size:
                if self._jobs:
                    if size + len(self._jobs[0].rows) > self.max_batch_size:
                        break
                    batch.append(self._jobs.popleft())
                    size += len(batch[-1].rows)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._arriving == 0:
                    break
                self._condition.wait(remaining)
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            rows = [row for job in batch for row in job.rows]
            try:
                outputs: List[JsonDict] = []
                with self.lock:
                    for begin in range(0, len(rows), self.max_batch_size):
                        chunk = rows[begin : begin + self.max_batch_size]
                        outputs.extend(self._predict_batch(chunk))
                        self.stats["batches"] += 1
                        if self.on_batch is not None:
                            self.on_batch(len(chunk))
                self.stats["rows"] += len(rows)
                self.stats["requests"] += len(batch)
            except BaseException as error:  # noqa: B902 - handed to every waiting request
                logger.exception("prediction failed for a batch of %d rows", len(rows))
                for job in batch:
                    job.error = error
                    job.done.set()
                continue
            start = 0
            for job in batch:
                job.outputs = outputs[start : start + len(job.rows)]
                start += len(job.rows)
                job.done.set()
