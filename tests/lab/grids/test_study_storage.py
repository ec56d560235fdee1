import multiprocessing

import pytest
from sqlalchemy.exc import OperationalError

from sst_elmo_lab.grids import study_storage
from sst_elmo_lab.grids.study_storage import rdb_storage


def test_a_lost_race_is_tried_again_and_the_last_failure_is_raised(monkeypatch):
    import optuna.storages

    calls, naps = [], []

    def racing(url, **kwargs):
        calls.append((url, kwargs))
        if len(calls) < 3:
            raise OperationalError("CREATE TABLE studies", {}, Exception("table studies already exists"))
        return "storage"

    monkeypatch.setattr(optuna.storages, "RDBStorage", racing)
    monkeypatch.setattr(study_storage.time, "sleep", naps.append)
    assert rdb_storage("sqlite:///x.db", heartbeat_interval=5) == "storage"
    assert calls == [("sqlite:///x.db", {"heartbeat_interval": 5})] * 3 and naps == [0.5, 1.5]
    calls.clear()
    with pytest.raises(OperationalError):
        rdb_storage("sqlite:///x.db", attempts=2)
    assert len(calls) == 2


def _open(url, barrier, results):
    barrier.wait()
    try:
        rdb_storage(url)
        results.put("ok")
    except Exception as error:  # reported to the test, not lost in the child
        results.put(repr(error))


@pytest.mark.slow
def test_workers_that_open_a_new_database_together_all_get_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    count = 6
    barrier, results = context.Barrier(count), context.Queue()
    url = f"sqlite:///{tmp_path / 'new.db'}"
    workers = [context.Process(target=_open, args=(url, barrier, results)) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [results.get(timeout=10) for _ in range(count)] == ["ok"] * count
