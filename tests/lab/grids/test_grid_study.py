"""
`run_grid.py --storage`: workers that share a grid through an Optuna study in a database (SQLite
here; PostgreSQL too where `.ci/run` starts one: SST_ELMO_TEST_POSTGRES), with real `allennlp
train` runs: each cell runs once, the results equal a one-process run's, and a SIGKILLed
worker's cell is run again by another worker.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sst_elmo_lab.grids.results import read_results
from tests.conftest import CONFIGS, PROJECT_ROOT

pytestmark = pytest.mark.slow

POSTGRES = os.environ.get("SST_ELMO_TEST_POSTGRES")
STORAGES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES, reason="no PostgreSQL: .ci/run starts one and sets SST_ELMO_TEST_POSTGRES"))]
GRID = {
    "configs": [{"name": "lstm", "config": str(CONFIGS / "sst5_lstm.jsonnet"),
                 "overrides": {"dataset_reader": {"use_subtrees": False}}}],
    "seeds": [1, 2, 3],  # three cells: two workers take one each, then both go for the third
    "sizes": ["full"],
    "overrides": {"trainer.num_epochs": 1},
}


def storage_url(kind, tmp_path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'grid.db'}"
    return POSTGRES


def worker(tmp_path, url, study, *extra, out="out"):
    script = str(PROJECT_ROOT / "scripts" / "run_grid.py")
    command = [sys.executable, script, "--grid", str(tmp_path / "grid.json"),
               "--out", str(tmp_path / out), "--threads", "1", "--no-report", *extra]
    if url:
        command += ["--storage", url, "--study-name", study]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=str(PROJECT_ROOT), env=dict(os.environ))


def trials(url, study):
    import optuna

    return optuna.load_study(study_name=study, storage=url).get_trials(deepcopy=False)


def metrics(rows):
    keys = ("test_accuracy", "best_validation_loss", "status")
    return {row["run_id"]: tuple(row.get(key) for key in keys) for row in rows}


@pytest.mark.parametrize("kind", STORAGES)
def test_two_workers_share_a_grid_and_each_cell_runs_once(kind, tmp_path, fixture_env):
    (tmp_path / "grid.json").write_text(json.dumps(GRID))
    url, study = storage_url(kind, tmp_path), f"share-{tmp_path.name}"
    workers = [worker(tmp_path, url, study, "--heartbeat", "2") for _ in range(2)]
    alone = worker(tmp_path, None, None, "--jobs", "2", out="alone")
    outputs = [process.communicate(timeout=600)[0].decode(errors="replace") for process in [*workers, alone]]
    assert [process.returncode for process in [*workers, alone]] == [0, 0, 0], [out[-3000:] for out in outputs]
    done = [trial for trial in trials(url, study) if trial.state.name == "COMPLETE"]
    run_ids = sorted(trial.system_attrs["fixed_params"]["run_id"] for trial in done)
    assert run_ids == sorted(f"lstm/seed{seed}/full" for seed in GRID["seeds"])  # each once
    logs = sorted((tmp_path / "out" / "logs").glob("*.log"))
    assert len(logs) == len(GRID["seeds"]) and all(log.read_text().count("Epoch duration") == 1 for log in logs)
    assert all("worker: cell" in output for output in outputs[:2]), "a worker trained nothing"
    assert not any("ExperimentalWarning" in output for output in outputs), "Optuna's warnings reach the user"
    shared, single = read_results(str(tmp_path / "out" / "results.csv")), read_results(str(tmp_path / "alone" /
                                                                                          "results.csv"))
    assert metrics(shared) == metrics(single)


@pytest.mark.parametrize("kind", STORAGES)
def test_a_killed_workers_cell_runs_again_and_the_grid_finishes(kind, tmp_path, fixture_env):
    grid = dict(GRID, seeds=[1, 2])
    (tmp_path / "grid.json").write_text(json.dumps(grid))
    url, study = storage_url(kind, tmp_path), f"kill-{tmp_path.name}"
    doomed = worker(tmp_path, url, study, "--heartbeat", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until it trains its first cell
        logs = list((tmp_path / "out" / "logs").glob("*.log")) if (tmp_path / "out" / "logs").exists() else []
        if logs and os.path.getsize(logs[0]) > 0:
            break
        time.sleep(0.2)
    os.killpg(doomed.pid, signal.SIGKILL)  # the worker and its allennlp train, mid-cell
    doomed.wait(30)
    killed = [trial for trial in trials(url, study) if trial.state.name == "RUNNING"]
    assert len(killed) == 1
    survivor = worker(tmp_path, url, study, "--heartbeat", "1")
    output = survivor.communicate(timeout=600)[0].decode(errors="replace")
    assert survivor.returncode == 0, output
    states = {trial.number: trial.state.name for trial in trials(url, study)}
    assert states[killed[0].number] == "FAIL"
    retried = [trial for trial in trials(url, study) if trial.system_attrs.get("failed_trial") == killed[0].number]
    assert [trial.state.name for trial in retried] == ["COMPLETE"]
    rows = read_results(str(tmp_path / "out" / "results.csv"))
    assert len(rows) == 2 and all(row["status"] == "done" for row in rows)
