"""
`scripts/tune.py` (allennlp-optuna's `allennlp tune` to a fixed budget): a real study of a tiny
GloVe classifier on the fixtures, resumed, and pruned through the configs' `tuning_pruner`.
"""
import json
import re

import optuna
import pytest

from sst_elmo.training.tuning_pruner import TuningPrunerCallback, in_tuning_trial
from sst_elmo_lab.grids.grid import Grid, GridRunner
from sst_elmo_lab.grids.tuning import default_storage, enqueue_start, grid_entry, main, study_trials
from tests.conftest import CONFIGS

CONFIG = str(CONFIGS / "sst5_lstm.jsonnet")


@pytest.fixture
def space(tmp_path):
    path = tmp_path / "space.json"
    path.write_text(json.dumps([
        {"type": "float", "attributes": {"name": "SST_ELMO_HP_LR", "low": 0.001, "high": 0.01, "log": True}},
        {"type": "int", "attributes": {"name": "SST_ELMO_HP_NUM_EPOCHS", "low": 2, "high": 2}},
        {"type": "categorical", "attributes": {"name": "SST_ELMO_HP_GLOVE_TRAINABLE", "choices": [True, False]}},
    ]))
    return str(path)


@pytest.mark.slow
def test_a_study_runs_to_its_budget_and_resumes(tmp_path, space, fixture_env, capsys):
    out = tmp_path / "study"
    start = {"SST_ELMO_HP_LR": 0.005, "SST_ELMO_HP_NUM_EPOCHS": 2, "SST_ELMO_HP_GLOVE_TRAINABLE": False}
    (tmp_path / "start.json").write_text(json.dumps({"best": {"params": start}}))  # as a best.json holds it
    enqueue = ["--enqueue", str(tmp_path / "start.json")]
    assert main([CONFIG, space, "--trials", "2", "--out", str(out), *enqueue]) == 0
    trials = study_trials(default_storage(str(out)), "sst5_lstm")
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"]
    assert trials[0].params == start and trials[1].params != start  # then the sampler's own
    for trial in trials:  # each trial trained with its own suggestions
        config = json.loads((out / "trials" / f"trial_{trial.number}" / "config.json").read_text())
        assert config["trainer"]["optimizer"]["lr"] == pytest.approx(trial.params["SST_ELMO_HP_LR"])
        embedders = config["model"]["text_field_embedder"]["token_embedders"]
        assert embedders["tokens"]["trainable"] is trial.params["SST_ELMO_HP_GLOVE_TRAINABLE"]
    # A second run with a budget of 3 runs one more trial (not the start again); a third runs none.
    assert main([CONFIG, space, "--trials", "3", "--out", str(out), *enqueue]) == 0
    assert len(study_trials(default_storage(str(out)), "sst5_lstm")) == 3
    capsys.readouterr()
    assert main([CONFIG, space, "--trials", "3", "--out", str(out)]) == 0
    assert "3 of 3 trials finished" in capsys.readouterr().err
    best = json.loads((out / "best.json").read_text())
    values = [t["value"] for t in best["trials"]]
    assert best["finished"] == 3 and best["best"]["value"] == max(values)
    assert best["mean_trial_s"] > 0
    # The best trial as a grid entry: a seed run of it trains the trial's config exactly.
    entry = best["grid_entry"]
    assert entry["name"] == "sst5_lstm_tuned" and entry["config"] == CONFIG
    environment = best["environment"]
    assert environment["SST_ELMO_DATA"] and not any(key.startswith("SST_ELMO_HP_") for key in environment)
    runner = GridRunner(Grid.from_json({"configs": [entry], "seeds": [1]}), str(tmp_path / "grid"))
    seeded = runner._config(runner.grid.entries[0])
    trial = json.loads((out / "trials" / f"trial_{best['best']['number']}" / "config.json").read_text())
    assert seeded["model"] == trial["model"] and seeded["trainer"] == trial["trainer"]


@pytest.mark.slow
def test_the_studys_pruner_stops_a_trial_through_the_configs_callback(tmp_path, space, fixture_env):
    # A pruner that prunes every trial whose accuracy is below 2 (all of them) after epoch 0 (an
    # upper bound too: Optuna's executor passes the pruner's arguments by repr, and repr(inf) is no literal).
    optuna_params = tmp_path / "optuna.json"
    pruner = {"type": "ThresholdPruner", "attributes": {"lower": 2.0, "upper": 3.0}}
    optuna_params.write_text(json.dumps({"pruner": pruner}))
    out = tmp_path / "pruned"
    assert main([CONFIG, space, "--trials", "1", "--out", str(out), "--optuna-params", str(optuna_params)]) == 0
    (trial,) = study_trials(default_storage(str(out)), "sst5_lstm")
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert len(trial.intermediate_values) == 1  # reported after the first epoch, then stopped


def test_outside_a_study_the_pruner_does_nothing(tmp_path, monkeypatch):
    for name in [n for n in __import__("os").environ if n.endswith("_OPTUNA_ALLENNLP_TRIAL_ID")]:
        monkeypatch.delenv(name)
    assert not in_tuning_trial()
    callback = TuningPrunerCallback(str(tmp_path))
    callback.on_epoch(None, {"best_validation_accuracy": 0.1}, 0)  # no study, no error


