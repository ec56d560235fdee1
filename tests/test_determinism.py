"""The same config and seeds give identical metrics and weights on the CPU."""
import json
import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

# Wall-clock and memory figures differ from run to run; everything else must not.
VARYING = ("duration", "memory_MB")


def train(run, config, overrides, env):
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "train", config, "-s", str(run), "-o", json.dumps(overrides)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((run / "metrics.json").read_text())
    return {key: value for key, value in metrics.items() if not key.endswith(VARYING)}


@pytest.mark.parametrize("config", ["configs/sst5_elmo.jsonnet", "configs/sst5_lstm.jsonnet"])
def test_same_seeds_same_metrics(tmp_path, fixture_env, config):
    env = dict(os.environ)
    overrides = {"trainer.num_epochs": 2, "data_loader.batch_sampler.batch_size": 4}
    first = train(tmp_path / "a", config, overrides, env)
    second = train(tmp_path / "b", config, overrides, env)
    assert "test_accuracy" in first and "training_loss" in first
    assert first == second
    weights_a, weights_b = torch.load(tmp_path / "a/best.th"), torch.load(tmp_path / "b/best.th")
    assert all(torch.equal(weights_a[name], weights_b[name]) for name in weights_a)
    # Another seed gives another run: the comparison above can fail.
    other = train(tmp_path / "c", config, {**overrides, "random_seed": 1, "numpy_seed": 2, "pytorch_seed": 3}, env)
    assert other["training_loss"] != first["training_loss"]
