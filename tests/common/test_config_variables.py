"""
The config variables' values are checked, and a bad one stops with one line naming the
variable and the valid values: `SST_ELMO_ELMO` (published and shipped names, the shipped ones
found in `SST_ELMO_MODELS/elmo-*`), `SST_ELMO_CACHE` (yes/no words), `SST_ELMO_GLOVE`.
"""
import json
import os
import subprocess
import sys

import _jsonnet
import pytest
from allennlp.common import Params

import sst_elmo  # noqa: F401 - installs the check of SST_ELMO_ELMO
from sst_elmo.common.config_env import CONFIG_VARIABLES, published_elmo_names, shipped_elmo_names
from sst_elmo.common.error_output import one_line
from sst_elmo.common.errors import InputError
from tests.conftest import CONFIGS, PROJECT_ROOT


def evaluate(config, **env):
    variables = {name: "" for name in CONFIG_VARIABLES}
    variables.update(env)
    return json.loads(_jsonnet.evaluate_file(str(CONFIGS / config), ext_vars=variables))


def elmo_type(**env):
    return evaluate("sst5_elmo.jsonnet", **env)["model"]["text_field_embedder"]["token_embedders"]["elmo"]["type"]


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "ON", " True "])
def test_yes_turns_the_cache_on(value):
    assert elmo_type(SST_ELMO_CACHE=value) == "cached_elmo"


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "Off"])
def test_no_leaves_the_cache_off(value):
    assert elmo_type(SST_ELMO_CACHE=value) == "stateless_elmo"


def test_another_cache_value_is_refused_with_the_valid_ones():
    with pytest.raises(RuntimeError) as error:
        elmo_type(SST_ELMO_CACHE="maybe")
    line = one_line(error.value)
    assert line.startswith("jsonnet: configs/lib/elmo.libsonnet:") or "/configs/lib/elmo.libsonnet:" in line
    assert line.endswith(": SST_ELMO_CACHE=maybe: not a yes/no value; known: 1, true, yes, on (the cache) "
                         "or 0, false, no, off, empty (no cache)")


def test_an_unknown_glove_is_refused_naming_the_variable():
    with pytest.raises(RuntimeError) as error:
        evaluate("sst5_lstm.jsonnet", SST_ELMO_GLOVE="50d")
    assert one_line(error.value).endswith(
        ": SST_ELMO_GLOVE=50d: unknown GloVe '50d'; known: 6B.50d, 6B.100d, 6B.300d, 840B.300d")


def test_the_known_elmo_names_are_found():
    assert published_elmo_names() == ["small", "medium", "original", "original-5.5B"]
    assert {"imdb", "tweets"} <= set(shipped_elmo_names(str(PROJECT_ROOT / "models")))


def test_an_unknown_elmo_is_refused_with_the_known_ones(fixture_env, monkeypatch, tmp_path):
    for name in ("SST_ELMO_OPTIONS", "SST_ELMO_WEIGHTS", "SST_ELMO_ELMO_DIM"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("SST_ELMO_ELMO", "imbd")
    with pytest.raises(InputError) as error:
        Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    shipped = ", ".join(shipped_elmo_names(str(PROJECT_ROOT / "models")))
    assert str(error.value) == f"SST_ELMO_ELMO=imbd: unknown ELMo 'imbd'; known: small, medium, original, " \
                               f"original-5.5B, {shipped}"
    for good in ("imdb", "small"):  # a shipped one and a published one (read later, from its URL)
        monkeypatch.setenv("SST_ELMO_ELMO", good)
        Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    # Another SST_ELMO_MODELS: its elmo-* directories are the shipped ones.
    (tmp_path / "elmo-mine").mkdir()
    (tmp_path / "elmo-mine" / "options.json").write_text(open(fixture_env["options"]).read())
    monkeypatch.setenv("SST_ELMO_MODELS", str(tmp_path))
    monkeypatch.setenv("SST_ELMO_ELMO", "mine")
    Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    monkeypatch.setenv("SST_ELMO_ELMO", "imdb")
    with pytest.raises(InputError, match=r"'imdb'; known: small, medium, original, original-5.5B, mine$"):
        Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    # A config without ELMo does not care.
    Params.from_file(str(CONFIGS / "sst5_lstm.jsonnet"))


@pytest.mark.slow
def test_allennlp_train_names_a_bad_variable_in_one_line(fixture_env, tmp_path):
    env = dict(os.environ, SST_ELMO_GLOVE="50d", SST_ELMO_DEBUG="")
    result = subprocess.run([sys.executable, "-m", "allennlp", "train", "configs/sst5_lstm.jsonnet", "-s",
                             str(tmp_path / "run")], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if " - INFO - " not in line]
    assert len(lines) == 1 and lines[0].startswith("jsonnet: configs/lib/words.libsonnet:")
    assert lines[0].endswith(": SST_ELMO_GLOVE=50d: unknown GloVe '50d'; known: 6B.50d, 6B.100d, 6B.300d, "
                             "840B.300d")
