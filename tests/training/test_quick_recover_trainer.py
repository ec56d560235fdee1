"""`quick_recover`: `allennlp train --recover` without reading the finished epochs again, through the real CLI."""
import json
import shutil
import subprocess

import pytest
import torch
from allennlp.models.archival import load_archive

from sst_elmo.common.launch import train_command
from sst_elmo.training.quick_recover_trainer import TOTAL_BATCHES_KEY
from sst_elmo_lab.shipping import pretrain
from tests.conftest import CONFIGS, PROJECT_ROOT

pytestmark = pytest.mark.slow

# The tiny biLM, 2 epochs of 4 batches, a checkpoint every 3 batches (the last two kept: the end
# of epoch 1 and one in its middle); the constant scheduler is one that steps by the batch counter.
OVERRIDES = {
    "trainer.learning_rate_scheduler": {"type": "constant"},
    "trainer.checkpointer.save_every_num_batches": 3,
}


def _train(config, run, recover=False, overrides=None):
    command = train_command(str(config), str(run), overrides=overrides, recover=recover)
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("quick_recover") / "run"
    _train(CONFIGS / "pretrain" / "tiny.jsonnet", run, overrides=OVERRIDES)
    assert json.loads((run / "config.json").read_text())["trainer"]["type"] == "quick_recover"
    return run


def _interrupted_in_epoch_1(finished_run, tmp_path, without_count=False, without_scheduler=False):
    """A copy of the run as if it had been killed in the middle of epoch 1, after a checkpoint there."""
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    for name in ("model_state_e2_b0.th", "training_state_e2_b0.th", "metrics_epoch_1.json", "metrics.json",
                 "model.tar.gz"):
        (run / name).unlink()
    [path] = run.glob("training_state_e1_b*.th")
    assert path.name != "training_state_e1_b0.th"  # in the middle: its finished batches are read again
    state = torch.load(path)
    assert state[TOTAL_BATCHES_KEY] > state["batches_in_epoch_completed"] > 0  # the trainer saves its counter
    if without_count:  # as AllenNLP's own trainer writes it
        del state[TOTAL_BATCHES_KEY]
    if without_scheduler:
        del state["learning_rate_scheduler"]
        config = json.loads((run / "config.json").read_text())
        del config["trainer"]["learning_rate_scheduler"]
        (run / "config.json").write_text(json.dumps(config))
    torch.save(state, path)
    return run


def _vocabulary(run):
    """The saved vocabulary: each namespace's tokens in order, and the set of non-padded namespaces
    (which AllenNLP writes in set order, so in another order in another process)."""
    files = {path.name: path.read_text(encoding="utf-8").splitlines() for path in (run / "vocabulary").iterdir()}
    files["non_padded_namespaces.txt"] = set(files["non_padded_namespaces.txt"])
    return files


def _count(run):
    return torch.load(run / "training_state_e2_b0.th")[TOTAL_BATCHES_KEY]


def test_a_recovery_skips_the_finished_epochs_and_keeps_the_batch_count(finished_run, tmp_path, capsys):
    run = _interrupted_in_epoch_1(finished_run, tmp_path)
    saved_vocabulary = _vocabulary(run)
    # Through the pre-training pipeline, which also points the run at its saved vocabulary.
    assert pretrain.train(str(CONFIGS / "pretrain" / "tiny.jsonnet"), str(run), cwd=str(PROJECT_ROOT)) == "trained"
    assert "vocabulary read from" in capsys.readouterr().out
    log = open(str(run) + ".log", encoding="utf-8").read()
    assert "Fitting token dictionary from dataset." not in log  # the corpus was not counted again
    assert f"Loading token dictionary from {run / 'vocabulary'}" in log
    assert _vocabulary(run) == saved_vocabulary
    assert pretrain.quick_recovery(str(run)) == []  # done once
    assert "the 1 finished epochs are not read again" in log
    assert "Epoch 0/1" not in log and "Epoch 1/1" in log  # AllenNLP's trainer logs "Epoch 0/1" as it rereads
    assert (run / "metrics_epoch_0.json").read_text() == (finished_run / "metrics_epoch_0.json").read_text()
    assert json.loads((run / "metrics.json").read_text())["epoch"] == 1
    # The archive loads anywhere: AllenNLP reads the vocabulary shipped inside it.
    vocabulary = (run / "vocabulary" / "lm_words.txt").read_text(encoding="utf-8").splitlines()
    assert load_archive(str(run / "model.tar.gz")).model.vocab.get_vocab_size("lm_words") == len(vocabulary) + 1
    # The counter the scheduler steps by ends where the uninterrupted run's did.
    assert _count(run) == _count(finished_run)


def test_a_checkpoint_without_the_count_rereads_the_epochs_when_a_scheduler_needs_it(finished_run, tmp_path):
    run = _interrupted_in_epoch_1(finished_run, tmp_path, without_count=True)
    log = _train(run / "config.json", run, recover=True)
    assert "which the schedulers need: reading the 1 finished epochs again" in log
    assert "Epoch 0/1" in log and "Epoch 1/1" in log
    assert _count(run) == _count(finished_run)


def test_a_checkpoint_without_the_count_and_no_scheduler_skips_with_a_warning(finished_run, tmp_path):
    run = _interrupted_in_epoch_1(finished_run, tmp_path, without_count=True, without_scheduler=True)
    log = _train(run / "config.json", run, recover=True)
    assert "TensorBoard's step numbers start again" in log
    assert "Epoch 0/1" not in log and "Epoch 1/1" in log
    assert 0 < _count(run) < _count(finished_run)  # only epoch 1's batches were counted
