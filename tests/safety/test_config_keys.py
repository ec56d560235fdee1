"""
`allennlp train` refuses a key that no constructor takes, before anything is built, in one
line naming the key and the nearest valid one (`sst_elmo.safety.config_keys`).
"""
import copy
import os
import subprocess
import sys

import pytest
from allennlp.common import Params
from allennlp.common.plugins import import_plugins
from allennlp.training import GradientDescentTrainer

import sst_elmo  # noqa: F401 - registers the plugin's classes and installs the check
from sst_elmo.common.errors import InputError
from sst_elmo.safety.config_keys import accepted_parameters, check_config_keys
from tests.conftest import CONFIGS, FIXTURES, PROJECT_ROOT

ALL_CONFIGS = sorted(path.relative_to(CONFIGS) for path in CONFIGS.rglob("*.jsonnet"))


@pytest.fixture(scope="module", autouse=True)
def plugins():
    import_plugins()  # allennlp-models' classes too (the bcn head)


@pytest.fixture
def config(fixture_env):
    return Params.from_file(str(CONFIGS / "sst5_elmo_glove.jsonnet")).as_dict(quiet=True)


@pytest.mark.parametrize("name", ALL_CONFIGS, ids=str)
def test_every_shipped_config_passes(name, fixture_env, monkeypatch):
    monkeypatch.setenv("SST_ELMO_CSV_TRAIN", str(FIXTURES / "data" / "csv" / "reviews.csv"))  # csv_classifier
    check_config_keys(Params.from_file(str(CONFIGS / name)).as_dict(quiet=True), str(name))


@pytest.mark.parametrize("where, key, nearest", [
    ((), "trainr", "trainer"),
    (("trainer",), "num_epoch", "trainer.num_epochs"),
    (("model",), "dropuot", "model.dropout"),
    (("dataset_reader",), "granularty", "dataset_reader.granularity"),
    (("model", "encoder"), "hidden_sise", "model.encoder.hidden_size"),
    (("model", "text_field_embedder", "token_embedders", "elmo"), "dropuot",
     "model.text_field_embedder.token_embedders.elmo.dropout"),
    (("data_loader", "batch_sampler"), "batch_sise", "data_loader.batch_sampler.batch_size"),
    (("trainer", "optimizer"), "lrr", "trainer.optimizer.lr"),
    (("trainer", "checkpointer"), "keep_most_recent_by_cont", "trainer.checkpointer.keep_most_recent_by_count"),
])
def test_an_unknown_key_is_named_with_the_nearest_valid_one(config, where, key, nearest):
    section = config
    for name in where:
        section = section[name]
    section[key] = 1
    with pytest.raises(InputError) as error:
        check_config_keys(config, "my.jsonnet")
    path = ".".join([*where, key])
    assert str(error.value).startswith(f"my.jsonnet: {path}: unknown key for ")
    assert str(error.value).endswith(f"; did you mean {nearest}?") and "\n" not in str(error.value)


def test_a_key_with_no_near_one_lists_the_valid_keys(config):
    config["trainer"]["callbacks"][0]["summary_interval"] = 10  # complete_metrics takes only serialization_dir
    with pytest.raises(InputError, match=r"callbacks\[0\]\.summary_interval: unknown key for TrainerCallback "
                                         r"'complete_metrics' .*; valid keys: serialization_dir, type$"):
        check_config_keys(config, "my.jsonnet")


def test_kwargs_are_followed_to_what_they_are_passed_to():
    # from_partial_objects passes **kwargs to GradientDescentTrainer.__init__, whose **kwargs go nowhere.
    parameters = accepted_parameters(GradientDescentTrainer, GradientDescentTrainer.from_partial_objects)
    assert {"num_epochs", "optimizer", "ddp_wrapped_model"} <= set(parameters)
    assert "num_epoch" not in parameters


def test_what_cannot_be_told_is_not_refused(config):
    unchecked = copy.deepcopy(config)
    unchecked["model"]["encoder"] = {"type": "my_package.MyEncoder", "anything": 1}  # a dotted type
    unchecked["distributed"] = {"cuda_devices": [0, 1]}  # read by `allennlp train` itself
    unchecked["random_seed"] = 1
    check_config_keys(unchecked, "my.jsonnet")


@pytest.mark.slow
def test_allennlp_train_refuses_a_typo_in_one_line_before_it_starts(fixture_env, tmp_path):
    run = tmp_path / "run"
    env = dict(os.environ, SST_ELMO_DEBUG="")
    result = subprocess.run(
        [sys.executable, "-m", "allennlp", "train", "configs/sst5_lstm.jsonnet", "-s", str(run),
         "-o", '{"trainer.num_epoch": 1}'],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if " - INFO - " not in line]
    assert lines == ["sst_elmo.common.errors.InputError: configs/sst5_lstm.jsonnet: trainer.num_epoch: "
                     "unknown key for Trainer 'gradient_descent' (GradientDescentTrainer); "
                     "did you mean trainer.num_epochs?"]
    assert not run.exists()  # refused before the serialization directory was made


def test_a_type_that_is_not_registered_is_named_with_the_nearest_one(config):
    config["model"]["type"] = "lstm_clasifier"
    with pytest.raises(InputError, match=r"^my\.jsonnet: model\.type: 'lstm_clasifier' is not a registered Model; "
                                         r"did you mean 'lstm_classifier'\?$"):
        check_config_keys(config, "my.jsonnet")
