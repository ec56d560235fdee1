"""Resuming `allennlp train --recover` after a SIGKILL mid-epoch, through the real CLI."""
import json
import os
import signal
import subprocess
import sys

import pytest
import torch
from allennlp.models.archival import load_archive

from sst_elmo.training.atomic_checkpointer import PARTIAL_SUFFIX, AtomicCheckpointer
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

EPOCHS = 3


def train(run, overrides, *extra, env):
    return subprocess.run(
        [sys.executable, "-m", "allennlp", "train", "configs/sst5_lstm.jsonnet", "-s", str(run),
         "-o", json.dumps(overrides), "--include-package", "tests.sigkill_callback", *extra],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def test_sigkill_mid_epoch_then_recover(tmp_path, fixture_env):
    env = dict(os.environ)
    run, marker = tmp_path / "run", tmp_path / "killed"
    overrides = {
        "trainer.num_epochs": EPOCHS,
        "data_loader.batch_sampler.batch_size": 2,  # 50 batches an epoch on the fixture trees
        "trainer.callbacks": [{"type": "test_sigkill_once", "marker_file": str(marker), "epoch": 1, "batch": 20}],
    }
    killed = train(run, overrides, env=env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert marker.read_text().startswith("killed at epoch 1, batch 20")
    # Killed in the second epoch: the first epoch's checkpoint is complete, nothing else is.
    assert sorted(p.name for p in run.glob("*_state_*")) == ["model_state_e1_b0.th", "training_state_e1_b0.th"]
    assert not (run / "model.tar.gz").exists() and not (run / "metrics.json").exists()
    assert not list(run.glob("*" + PARTIAL_SUFFIX))
    first_epoch = (run / "metrics_epoch_0.json").read_text()

    recovered = train(run, overrides, "--recover", env=env)
    assert recovered.returncode == 0, recovered.stderr[-3000:]
    # It continued from the checkpoint: epoch 0 was not trained again.
    assert (run / "metrics_epoch_0.json").read_text() == first_epoch
    epochs = [json.loads((run / f"metrics_epoch_{e}.json").read_text())["epoch"] for e in range(EPOCHS)]
    assert epochs == list(range(EPOCHS))
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epoch"] == EPOCHS - 1 and "test_accuracy" in metrics and "best_validation_accuracy" in metrics
    archive = load_archive(str(run / "model.tar.gz"))
    best = torch.load(run / "best.th")
    assert all(torch.equal(best[name], value) for name, value in archive.model.state_dict().items())


class _Trainer:
    def __init__(self, epochs_completed, best_epoch):
        self.state = {
            "epochs_completed": epochs_completed, "batches_in_epoch_completed": 0,
            "best_model_filename": None,
            "metric_tracker": {"is_best_so_far": best_epoch == epochs_completed - 1, "best_epoch": best_epoch},
        }

    def get_checkpoint_state(self):
        from allennlp.training.trainer import TrainerCheckpoint

        return TrainerCheckpoint({"w": torch.full((2,), float(self.state["epochs_completed"]))}, self.state)


def test_a_write_killed_midway_leaves_no_checkpoint(tmp_path, monkeypatch):
    checkpointer = AtomicCheckpointer(str(tmp_path))
    checkpointer.save_checkpoint(_Trainer(1, 0))

    def torch_save_then_die(value, handle):
        handle.write(b"half a checkpoint")
        raise KeyboardInterrupt  # stands in for the process dying mid-write

    monkeypatch.setattr(torch, "save", torch_save_then_die)
    with pytest.raises(KeyboardInterrupt):
        checkpointer.save_checkpoint(_Trainer(2, 0))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model_state_e1_b0.th", "training_state_e1_b0.th"]
    # A model state without its training state (a kill between the two) is not a checkpoint.
    torch.save({"w": torch.zeros(2)}, tmp_path / "model_state_e3_b0.th")
    (tmp_path / ("model_state_e4_b0.th.x" + PARTIAL_SUFFIX)).write_bytes(b"left by a killed run")
    checkpointer = AtomicCheckpointer(str(tmp_path))
    assert not list(tmp_path.glob("*" + PARTIAL_SUFFIX))
    state = checkpointer.load_checkpoint()
    assert state.trainer_state["epochs_completed"] == 1
    assert torch.equal(state.model_state["w"], torch.ones(2))


@pytest.mark.parametrize("best_epoch, restored", [(1, True), (0, False)])
def test_best_weights_restored_from_the_best_checkpoint(tmp_path, best_epoch, restored):
    AtomicCheckpointer(str(tmp_path)).save_checkpoint(_Trainer(2, best_epoch))
    state = AtomicCheckpointer(str(tmp_path)).load_checkpoint()
    assert (tmp_path / "best.th").exists() == restored
    if restored:
        assert state.trainer_state["best_model_filename"] == str(tmp_path / "best.th")
        assert torch.equal(torch.load(tmp_path / "best.th")["w"], torch.full((2,), 2.0))
    else:
        assert state.trainer_state["best_model_filename"] is None


def test_recovered_runs_write_a_complete_metrics_json(tmp_path, fixture_env):
    """Killed at the end of training (before the test evaluation), and re-run when finished."""
    env = dict(os.environ)
    overrides = {"trainer.num_epochs": 2, "data_loader.batch_sampler.batch_size": 10}
    clean = train(tmp_path / "clean", overrides, env=env)
    assert clean.returncode == 0, clean.stderr[-2000:]
    expected = set(json.loads((tmp_path / "clean/metrics.json").read_text()))
    assert {"epoch", "training_duration", "training_loss", "validation_accuracy", "test_accuracy"} <= expected

    run, marker = tmp_path / "run", tmp_path / "killed"
    killer = {"type": "test_sigkill_once", "marker_file": str(marker), "at_end": True}
    overrides["trainer.callbacks"] = [{"type": "complete_metrics"}, killer]
    killed = train(run, overrides, env=env)
    assert killed.returncode == -signal.SIGKILL and not (run / "metrics.json").exists(), killed.stderr[-2000:]
    for attempt in ("after the kill", "again, on the finished run"):
        recovered = train(run, overrides, "--recover", env=env)
        assert recovered.returncode == 0, recovered.stderr[-2000:]
        metrics = json.loads((run / "metrics.json").read_text())
        assert set(metrics) == expected, (attempt, sorted(expected - set(metrics)))
        last_epoch = json.loads((run / "metrics_epoch_1.json").read_text())
        assert {k: metrics[k] for k in last_epoch} == last_epoch
