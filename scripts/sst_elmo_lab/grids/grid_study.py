"""
A grid's cells as an Optuna study in a shared database, so that the same `run_grid.py` command
started on several machines (or several times on one) shares the work: `run_grid.py --storage URL`.

The study (named after the output directory unless `--study-name` is given) holds one trial per
cell, queued with `enqueue_trial({"run_id": ...})` by the worker that creates the study. Each
worker pops a waiting trial (Optuna marks it running in the database, so two workers never pop
the same one), trains that cell with the grid runner (a finished cell is skipped), and marks
the trial complete or failed. While a cell trains, its worker records a heartbeat in the
database (Optuna's `heartbeat_interval`); a trial whose heartbeat stopped for `grace_period`
seconds (its worker was killed) is failed by the next worker that looks, and Optuna's
`RetryFailedTrialCallback` queues it again, so the cell is trained again (`--force` over its
partial directory). A worker stops when no trial is waiting and none is running.

All workers must share the output directory (a network file system) or the same path on each
machine; the reports are written from the run directories, as without a storage.
"""
import logging
import threading
import time
import warnings
from typing import Any, Dict, List, Optional

from sst_elmo_lab.grids.grid import STATUS_DONE, GridRunner
from sst_elmo_lab.grids.study_storage import rdb_storage

logger = logging.getLogger(__name__)

# Seconds between heartbeats of a running cell, and after how long without one it counts as dead.
DEFAULT_HEARTBEAT = 60
GRACE_FACTOR = 3
# How many times a cell whose worker died is queued again.
MAX_RETRY = 3


def open_study(storage_url: str, study_name: str, run_ids: List[str], heartbeat: float = DEFAULT_HEARTBEAT):
    """The grid's study in `storage_url` (created with one queued trial per cell if new)."""
    import optuna
    from optuna.storages import RetryFailedTrialCallback
    from sqlalchemy.exc import IntegrityError

    # The queue, retry and stale-trial APIs are marked experimental; say so once in the docs, not per call.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    storage = rdb_storage(storage_url, heartbeat_interval=int(max(1, heartbeat)),
                          grace_period=int(max(2, GRACE_FACTOR * heartbeat)),
                          failed_trial_callback=RetryFailedTrialCallback(max_retry=MAX_RETRY))
    try:
        study = optuna.create_study(study_name=study_name, storage=storage, load_if_exists=False)
    except (optuna.exceptions.DuplicatedStudyError, IntegrityError):  # another worker created it
        return _load_study(storage, study_name, run_ids)
    for run_id in run_ids:
        study.enqueue_trial({"run_id": run_id})
    study.set_user_attr("cells", len(run_ids))  # the queue is complete
    return study


def _load_study(storage, study_name: str, run_ids: List[str], wait: float = 60.0):
    """The study another worker created, once its queue is complete; refuses another grid's study."""
    import optuna

    study = optuna.load_study(study_name=study_name, storage=storage)
    deadline = time.monotonic() + wait
    while "cells" not in study.user_attrs and time.monotonic() < deadline:
        time.sleep(0.5)  # its creator is still queueing the cells
    known = {trial.system_attrs.get("fixed_params", {}).get("run_id") for trial in study.trials}
    missing = sorted(set(run_ids) - known)
    if missing:
        raise ValueError(f"study {study_name!r} is another grid's: it has no cell {missing[0]}")
    return study


class _Heartbeat:
    """Records the trial's heartbeat every `interval` seconds in a thread, while in a `with`."""

    def __init__(self, storage, trial_id: int, interval: float) -> None:
        self._storage, self._trial_id, self._interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self._stop.is_set():
            self._storage.record_heartbeat(self._trial_id)
            self._stop.wait(self._interval)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def _pop_waiting(storage, study_id: int) -> Optional[int]:
    """
    A waiting trial of the study, now marked running by this worker, or `None`. Optuna marks a
    trial running only if it is still waiting (in one transaction); a trial another worker took
    meanwhile is skipped (optuna 2's own pop stops with an error on a trial finished meanwhile).
    """
    from optuna.trial import TrialState
    from sqlalchemy.exc import OperationalError

    for trial in storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state(trial._trial_id, TrialState.RUNNING):
                return trial._trial_id
        except (RuntimeError, OperationalError):  # finished meanwhile, or SQLite busy with another writer
            continue
    return None


def work_on_study(runner: GridRunner, storage_url: str, study_name: str, heartbeat: float = DEFAULT_HEARTBEAT,
                  poll: Optional[float] = None) -> List[Dict[str, Any]]:
    """
    Trains cells of `runner`'s grid popped from the shared study until none is waiting or
    running; returns the status records of the cells this worker trained.
    """
    from optuna.storages import fail_stale_trials
    from optuna.trial import TrialState

    runs = {run.run_id: run for run in runner.runs()}
    study = open_study(storage_url, study_name, sorted(runs), heartbeat)
    storage = study._storage._backend  # the database itself: other workers change it
    records = []
    while True:
        fail_stale_trials(study)  # a dead worker's cell is queued again
        trial_id = _pop_waiting(storage, study._study_id)
        if trial_id is None:
            running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if not running:
                return records
            time.sleep(poll if poll is not None else heartbeat)  # another worker's cell may yet fail
            continue
        run_id = storage.get_trial(trial_id).system_attrs["fixed_params"]["run_id"]
        logger.info(f"worker: cell {run_id} (trial {storage.get_trial(trial_id).number})")
        with _Heartbeat(storage, trial_id, heartbeat):
            record = runner.run_one(runs[run_id])
        records.append(record)
        if record.get("status") == STATUS_DONE:
            storage.set_trial_values(trial_id, [1.0])
            storage.set_trial_state(trial_id, TrialState.COMPLETE)
        else:
            storage.set_trial_state(trial_id, TrialState.FAIL)
