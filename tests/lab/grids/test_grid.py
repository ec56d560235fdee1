import json
import sys

import pytest
from allennlp.common.checks import ConfigurationError
from allennlp.common.params import Params, with_overrides
from allennlp.data import DatasetReader

from sst_elmo_lab.grids.grid import (
    Grid,
    GridEntry,
    GridRunner,
    Run,
    Size,
    count_training_instances,
    parse_size,
    sizes_need_counting,
)
from sst_elmo_lab.grids.results import read_results, rows_to_csv
from tests.conftest import CONFIGS


def test_parse_size():
    assert parse_size("full") == Size() and parse_size(1.0) == Size()
    assert parse_size(500) == Size(count=500) and parse_size("500") == Size(count=500)
    assert parse_size("0.25") == Size(fraction=0.25)
    assert [parse_size(v).label for v in ("full", 500, 0.25)] == ["full", "n500", "f0.25"]
    assert Size(fraction=0.25).max_instances(10) == 2 and Size(fraction=0.01).max_instances(10) == 1
    for bad in (0, -3, 1.5, "lots", True):
        with pytest.raises(ConfigurationError):
            parse_size(bad)


def test_sizes_need_counting():
    assert not sizes_need_counting([Size()])
    assert not sizes_need_counting([Size(count=3), Size(count=5)])
    assert sizes_need_counting([Size(count=3), Size()])
    assert sizes_need_counting([Size(fraction=0.5)])


def test_grid_from_json_checks_its_input():
    grid = Grid.from_json({"configs": [{"name": "a", "config": "a.jsonnet"}], "seeds": [1, 2]})
    assert grid.sizes == [Size()] and grid.entries[0].overrides == {}
    with pytest.raises(ConfigurationError, match="unknown grid keys"):
        Grid.from_json({"configs": [], "seeds": [1], "seed": 2})
    with pytest.raises(ConfigurationError, match="unique"):
        Grid.from_json({"configs": [{"name": "a", "config": "x"}, {"name": "a", "config": "y"}], "seeds": [1]})
    with pytest.raises(ConfigurationError, match="config name"):
        Grid.from_json({"configs": [{"name": "a/b", "config": "x"}], "seeds": [1]})
    with pytest.raises(ConfigurationError, match="pair"):
        Grid.from_json({"configs": [{"name": "a", "config": "x"}], "seeds": [1], "pair": ["a", "b"]})
    with_metrics = {"configs": [{"name": "a", "config": "x"}], "seeds": [1], "metrics": ["m"]}
    assert Grid.from_json(with_metrics).metrics == ["m"]
    for bad in ([], "best_validation_f1_1", [""], [3]):
        with pytest.raises(ConfigurationError, match="^grid.json: metrics"):
            Grid.from_json({"configs": [{"name": "a", "config": "x"}], "seeds": [1], "metrics": bad}, "grid.json")


def test_grid_file_errors_name_the_line(tmp_path):
    path = tmp_path / "grid.json"
    path.write_text('{"configs": [],\n "seeds": [1,]}')
    with pytest.raises(ConfigurationError, match=f"{path}:2: not valid JSON"):
        Grid.from_file(str(path))


def make_runner(tmp_path, sizes, entry_overrides=None, config="sst5_lstm.jsonnet", **kwargs):
    import os

    entry = GridEntry("base", str(CONFIGS / config), entry_overrides or {})
    grid = Grid([entry], [7], sizes, {"trainer.num_epochs": 1})
    return GridRunner(grid, str(tmp_path), env=dict(os.environ), **kwargs)


def test_overrides_of_a_run_cut_only_the_training_reader(tmp_path, fixture_env):
    runner = make_runner(tmp_path, [Size(count=3)], {"dataset_reader": {"use_subtrees": False}}, threads=1)
    (run,) = runner.runs()
    overrides = runner.overrides(run)
    assert overrides == {
        "dataset_reader.max_instances": 3,
        "dataset_reader.use_subtrees": False,
        "random_seed": 7, "numpy_seed": 8, "pytorch_seed": 9,
        "trainer.num_epochs": 1,
    }
    assert runner.env["OMP_NUM_THREADS"] == "1"
    # AllenNLP applies them as meant: the training reader is cut, validation is not.
    config = with_overrides(runner._config(run.entry), overrides)
    assert config["trainer"]["patience"] == 3  # the rest of the trainer is kept
    assert read_count(config["dataset_reader"], config["train_data_path"]) == 3
    assert read_count(config["validation_dataset_reader"], config["train_data_path"]) == 12  # all sentences
    assert count_training_instances(config) == 12  # the full set's size, whatever the cut


