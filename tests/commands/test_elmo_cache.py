import json
import subprocess
import sys

import _jsonnet
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
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
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
    assert elmo["type"] == "cached_elmo" and elmo["cache_dir"] == "/c" and "requires_grad" not in elmo
    assert "cache_dir" not in elmo_of(evaluate(SST_ELMO_CACHE="true"))
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
    assert embedders["token_embedders"]["elmo"]["type"] == "cached_elmo"
