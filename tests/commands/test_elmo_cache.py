import json
import subprocess
import sys

import _jsonnet
import numpy
import pytest
from allennlp.common.checks import ConfigurationError

from sst_elmo.commands.elmo_cache import fill_from_config
from sst_elmo.common.config_env import CONFIG_VARIABLES
from tests.conftest import CONFIGS, PROJECT_ROOT

SST5 = str(CONFIGS / "sst5_elmo.jsonnet")


@pytest.mark.usefixtures("fixture_env")
def test_fill_then_training_reads_only_hits(monkeypatch, tmp_path):
    import torch
    from allennlp.common import Params
    from allennlp.data import Batch, DatasetReader, Vocabulary
    from allennlp.models import Model

    monkeypatch.setenv("SST_ELMO_CACHE", "1")
    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path))
    written, cache = fill_from_config(SST5)
    entries, _ = cache.size()
    assert written == entries > 0
    assert fill_from_config(SST5)[0] == 0  # warm: nothing left to compute
    params = Params.from_file(SST5)
    reader = DatasetReader.from_params(params.pop("validation_dataset_reader"))
    instances = list(reader.read(params.pop("validation_data_path")))
    vocab = Vocabulary.from_instances(instances)
    model = Model.from_params(vocab=vocab, params=params.pop("model")).eval()
    embedder = model._text_field_embedder._token_embedders["elmo"]
    batch = Batch(instances)
    batch.index_instances(vocab)
    with torch.no_grad():
        model(**batch.as_tensor_dict())
    assert embedder.cache.directory == cache.directory
    assert embedder.cache.stats().misses == 0 and embedder.cache.stats().hits == len(instances)
    # Training reads every phrase of the training trees: each one was filled, so all are hits.
    phrases = list(DatasetReader.from_params(params.pop("dataset_reader")).read(params.pop("train_data_path")))
    assert len(phrases) > 5 * 12  # many phrases per tree
    embedder.cache.reset_stats()
    batch = Batch(phrases)
    batch.index_instances(vocab)
    with torch.no_grad():
        model(**batch.as_tensor_dict())
    assert embedder.cache.stats().misses == 0 and embedder.cache.stats().hits == len(phrases)


def test_a_config_without_elmo_is_a_clear_error(fixture_env):
    with pytest.raises(ConfigurationError, match="has no ELMo embedder"):
        fill_from_config(str(CONFIGS / "sst5_lstm.jsonnet"))


def test_cli_in_a_subprocess(fixture_env, tmp_path):
    env = {**__import__("os").environ, "SST_ELMO_CACHE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "elmo-cache", SST5, "--include-package", "sst_elmo",
         "--cache-dir", str(tmp_path), "--data", "validation_data_path", "--batch-size", "4"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "new ELMo cache entries" in result.stdout and str(tmp_path) in result.stdout


def evaluate(**env):
    variables = {name: "" for name in CONFIG_VARIABLES}
    variables.update(env)
    return json.loads(_jsonnet.evaluate_file(SST5, ext_vars=variables))


def elmo_of(config):
    return config["model"]["text_field_embedder"]["token_embedders"]["elmo"]


def test_the_cache_switch_in_the_configs():
    assert elmo_of(evaluate())["type"] == "stateless_elmo"
    elmo = elmo_of(evaluate(SST_ELMO_CACHE="1", SST_ELMO_CACHE_DIR="/c"))
    # One home for the cache's place: cached_elmo reads SST_ELMO_CACHE_DIR where it runs; the config has none.
    assert elmo["type"] == "cached_elmo" and "cache_dir" not in elmo and "requires_grad" not in elmo
    assert elmo_of(evaluate(SST_ELMO_CACHE="true"))["type"] == "cached_elmo"
    lib = str(CONFIGS / "lib" / "elmo.libsonnet")
    for arguments, message in [("fine_tune=true", "fine_tune"), ("stateful=true", "stateful")]:
        snippet = f"(import '{lib}').representation(cache=true, {arguments})"
        with pytest.raises(RuntimeError, match=message):
            _jsonnet.evaluate_snippet("t", snippet, ext_vars={name: "" for name in CONFIG_VARIABLES})


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*_elmo*.jsonnet")), ids=lambda p: p.name)
def test_every_elmo_config_turns_the_cache_on(config):
    variables = {name: "" for name in CONFIG_VARIABLES}
    variables["SST_ELMO_CACHE"] = "1"
    embedders = json.loads(_jsonnet.evaluate_file(str(config), ext_vars=variables))["model"]["text_field_embedder"]
    elmo = [e for e in embedders["token_embedders"].values() if e["type"].endswith("elmo") or "options_file" in e]
    assert [e["type"] for e in elmo] == ["cached_elmo"]  # keyed 'elmo', or 'bilm' for bcn


def _phrase_tree_file(path, count):
    """`count` SST trees whose phrases are all distinct (random words), 6 phrases each."""
    import random

    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(4 * count)]
    lines = [f"(3 (2 (2 {a}) (3 {b})) (4 (1 {c}) (2 {d})))" for a, b, c, d in zip(*[iter(words)] * 4)]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def test_every_phrase_is_cached_and_a_killed_fill_resumes(fixture_env, tmp_path):
    """SIGKILL in the middle of a fill of phrases: what was committed stays valid, nothing is
    damaged, and the next fill computes exactly what is missing."""
    import os
    import signal
    import time

    from allennlp.common import Params
    from allennlp.data import DatasetReader

    from sst_elmo.commands.elmo_cache import _character_ids
    from sst_elmo.elmo.cache.activation_cache import ElmoActivationCache, sequence_key
    from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner

    trees = tmp_path / "trees.txt"
    _phrase_tree_file(trees, 1500)
    overrides = json.dumps({"train_data_path": str(trees)})
    cache_dir = tmp_path / "cache"
    env = {**os.environ, "SST_ELMO_CACHE": "1"}
    command = [sys.executable, "-m", "allennlp", "elmo-cache", SST5, "--include-package", "sst_elmo",
               "-o", overrides, "--cache-dir", str(cache_dir), "--data", "train_data_path", "--batch-size", "4"]
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    options, weights = fixture_env["options"], fixture_env["weights"]
    deadline = time.time() + 300
    try:
        while time.time() < deadline and child.poll() is None:
            if os.path.exists(cache_dir):
                store = ElmoActivationCache(options, weights, str(cache_dir))
                if store.size()[0] >= 200:
                    break
            time.sleep(0.05)
        assert child.poll() is None, "the fill ended before it was killed: " + child.stderr.read().decode()[-500:]
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    reader = DatasetReader.from_params(Params.from_file(SST5, overrides).pop("dataset_reader"))
    sequences = list(_character_ids(reader, str(trees), "elmo"))
    total = len({sequence_key(sequence) for sequence in sequences})
    assert len(sequences) == 1500 * 7 and total > 1500 * 6  # each tree: the sentence and 6 phrases
    store = ElmoActivationCache(options, weights, str(cache_dir))
    kept = store.size()[0]
    assert 200 <= kept < total
    written, cache = fill_from_config(SST5, overrides, str(cache_dir), ["train_data_path"])
    assert written == total - kept and cache.size()[0] == total
    # Every entry, those committed before the kill included, is whole and right.
    runner = BiLmRunner(options, weights)
    for sequence in sequences[:: len(sequences) // 25]:
        numpy.testing.assert_allclose(
            cache.get(sequence_key(sequence), len(sequence)), runner.compute([sequence])[0], atol=1e-6
        )
    assert cache.stats().misses == 0
