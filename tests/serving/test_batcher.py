import threading
import time

import pytest

from sst_elmo.serving.batcher import Batcher


class Recorder:
    """A fake model: each output names its row; the sizes of the batches it saw are kept."""

    def __init__(self, fail_on=None, seconds=0.0):
        self.sizes = []
        self.fail_on = fail_on
        self.seconds = seconds

    def __call__(self, rows):
        self.sizes.append(len(rows))
        time.sleep(self.seconds)
        if self.fail_on is not None and any(row.get("x") == self.fail_on for row in rows):
            raise RuntimeError("boom")
        return [{"y": row["x"] * 10} for row in rows]


def submit_all(batcher, jobs, timeout=10):
    results = [None] * len(jobs)

    def one(i):
        results[i] = batcher.submit(jobs[i], timeout=timeout)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


def test_requests_arriving_together_share_a_forward_pass():
    model = Recorder(seconds=0.05)
    batcher = Batcher(model, max_batch_size=8, max_batch_delay_ms=200)
    jobs = [[{"x": i}] for i in range(20)]
    with batcher.arriving():  # another request on its way: the first batch waits for the others
        results = submit_all(batcher, jobs)
    assert [result[0]["y"] for result in results] == [i * 10 for i in range(20)]
    assert sum(model.sizes) == 20 and max(model.sizes) == 8 and len(model.sizes) < 20
    assert batcher.stats == {"batches": len(model.sizes), "rows": 20, "requests": 20}
    batcher.close(5)


def test_batch_size_one_is_one_forward_pass_per_request():
    model = Recorder()
    batcher = Batcher(model, max_batch_size=1, max_batch_delay_ms=50)
    with batcher.arriving():
        submit_all(batcher, [[{"x": i}] for i in range(10)])
    assert model.sizes == [1] * 10
    batcher.close(5)


def test_a_lone_request_does_not_wait_for_the_delay():
    batcher = Batcher(Recorder(), max_batch_size=32, max_batch_delay_ms=5000)
    start = time.monotonic()
    assert batcher.submit([{"x": 1}], timeout=10) == [{"y": 10}]
    assert time.monotonic() - start < 4.0
    batcher.close(5)


def test_the_wait_is_bounded_by_the_delay():
    batcher = Batcher(Recorder(), max_batch_size=32, max_batch_delay_ms=300)
    with batcher.arriving():  # announced, never comes: the batch goes after the delay
        start = time.monotonic()
        assert batcher.submit([{"x": 1}], timeout=10) == [{"y": 10}]
        assert 0.25 < time.monotonic() - start < 5.0
    batcher.close(5)


def test_a_request_larger_than_a_batch_runs_in_chunks_in_order():
    model = Recorder()
    batcher = Batcher(model, max_batch_size=4)
    rows = [{"x": i} for i in range(10)]
    assert batcher.submit(rows, timeout=10) == [{"y": i * 10} for i in range(10)]
    assert model.sizes == [4, 4, 2]
    batcher.close(5)


def test_a_failing_batch_fails_its_requests_and_the_worker_goes_on():
    batcher = Batcher(Recorder(fail_on=3), max_batch_size=1)
    with pytest.raises(RuntimeError, match="boom"):
        batcher.submit([{"x": 3}], timeout=10)
    assert batcher.submit([{"x": 4}], timeout=10) == [{"y": 40}]
    batcher.close(5)


def test_close_finishes_the_queued_jobs_then_refuses():
    model = Recorder(seconds=0.1)
    batcher = Batcher(model, max_batch_size=1)
    jobs = [batcher.put([{"x": i}]) for i in range(5)]
    batcher.close(10)
    assert [job.result(0)[0]["y"] for job in jobs] == [0, 10, 20, 30, 40]
    with pytest.raises(RuntimeError, match="closed"):
        batcher.put([{"x": 1}])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Batcher(Recorder(), max_batch_size=0)
    with pytest.raises(ValueError):
        Batcher(Recorder(), max_batch_delay_ms=-1)


@pytest.mark.parametrize("rounds", [20])
def test_the_fair_lock_goes_to_the_thread_that_waited_first(rounds):
    # A holder that releases and asks again at once (saliency, input after input) must not
    # keep a waiting thread out (threading.Lock promises no order).
    import threading
    import time

    from sst_elmo.serving.batcher import FairLock

    lock = FairLock()
    order = []
    lock.acquire()
    waiter = threading.Thread(target=lambda: (lock.acquire(), order.append("waiter"), lock.release()))
    waiter.start()
    time.sleep(0.1)  # the waiter is waiting
    for _ in range(rounds):
        lock.release()
        lock.acquire()
        order.append("holder")
    lock.release()
    waiter.join(5)
    assert order[0] == "waiter", order