@pytest.mark.slow
def test_shared_workers_stop_within_one_trial_of_the_budget(tmp_path, space, fixture_env):
    import os
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    out, storage = tmp_path / "shared", f"sqlite:///{tmp_path / 'shared.db'}"
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "tune.py"), CONFIG, space, "--trials", "3",
               "--out", str(out), "--storage", storage, "--study-name", "shared", "--shared"]
    workers = [subprocess.Popen(command, cwd=str(PROJECT_ROOT), env=dict(os.environ), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [worker.communicate(timeout=600)[0].decode(errors="replace") for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [output[-2000:] for output in outputs]
    states = [trial.state.name for trial in study_trials(storage, "shared")]
    assert states.count("COMPLETE") in (3, 4) and len(states) in (3, 4)  # 2 workers: at most 1 over
    assert all("3 of 3 trials finished" in output or "4 of 3" in output for output in outputs)


@pytest.mark.slow
def test_a_trial_killed_mid_run_goes_on_from_its_checkpoint(tmp_path, fixture_env):
    """kill -9 the study in the middle of a trial: the next run finishes that trial (--recover), no new one."""
    import sys

    from tests.conftest import PROJECT_ROOT, kill_at_checkpoint

    # Epochs to spare after the checkpoint of epoch 3 and no early stop, so the kill lands mid-trial.
    epochs = 20
    space = tmp_path / "long.json"
    space.write_text(json.dumps([
        {"type": "float", "attributes": {"name": "SST_ELMO_HP_LR", "low": 0.001, "high": 0.01, "log": True}},
        {"type": "int", "attributes": {"name": "SST_ELMO_HP_NUM_EPOCHS", "low": epochs, "high": epochs}},
        {"type": "int", "attributes": {"name": "SST_ELMO_HP_PATIENCE", "low": 100, "high": 100}},
    ]))
    out = tmp_path / "killed"
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "tune.py"), CONFIG, str(space), "--trials", "1",
               "--out", str(out)]
    trial_dir = out / "trials" / "trial_0"
    kill_at_checkpoint(command, trial_dir)
    assert not (trial_dir / "metrics.json").exists()
    (trial,) = study_trials(default_storage(str(out)), "sst5_lstm")
    assert trial.state.name == "RUNNING" and 3 <= len(trial.intermediate_values) < epochs
    first_epoch = (trial_dir / "metrics_epoch_0.json").stat().st_mtime_ns

    assert main([CONFIG, str(space), "--trials", "1", "--out", str(out)]) == 0
    (trial,) = study_trials(default_storage(str(out)), "sst5_lstm")  # the same trial, finished
    metrics = json.loads((trial_dir / "metrics.json").read_text())
    assert trial.state.name == "COMPLETE" and trial.value == metrics["best_validation_accuracy"]
    assert metrics["epoch"] == epochs - 1 and len(trial.intermediate_values) == epochs
    assert (trial_dir / "metrics_epoch_0.json").stat().st_mtime_ns == first_epoch  # not trained again


def test_a_trial_stopped_before_its_first_checkpoint_is_marked_failed_and_replaced(tmp_path, space, fixture_env):
    out = tmp_path / "early"
    storage = default_storage(str(out))
    out.mkdir()
    study = optuna.create_study(study_name="sst5_lstm", storage=storage, direction="maximize")
    study.ask()  # a trial that a killed process left running, with no checkpoint
    assert main([CONFIG, space, "--trials", "1", "--out", str(out)]) == 0
    assert [t.state.name for t in study_trials(storage, "sst5_lstm")] == ["FAIL", "COMPLETE"]


def test_the_values_to_start_from_must_be_the_search_space_s(tmp_path, space):
    storage = default_storage(str(tmp_path))
    good = {"SST_ELMO_HP_LR": 0.005, "SST_ELMO_HP_NUM_EPOCHS": 2, "SST_ELMO_HP_GLOVE_TRAINABLE": False}
    bad_values = [
        ({"SST_ELMO_HP_LR": 0.005}, "are not the space's"),
        ({"best": {"params": {**good, "SST_ELMO_HP_LEARNING_RATE": 1}}}, "are not the space's"),
        ([0.005], "not an object"),
        # (Optuna itself would sample another value and only warn)
        ({**good, "SST_ELMO_HP_LR": 0.5}, "SST_ELMO_HP_LR=0.5 is outside its float range"),
        ({**good, "SST_ELMO_HP_GLOVE_TRAINABLE": "yes"}, "SST_ELMO_HP_GLOVE_TRAINABLE='yes' is outside"),
    ]
    for bad, reason in bad_values:
        (tmp_path / "start.json").write_text(json.dumps(bad))
        message = r"start\.json: not values of the search space .*" + re.escape(reason)
        with pytest.raises(ValueError, match=message):
            enqueue_start(storage, "s", str(tmp_path / "start.json"), space)
    assert study_trials(storage, "s") == []  # nothing made
    with pytest.raises(SystemExit, match=r"^--enqueue: .*No such file or directory: 'missing\.json'"):
        main([CONFIG, space, "--trials", "1", "--out", str(tmp_path), "--enqueue", "missing.json"])
    with pytest.raises(SystemExit, match="not with --shared"):
        main([CONFIG, space, "--trials", "1", "--out", str(tmp_path), "--shared", "--enqueue", "x.json"])


def test_a_best_trial_of_other_parameters_has_no_grid_entry():
    assert grid_entry("a", "a.jsonnet", {"lr": 0.1}) is None
    assert grid_entry("a", "a.jsonnet", {"SST_ELMO_HP_LR": 0.1})["hyperparameters"] == {"lr": 0.1}
