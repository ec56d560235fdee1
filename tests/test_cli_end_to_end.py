"""`allennlp train` -> `evaluate` -> `predict` through the real CLI, in a subprocess.

The plugin is found through the project's `.allennlp_plugins` file (the commands run in the
project root without `--include-package`).
"""
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, PROJECT_ROOT

pytestmark = pytest.mark.slow


def allennlp(*args, env):
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-3000:]}"
    return result


@pytest.fixture
def cli_env(fixture_env):
    return dict(os.environ)  # fixture_env has set the SST_ELMO_* variables


def test_train_evaluate_predict(tmp_path, cli_env):
    run = tmp_path / "run"
    overrides = json.dumps({"trainer.num_epochs": 2})
    allennlp("train", "configs/sst5_elmo.jsonnet", "-s", str(run), "-o", overrides, env=cli_env)
    metrics = json.loads((run / "metrics.json").read_text())
    assert {"best_validation_accuracy", "test_accuracy", "test_macro_f1"} <= set(metrics)
    assert (run / "model.tar.gz").exists()
    # TensorBoard event files, written by the configs' tensorboard callback.
    for split in ("train", "validation"):
        assert [path.stat().st_size > 0 for path in (run / "log" / split).glob("events.out.tfevents.*")] == [True]

    evaluation = tmp_path / "evaluation.json"
    allennlp("evaluate", str(run / "model.tar.gz"), str(FIXTURES / "data/sst/test.txt"),
             "--output-file", str(evaluation), env=cli_env)
    evaluated = json.loads(evaluation.read_text())
    assert evaluated["accuracy"] == pytest.approx(metrics["test_accuracy"])

    predictions = tmp_path / "predictions.jsonl"
    allennlp("predict", str(run / "model.tar.gz"), str(FIXTURES / "sentences.jsonl"),
             "--output-file", str(predictions), "--batch-size", "2", "--silent", env=cli_env)
    rows = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert len(rows) == 3
    assert rows[0]["tokens"] == ["The", "film", "shines", "."]
    assert all(set(row["label_probs"]) == {"0", "1", "2", "3", "4"} for row in rows)
    assert all(row["label"] == max(row["label_probs"], key=row["label_probs"].get) for row in rows)


def test_predict_reports_a_bad_line(tmp_path, cli_env):
    run = tmp_path / "run"
    overrides = json.dumps({"trainer.num_epochs": 1})
    allennlp("train", "configs/sst5_lstm.jsonnet", "-s", str(run), "-o", overrides, env=cli_env)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"sentence": "fine"}\n{"sentence": "broken\n')
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "predict", str(run / "model.tar.gz"), str(bad),
         "--silent", "--output-file", str(tmp_path / "out.jsonl")],
        cwd=PROJECT_ROOT, env=cli_env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"{bad}:2: not valid JSON" in last_line and '{"sentence": "broken' in last_line


def test_test_install_lists_the_plugin(cli_env):
    result = allennlp("test-install", env=cli_env)
    assert "Plugin sst_elmo available" in result.stderr
