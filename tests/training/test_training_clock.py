"""`training_clock`: words and time that survive a SIGKILL and `--recover`, through the real CLI."""
import json
import signal
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

# Two epochs of the tiny biLM on the fixture corpus, batches in a fixed order, a checkpoint every
# 4 batches: a recovered process redoes only the batches after the last checkpoint.
OVERRIDES = {
    "data_loader.batch_sampler.batch_size": 2,
    "data_loader.batch_sampler.shuffle": False,
    "trainer.checkpointer.save_every_num_batches": 4,
    "trainer.checkpointer.save_every_num_seconds": None,
    "trainer.callbacks": [{"type": "complete_metrics"}, {"type": "training_clock"}],
}


def train(run, overrides, *extra):
    return subprocess.run(
        [sys.executable, "-m", "allennlp", "train", "configs/pretrain/tiny.jsonnet", "-s", str(run),
         "-o", json.dumps(overrides), "--include-package", "tests.sigkill_callback", *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )


def epochs(run):
    return [json.loads((run / f"metrics_epoch_{epoch}.json").read_text()) for epoch in range(2)]


def test_words_and_time_are_counted_once_across_a_kill_and_recover(tmp_path):
    clean = train(tmp_path / "clean", OVERRIDES)
    assert clean.returncode == 0, clean.stderr[-2000:]
    first, second = epochs(tmp_path / "clean")
    words = first["training_words"]  # one pass over the training sentences
    assert words > 0 and second["training_words"] == words
    assert [e["clock_epoch_words"] for e in (first, second)] == [words, words]
    assert second["clock_total_words"] == 2 * words
    assert 0 < first["clock_epoch_seconds"] <= first["clock_total_seconds"] < second["clock_total_seconds"]

    run, marker = tmp_path / "run", tmp_path / "killed"
    killer = {"type": "test_sigkill_once", "marker_file": str(marker), "epoch": 1, "batch": 7}
    overrides = dict(OVERRIDES, **{"trainer.callbacks": OVERRIDES["trainer.callbacks"] + [killer]})
    killed = train(run, overrides)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert (run / "training_state_e1_b4.th").exists()
    recovered = train(run, overrides, "--recover")
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    first, second = epochs(run)
    # AllenNLP's own counters start again in the recovered process: epoch 1 looks short ...
    assert second["training_words"] < words
    # ... the clock counts the whole pass once: 4 batches before the kill, the rest after it.
    assert second["clock_epoch_words"] == words and second["clock_total_words"] == 2 * words
    assert second["clock_total_seconds"] > first["clock_total_seconds"] > 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["clock_total_words"] == 2 * words
