import json

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.common.params import Params
from allennlp.data import DatasetReader

from sst_elmo_lab.experiments.feature_baseline import (
    labelled_rows,
    lstm_runs_metrics,
    main,
    markdown,
    scores,
    split_setup,
)
from sst_elmo_lab.grids.grid import evaluate_config
from tests.conftest import CONFIGS

TWEETS_CONFIG = str(CONFIGS / "tweets_elmo.jsonnet")


def test_scores_are_those_of_the_positive_label():
    result = scores(["1", "0", "1", "0"], ["1", "1", "0", "0"], "1")
    assert result == {"positive_f1": 0.5, "positive_precision": 0.5, "positive_recall": 0.5, "accuracy": 0.5}


def test_the_split_is_the_one_the_config_validates_on(fixture_env):
    import os

    config = evaluate_config(TWEETS_CONFIG, dict(os.environ))
    rows = labelled_rows(split_setup(config))
    for reader_key, in_validation in (("dataset_reader", False), ("validation_dataset_reader", True)):
        reader = DatasetReader.from_params(Params(config[reader_key]))
        labels = [instance["label"].label for instance in reader.read(config["train_data_path"])]
        assert labels == [row.label for row in rows if row.validation == in_validation]
    assert 0 < sum(row.validation for row in rows) < len(rows)


def test_a_config_that_cleans_otherwise_is_refused(fixture_env):
    import os

    config = evaluate_config(TWEETS_CONFIG, dict(os.environ))
    config["validation_dataset_reader"]["lowercase"] = False
    with pytest.raises(ConfigurationError, match="validation_dataset_reader.lowercase"):
        split_setup(config)


def write_lstm_metrics(directory, f1, accuracy):
    directory.mkdir()
    (directory / "metrics.json").write_text(json.dumps({
        "best_epoch": 2, "best_validation_positive_f1": f1, "best_validation_positive_precision": 0.5,
        "best_validation_positive_recall": 1 / 6, "best_validation_accuracy": accuracy,
    }))
    return str(directory)


def test_several_lstm_runs_make_one_row_of_means_and_sds(tmp_path):
    dirs = [write_lstm_metrics(tmp_path / f"seed{i}", f1, 0.75) for i, f1 in enumerate((0.2, 0.3, 0.4))]
    row = lstm_runs_metrics(dirs)
    assert row["model"] == "lstm_classifier (configs), 3 runs" and len(row["runs"]) == 3
    assert row["positive_f1"] == pytest.approx(0.3) and row["positive_f1_sd"] == pytest.approx(0.1)
    assert row["accuracy"] == 0.75 and row["accuracy_sd"] == 0.0
    table = markdown({"validation_rows": 4, "data": "d.csv", "config": "c", "validation_positive_rows": 1,
                      "positive_label": "1", "models": [row]})
    assert "| lstm_classifier (configs), 3 runs | 0.3000 ± 0.1000 | 0.5000 ± 0.0000 |" in table
    # One run: its own values, no spread.
    alone = lstm_runs_metrics(dirs[:1])
    assert alone["positive_f1"] == 0.2 and "positive_f1_sd" not in alone
    with pytest.raises(ConfigurationError, match="metrics.json"):
        lstm_runs_metrics(dirs + [str(tmp_path)])


def test_feature_baseline_script_beside_an_lstm_run(tmp_path, fixture_env):
    lstm_dir = write_lstm_metrics(tmp_path / "lstm", 0.25, 0.75)
    out = tmp_path / "out"
    args = ["--elmo-options", fixture_env["options"], "--elmo-weights", fixture_env["weights"],
            "--config", TWEETS_CONFIG, "--out", str(out), "--cache-dir", str(tmp_path / "cache"),
            "--lstm-dir", lstm_dir]
    assert main(args) == 0
    result = json.loads((out / "feature_baseline.json").read_text())
    tfidf, baseline, lstm = result["models"]
    assert baseline["train_rows"] + baseline["validation_rows"] == 27  # the fixture's train.csv
    # The TF-IDF baseline is scored on exactly the same rows, without ELMo.
    assert tfidf["model"].startswith("TF-IDF") and tfidf["validation_rows"] == baseline["validation_rows"]
    assert tfidf["train_rows"] == baseline["train_rows"] and 0.0 <= tfidf["accuracy"] <= 1.0
    projection = json.loads(open(fixture_env["options"]).read())["lstm"]["projection_dim"]
    assert baseline["features_dim"] == 2 * projection  # the biLM's output: both directions
    assert all(0.0 <= baseline[key] <= 1.0 for key in ("positive_f1", "positive_precision", "accuracy"))
    assert lstm["positive_f1"] == 0.25 and lstm["accuracy"] == 0.75
    table = (out / "feature_baseline.md").read_text()
    assert "| lstm_classifier (configs) | 0.2500 | 0.5000 | 0.1667 | 0.7500 |" in table
    # The vectors are cached: a second call embeds nothing (same file, same result).
    cached = list((tmp_path / "cache").glob("*.hdf5"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    assert main(args) == 0
    assert cached[0].stat().st_mtime_ns == mtime
    assert json.loads((out / "feature_baseline.json").read_text()) == result
    # Several runs, one --lstm-dir each (as scripts/own_elmo_results.sh passes the seeds): one row.
    second = write_lstm_metrics(tmp_path / "lstm2", 0.75, 0.25)
    assert main(args + ["--lstm-dir", second]) == 0
    row = json.loads((out / "feature_baseline.json").read_text())["models"][-1]
    assert row["model"] == "lstm_classifier (configs), 2 runs" and row["positive_f1"] == pytest.approx(0.5)


def test_the_second_split_of_the_tweets_grid_moves_both_readers(fixture_env):
    import os

    from sst_elmo_lab.grids.grid import Grid
    from sst_elmo_lab.grids.overrides import merge

    grid = Grid.from_file(str(CONFIGS / "grids" / "tweets_elmo.json"))
    splits = {}
    for entry in grid.entries:
        config = merge(evaluate_config(entry.config, dict(os.environ)), entry.overrides)
        rows = labelled_rows(split_setup(config))  # raises if a row is in both splits or neither
        splits[entry.name] = [row.validation for row in rows]
    assert splits["tweets_elmo"] == splits["tweets_elmo_top"]
    assert splits["tweets_elmo_split2"] == splits["tweets_elmo_top_split2"] != splits["tweets_elmo"]
    assert all(0 < sum(split) < len(split) for split in splits.values())