def read_count(reader_params, path):
    return sum(1 for _ in DatasetReader.from_params(Params(dict(reader_params))).read(path))


def test_fractions_count_the_training_set_once(tmp_path, fixture_env):
    runner = make_runner(tmp_path, [Size(fraction=0.5), Size()], {"dataset_reader": {"use_subtrees": False}})
    half, full = runner.runs()
    assert runner.overrides(half)["dataset_reader.max_instances"] == 6
    assert "dataset_reader.max_instances" not in runner.overrides(full)
    assert runner.train_instances(half) == 6 and runner.train_instances(full, count=True) == 12


def test_sizes_in_trees_sample_whole_trees_of_the_training_reader_only(tmp_path, fixture_env):
    runner = make_runner(tmp_path, [Size(count=4), Size()], {"dataset_reader": {"use_subtrees": True}})
    runner.grid.size_unit = "trees"
    small, full = runner.runs()
    overrides = runner.overrides(small)
    assert overrides["dataset_reader.sample_trees"] == 4 and "dataset_reader.max_instances" not in overrides
    assert "dataset_reader.sample_trees" not in runner.overrides(full)
    config = with_overrides(runner._config(small.entry), overrides)
    phrases = read_count(config["dataset_reader"], config["train_data_path"])
    assert phrases > 4  # four trees and every phrase of them
    assert read_count(config["validation_dataset_reader"], config["train_data_path"]) == 12  # not cut
    # The size plot's x: trees, the full set counted as the training file's trees.
    assert runner.train_instances(small) == 4 and runner.train_instances(full, count=True) == 12
    with pytest.raises(ConfigurationError, match="not fractions"):
        Grid([GridEntry("a", "a.jsonnet")], [1], [Size(fraction=0.5)], size_unit="trees")
    with pytest.raises(ConfigurationError, match="size_unit"):
        Grid.from_json({"configs": [{"name": "a", "config": "a"}], "seeds": [1], "size_unit": "words"})


def test_a_config_without_validation_reader_gets_an_uncut_copy(tmp_path, fixture_env):
    config = json.loads(json.dumps(Params.from_file(str(CONFIGS / "sst5_lstm.jsonnet")).as_dict()))
    del config["validation_dataset_reader"]
    path = tmp_path / "no_validation_reader.json"
    path.write_text(json.dumps(config))
    runner = make_runner(tmp_path, [Size(count=2)], {"dataset_reader.use_subtrees": False})
    runner.grid.entries[0].config = str(path)
    overrides = runner.overrides(runner.runs()[0])
    assert overrides["validation_dataset_reader"]["use_subtrees"] is False
    assert "max_instances" not in overrides["validation_dataset_reader"]


class FailingRunner(GridRunner):
    """Runs a process that fails at once, instead of `allennlp train`."""

    def command(self, run):
        return [sys.executable, "-c", "import sys; sys.stderr.write('the tail of the log'); sys.exit(3)"]


def test_a_failing_run_is_recorded_and_the_grid_goes_on(tmp_path, fixture_env):
    runner = FailingRunner(make_runner(tmp_path, [Size(count=2), Size()]).grid, str(tmp_path))
    records = runner.run_all()
    assert [record["status"] for record in records] == ["failed", "failed"]
    assert records[0]["returncode"] == 3 and records[0]["log_tail"] == "the tail of the log"
    rows = runner.results()
    assert [(row["run_id"], row["status"], row["returncode"]) for row in rows] == [
        ("base/seed7/n2", "failed", 3), ("base/seed7/full", "failed", 3)
    ]


def test_a_missing_config_is_recorded_without_a_subprocess(tmp_path, fixture_env):
    runner = make_runner(tmp_path, [Size()], config="no_such_config.jsonnet")
    (record,) = runner.run_all()
    assert record["status"] == "failed" and record["returncode"] is None
    assert "no_such_config.jsonnet" in record["log_tail"]


def test_results_csv_round_trip(tmp_path):
    rows = [
        {"run_id": "a/seed1/full", "config": "a", "seed": 1, "size": "full", "status": "done",
         "test_accuracy": 0.5},
        {"run_id": "a/seed2/full", "config": "a", "seed": 2, "size": "full", "status": "failed",
         "returncode": 1},
    ]
    path = tmp_path / "results.csv"
    path.write_text(rows_to_csv(rows))
    back = read_results(str(path))
    assert [(row["run_id"], row["seed"], row["test_accuracy"], row["returncode"]) for row in back] == [
        ("a/seed1/full", 1, 0.5, None), ("a/seed2/full", 2, None, 1)
    ]


