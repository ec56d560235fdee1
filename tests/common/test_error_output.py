"""
User errors as one line (`sst_elmo.common.error_output`): the plugin's own, AllenNLP's
`ConfigurationError`, Jsonnet errors with their file and line, a constructor that a config
gave a key it does not take; `allennlp train` prints them so after its logging set-up, with
the traceback in out.log and on the terminal with `SST_ELMO_DEBUG=1`.
"""
import os
import subprocess
import sys

import pytest
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import Vocabulary
from allennlp.models import Model

import sst_elmo  # noqa: F401 - registers lstm_classifier
from sst_elmo.common.error_output import is_user_error, jsonnet_line, one_line
from sst_elmo.common.errors import InputError
from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize("message, line", [
    ("RUNTIME ERROR: GloVe 50d is not one of 6B.100d\n\tconfigs/lib/words.libsonnet:65:12-99\tthunk <vectors>\n"
     "\tconfigs/lib/classifier.libsonnet:(43:12)-(51:6)\tobject <anonymous>\n\tDuring manifestation\t\n",
     "jsonnet: configs/lib/words.libsonnet:65: GloVe 50d is not one of 6B.100d"),
    ("RUNTIME ERROR: boom\n\tmy.jsonnet:(4:3)-(6:1)\tobject <a>\n", "jsonnet: my.jsonnet:4: boom"),
    ('STATIC ERROR: my.jsonnet:3:5: unexpected: "}" while parsing terminal\n',
     'jsonnet: my.jsonnet:3: unexpected: "}" while parsing terminal'),
    ("Opening input file: lib/missing.libsonnet: No such file or directory",
     "jsonnet: lib/missing.libsonnet: no such file or directory"),
])
def test_a_jsonnet_error_is_one_line_with_its_place(message, line):
    assert jsonnet_line(message) == line
    assert is_user_error(RuntimeError(message)) and one_line(RuntimeError(message)) == line


def test_a_real_jsonnet_error(tmp_path):
    config = tmp_path / "bad.jsonnet"
    config.write_text("local x = error 'set MY_VARIABLE';\n{ a: x }\n")
    with pytest.raises(RuntimeError) as error:
        Params.from_file(str(config))
    assert is_user_error(error.value) and one_line(error.value) == f"jsonnet: {config}:1: set MY_VARIABLE"


def test_what_is_a_user_error():
    assert is_user_error(InputError("no such file", "x.txt")) and is_user_error(ConfigurationError("bad"))
    assert one_line(ConfigurationError("key 'model' is required")) == \
        "allennlp.common.checks.ConfigurationError: key 'model' is required"
    assert not is_user_error(RuntimeError("something else")) and not is_user_error(ValueError("a bug"))
    with pytest.raises(TypeError) as error:  # a bad call outside from_params stays a bug with its traceback
        dict.fromkeys(bad=1)
    assert not is_user_error(error.value)


def test_a_constructor_given_a_key_it_does_not_take_is_a_user_error():
    # lstm_classifier passes **kwargs on to Model.__init__, which fails on the typo.
    params = Params({"type": "lstm_classifier", "dropuot": 0.5, "text_field_embedder": {"token_embedders": {
        "tokens": {"type": "embedding", "embedding_dim": 4}}}, "encoder": {"type": "boe", "embedding_dim": 4}})
    with pytest.raises(TypeError) as error:
        Model.from_params(params, vocab=Vocabulary())
    assert is_user_error(error.value)
    assert one_line(error.value) == "TypeError: Model.__init__() got an unexpected keyword argument 'dropuot'"


@pytest.mark.slow
def test_allennlp_train_prints_an_error_of_training_as_one_line(fixture_env, tmp_path):
    """An error after `allennlp train` set up its logging (and its own excepthook): one line."""
    run = tmp_path / "run"
    command = [sys.executable, "-m", "allennlp", "train", "configs/sst5_lstm.jsonnet", "-s", str(run),
               "-o", '{"train_data_path": "missing/train.txt"}']
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=dict(os.environ, SST_ELMO_DEBUG=""),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines()  # not the log's INFO lines nor the progress bar
             if line.strip() and " - INFO - " not in line and "loading instances" not in line]
    assert lines == ["sst_elmo.common.errors.InputError: missing/train.txt: no such file"]
    assert "Traceback" not in result.stdout + result.stderr
    log = (run / "out.log").read_text()
    assert "CRITICAL - root - Uncaught exception" in log and "Traceback" in log  # the whole story stays in out.log
    debug = subprocess.run(command + ["--force"], cwd=PROJECT_ROOT, env=dict(os.environ, SST_ELMO_DEBUG="1"),
                           capture_output=True, text=True, timeout=300)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "Uncaught exception" in debug.stderr
