"""`runs_table` (`scripts/results_table.py`): a row a finished run."""
import json

from sst_elmo_lab.grids.results import runs_table


def test_a_row_for_each_finished_run_and_none_for_the_others(tmp_path):
    finished = tmp_path / "sst2_elmo"
    finished.mkdir()
    (finished / "metrics.json").write_text(json.dumps({
        "epoch": 4, "best_epoch": 2, "best_validation_accuracy": 0.81234, "test_accuracy": 0.8,
        "training_duration": "0:12:03.456789",
    }))
    no_test = tmp_path / "sst2_lstm"
    no_test.mkdir()
    (no_test / "metrics.json").write_text(
        json.dumps({"epoch": 0, "best_epoch": 0, "best_validation_accuracy": 0.5})
    )
    (tmp_path / "running").mkdir()
    lines = runs_table([f"{finished}/", str(no_test), str(tmp_path / "running")]).splitlines()
    assert lines[2:] == [
        "| sst2_elmo | 0.8123 | 0.8000 | 2 / 5 | 0:12:03 |",
        "| sst2_lstm | 0.5000 | nan | 0 / 1 | ? |",
    ]
    assert lines[0].startswith("| run | dev accuracy |") and len(lines) == 4