@pytest.mark.parametrize("path", sorted((CONFIGS / "grids").glob("*.json")), ids=lambda path: path.name)
def test_shipped_grids_load_and_name_existing_configs(path):
    grid = Grid.from_file(str(path))
    assert grid.seeds[:3] == [1, 2, 3]  # seeds 1-3 shared across grids (tuned_sst2.json adds 4, 5)
    for entry in grid.entries:
        assert (CONFIGS.parent / entry.config).exists(), entry.config


def test_the_sentence_grid_keeps_every_config_on_sentences_and_the_phrase_grids_on_phrases(fixture_env):
    """The ELMo configs train on every phrase by default; the whole-sentence grid must say otherwise."""
    grids = {"own_elmo_sst5.json": False, "phrases_sst5.json": True, "phrases_sst2.json": True}
    for name, subtrees in grids.items():
        grid = Grid.from_file(str(CONFIGS / "grids" / name))
        runner = GridRunner(grid, "unused")
        for entry in grid.entries:
            run = Run(entry, grid.seeds[0], grid.sizes[0], "unused")
            config = with_overrides(runner._config(entry), runner.overrides(run))
            assert config["dataset_reader"]["use_subtrees"] is subtrees, (name, entry.name)
            assert config["validation_dataset_reader"]["use_subtrees"] is False, (name, entry.name)


@pytest.mark.slow
def test_a_run_killed_mid_training_goes_on_from_its_checkpoint(tmp_path, fixture_env):
    """kill -9 the grid in the middle of a run: the next call recovers it (--recover), not from scratch."""
    import os
    import subprocess

    from tests.conftest import PROJECT_ROOT, kill_at_checkpoint

    overrides = json.dumps({"trainer.num_epochs": 60, "trainer.patience": None})
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "run_grid.py"), "--config",
               f"base={CONFIGS / 'sst5_lstm.jsonnet'}", "--seeds", "7", "--sizes", "full",
               "--overrides", overrides, "--out", str(tmp_path)]
    run_dir = tmp_path / "runs" / "base" / "seed7" / "full"
    kill_at_checkpoint(command, run_dir)
    assert not (run_dir / "metrics.json").exists()
    first_epoch = (run_dir / "metrics_epoch_0.json").stat().st_mtime_ns

    again = subprocess.run(command, cwd=str(PROJECT_ROOT), env=dict(os.environ), capture_output=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads((run_dir / "metrics.json").read_text())["epoch"] == 59
    assert (run_dir / "metrics_epoch_0.json").stat().st_mtime_ns == first_epoch  # not trained again


class EnvRunner(GridRunner):
    def command(self, run):
        script = "import os, sys; sys.stderr.write(os.environ['SST_ELMO_HP_LR']); sys.exit(3)"
        return [sys.executable, "-c", script]


def test_an_entry_s_hyperparameters_reach_its_config_as_a_trial_s_suggestions(tmp_path, fixture_env):
    tuned = {"lr": 0.0123, "hidden_size": 64, "glove_trainable": False, "num_epochs": 2}
    runner = make_runner(tmp_path, [Size()])
    runner.grid.entries[0] = GridEntry("base", runner.grid.entries[0].config, {}, tuned)
    config = runner._config(runner.grid.entries[0])
    assert config["trainer"]["optimizer"]["lr"] == 0.0123 and config["trainer"]["num_epochs"] == 2
    assert config["model"]["encoder"]["hidden_size"] == 64
    # The run's own process gets them too (its `allennlp train` evaluates the config again).
    env_runner = EnvRunner(runner.grid, str(tmp_path))
    (record,) = env_runner.run_all()
    assert record["log_tail"] == "0.0123"
    grid = Grid.from_json({"configs": [{"name": "a", "config": "x", "hyperparameters": tuned}], "seeds": [1]})
    assert grid.entries[0].environment()["SST_ELMO_HP_GLOVE_TRAINABLE"] == "false"
    unknown = r"^g.json: config 'a': unknown hyperparameters \['learning_rate'\]"
    with pytest.raises(ConfigurationError, match=unknown):
        Grid.from_json({"configs": [{"name": "a", "config": "x", "hyperparameters": {"learning_rate": 1}}],
                        "seeds": [1]}, "g.json")
    with pytest.raises(ConfigurationError, match=r"config 'a' has unknown keys \['hyperparams'\]"):
        Grid.from_json({"configs": [{"name": "a", "config": "x", "hyperparams": {"lr": 1}}], "seeds": [1]})
