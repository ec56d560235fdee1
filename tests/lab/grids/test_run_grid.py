"""sst_elmo_lab.grids.run_grid (scripts/run_grid.py) end to end: real `allennlp train` runs on a tiny grid."""
import json
import os

import pytest
from PIL import Image

from sst_elmo_lab.grids.results import read_results
from sst_elmo_lab.grids.run_grid import main
from tests.conftest import CONFIGS

pytestmark = pytest.mark.slow


def test_tiny_grid_runs_reports_and_resumes(tmp_path, fixture_env):
    grid = {
        "configs": [
            {"name": "lstm", "config": str(CONFIGS / "sst5_lstm.jsonnet"),
             "overrides": {"dataset_reader": {"use_subtrees": False}}},
            {"name": "elmo", "config": str(CONFIGS / "sst5_elmo.jsonnet"),
             "overrides": {"dataset_reader": {"use_subtrees": False}}},
            # Fails before any subprocess starts (a failing `allennlp train` is covered by
            # test_grid.py with a fake subprocess); keeps this test to 8 real trainings.
            {"name": "broken", "config": str(CONFIGS / "no_such_config.jsonnet")},
        ],
        "seeds": [1, 2],
        "sizes": [3, "full"],
        "overrides": {"trainer.num_epochs": 1},
        "pair": ["lstm", "elmo"],
        "metrics": ["best_validation_loss", "test_accuracy"],
    }
    grid_path = tmp_path / "grid.json"
    grid_path.write_text(json.dumps(grid))
    out = tmp_path / "out"
    args = ["--grid", str(grid_path), "--out", str(out), "--jobs", "2", "--threads", "1", "--seeds", "1", "2"]

    assert main(args) == 1  # the broken config's runs failed, the others did not stop
    rows = read_results(str(out / "results.csv"))
    assert len(rows) == 12 and len({row["run_id"] for row in rows}) == 12
    by_id = {row["run_id"]: row for row in rows}
    for config in ("lstm", "elmo"):
        for seed in (1, 2):
            small, full = by_id[f"{config}/seed{seed}/n3"], by_id[f"{config}/seed{seed}/full"]
            assert small["status"] == full["status"] == "done"
            assert (small["max_instances"], small["train_instances"]) == (3, 3)
            assert (full["max_instances"], full["train_instances"]) == (None, 12)
            assert 0.0 <= full["test_accuracy"] <= 1.0 and full["best_epoch"] == 0 and full["epochs"] == 1
    broken = [row for row in rows if row["config"] == "broken"]
    assert len(broken) == 4 and all(row["status"] == "failed" for row in broken)
    status = json.loads((out / "status" / "broken__seed1__full.json").read_text())
    assert "no_such_config.jsonnet" in status["log_tail"]

    report = out / "report"
    for name in ("paired_lstm_vs_elmo.png", "size_test_accuracy.png", "curves_lstm.png", "curves_elmo.png"):
        with Image.open(report / name) as image:
            assert image.size[0] > 200 and len(set(image.convert("L").getdata())) > 10
    summary = (report / "summary.md").read_text()
    assert "| lstm | n3 | 3 | 2 / 2 |" in summary
    # The grid file's metrics are the summary's columns.
    assert "| runs done | best_validation_loss | test_accuracy |" in summary
    assert "best_validation_accuracy" not in summary
    # The broken config never read any data: no instance count, no run done.
    assert any(line.startswith("| broken | full |") and "| 0 / 2 |" in line for line in summary.splitlines())

    # A second call trains nothing that finished: their logs and models are untouched.
    finished = {p: p.stat().st_mtime_ns for p in out.glob("runs/lstm/*/*/model.tar.gz")}
    logs = {p: p.stat().st_mtime_ns for p in out.glob("logs/lstm__*.log")}
    assert len(finished) == len(logs) == 4
    os.remove(out / "results.csv")
    assert main(args) == 1  # only the broken runs are tried again
    assert {p: p.stat().st_mtime_ns for p in finished} == finished
    assert {p: p.stat().st_mtime_ns for p in logs} == logs
    assert len(read_results(str(out / "results.csv"))) == 12
