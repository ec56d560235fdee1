"""`-o` overrides of `dataset_reader` reach the validation reader derived from it."""
import json

import pytest
from allennlp.common import Params

import sst_elmo  # noqa: F401  (installs the hook, as the CLI's plugin import does)
from sst_elmo.common.reader_overrides import own_keys
from tests.conftest import CONFIGS


def readers(config, overrides):
    params = Params.from_file(str(CONFIGS / config), json.dumps(overrides)).as_dict()
    return params["dataset_reader"], params["validation_dataset_reader"]


@pytest.mark.usefixtures("fixture_env")
def test_a_reader_override_reaches_the_validation_reader_which_keeps_its_own_keys():
    # The tweets config validates on a hash split of the training file: the readers differ in `split`.
    train, validation = readers("tweets_elmo.jsonnet", {
        "dataset_reader.text_column": "text", "dataset_reader.split_seed": "split2",
        "dataset_reader.split": "other", "dataset_reader.token_indexers.tokens.lowercase_tokens": False,
    })
    assert (train["text_column"], validation["text_column"]) == ("text", "text")
    assert (train["split_seed"], validation["split_seed"]) == ("split2", "split2")
    assert (train["split"], validation["split"]) == ("other", "validation")  # the validation reader's own
    assert validation["token_indexers"] == train["token_indexers"]
    assert validation["token_indexers"]["tokens"]["lowercase_tokens"] is False


@pytest.mark.usefixtures("fixture_env")
def test_validation_overrides_apply_to_it_alone_and_a_whole_replacement_is_kept():
    train, validation = readers("csv_classifier.jsonnet", {
        "dataset_reader.label_column": "stars", "validation_dataset_reader.max_tokens": 7,
    })
    assert (train["label_column"], validation["label_column"]) == ("stars", "stars")
    assert "max_tokens" not in train and validation["max_tokens"] == 7
    replaced = {"type": "text_csv", "text_column": "review"}
    train, validation = readers("csv_classifier.jsonnet", {
        "dataset_reader.text_column": "body", "validation_dataset_reader": replaced,
    })
    assert train["text_column"] == "body" and validation == replaced
    # The whole training reader replaced: the validation reader is it plus its own keys.
    replaced = {"type": "sst_trees", "use_subtrees": True}
    train, validation = readers("sst5_lstm.jsonnet", {"dataset_reader": replaced})
    assert validation == {"type": "sst_trees", "use_subtrees": False, "identity_terms": None}


def test_a_validation_reader_that_does_not_derive_is_left_alone():
    assert own_keys({"type": "a", "split": "train"}, {"type": "a"}) is None
    assert own_keys({"type": "a", "split": "train"}, {"type": "a", "split": "validation", "x": 1}) == {
        "split": "validation", "x": 1}
    from allennlp.common.params import with_overrides

    original = {"dataset_reader": {"type": "a", "split": "train"}, "validation_dataset_reader": {"type": "b"}}
    merged = with_overrides(original, {"dataset_reader.text_column": "t"})
    assert merged["validation_dataset_reader"] == {"type": "b"}
    assert merged["dataset_reader"] == {"type": "a", "split": "train", "text_column": "t"}


@pytest.mark.usefixtures("fixture_env")
def test_the_training_sample_stays_the_training_readers_own():
    # The small-data grids cut the training data with these; validation reads the whole file.
    train, validation = readers("sst5_lstm.jsonnet", {
        "dataset_reader.sample_trees": 4, "dataset_reader.sample_seed": 1, "dataset_reader.max_instances": 9,
        "dataset_reader.max_tokens": 20,
    })
    assert (train["sample_trees"], train["sample_seed"], train["max_instances"]) == (4, 1, 9)
    assert not {"sample_trees", "sample_seed", "max_instances"} & set(validation)
    assert validation["max_tokens"] == 20
    _, validation = readers("sst5_lstm.jsonnet", {
        "dataset_reader.max_instances": 9, "validation_dataset_reader.max_instances": 5})
    assert validation["max_instances"] == 5
    assert own_keys({"type": "a", "max_instances": 3}, {"type": "a"}) == {}  # still derived
