"""The pre-training configs that start from a shipped ELMo build, read what they should and train."""
import os

import h5py
import numpy
import torch
from allennlp.commands.train import TrainModel
from allennlp.common import Params
from allennlp.common.util import prepare_environment

from sst_elmo.testing.elmo import write_random_elmo
from tests.conftest import CONFIGS, FIXTURES, shipped_random_elmo


def test_tweets_adaptation_starts_from_the_shipped_elmo_and_never_reads_validation_rows(
    monkeypatch, tmp_path
):
    shipped_random_elmo(monkeypatch, tmp_path, seed=3)
    params = Params.from_file(str(CONFIGS / "pretrain" / "tweets_adapt.jsonnet"))
    reader = params["dataset_reader"]
    assert reader["csv_column"] == "tweet" and reader["split"] == "train" and reader["clean_tweets"]
    assert params["validation_dataset_reader"]["split"] == "validation"
    assert [os.path.basename(p) for p in params["train_data_path"]] == ["train.csv", "unlabelled.csv"]
    params["model"]["num_samples"] = 10  # the fixture tweets have a vocabulary of a few dozen words
    prepare_environment(params)
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path / "run"), local_rank=0)
    model = train_loop.model
    # The biLM holds the shipped weights (AllenNLP's loader adds the padding row 0).
    with h5py.File(str(tmp_path / "models" / "elmo-imdb" / "weights.hdf5"), "r") as handle:
        shipped = handle["char_embed"][...]
    loaded = model.bilm._token_embedder._char_embedding_weights.detach().numpy()[1:]
    assert numpy.allclose(loaded, shipped)
    batch = next(iter(train_loop.trainer.data_loader))
    loss = model(**batch)["loss"]
    assert torch.isfinite(loss)
    loss.backward()


def test_imdb_continuation_reads_unlabelled_and_train_text_never_test_or_sst(monkeypatch, tmp_path):
    import json

    import _jsonnet

    write_random_elmo(str(tmp_path / "models" / "elmo-imdb"), seed=4)
    ext_vars = {"SST_ELMO_DATA": "/d", "SST_ELMO_MODELS": str(tmp_path / "models"), "SST_ELMO_ELMO": ""}
    config = str(CONFIGS / "pretrain" / "imdb_continue.jsonnet")
    evaluated = json.loads(_jsonnet.evaluate_file(config, ext_vars=ext_vars))
    assert evaluated["train_data_path"] == ["/d/imdb/unsup.txt.gz", "/d/imdb/train.jsonl.gz"]
    # Validation is a held-out split of the same documents; the test reviews and SST appear nowhere.
    assert evaluated["validation_data_path"] == evaluated["train_data_path"]
    text = json.dumps(evaluated)
    assert "test.jsonl" not in text and "/sst/" not in text
    assert evaluated["dataset_reader"]["json_field"] == "text" and evaluated["dataset_reader"]["split"] == "train"
    assert evaluated["model"]["weight_file"].endswith("models/elmo-imdb/weights.hdf5")
    # A snapshot of an unfinished continuation is continued by its name.
    snapshot = json.loads(_jsonnet.evaluate_file(config, ext_vars={**ext_vars, "SST_ELMO_ELMO": "imdb-next"}))
    assert snapshot["model"]["weight_file"].endswith("models/elmo-imdb-next/weights.hdf5")
    assert snapshot["model"]["options_file"].endswith("models/elmo-imdb-next/options.json")

    monkeypatch.setenv("SST_ELMO_MODELS", str(tmp_path / "models"))
    fixture_text = [str(FIXTURES / "corpus.txt"), str(FIXTURES / "data" / "imdb" / "train.jsonl.gz")]
    overrides = {"train_data_path": fixture_text, "validation_data_path": fixture_text, "model.num_samples": 10,
                 "dataset_reader.validation_fraction": 0.3, "validation_dataset_reader.validation_fraction": 0.3}
    params = Params.from_file(config, params_overrides=json.dumps(overrides))
    prepare_environment(params)
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path / "run"), local_rank=0)
    with h5py.File(str(tmp_path / "models" / "elmo-imdb" / "weights.hdf5"), "r") as handle:
        shipped = handle["char_embed"][...]
    loaded = train_loop.model.bilm._token_embedder._char_embedding_weights.detach().numpy()[1:]
    assert numpy.allclose(loaded, shipped)
    sentences = [" ".join(t.text for t in instance["tokens"].tokens)
                 for instance in train_loop.trainer.data_loader.iter_instances()]
    assert sentences and not any('"label"' in s or "pos" == s for s in sentences)
    batch = next(iter(train_loop.trainer.data_loader))
    assert torch.isfinite(train_loop.model(**batch)["loss"])


def test_sst_adaptation_reads_the_training_trees_only_and_trains_from_the_shipped_elmo(monkeypatch, tmp_path):
    shipped_random_elmo(monkeypatch, tmp_path, seed=5)
    params = Params.from_file(str(CONFIGS / "pretrain" / "sst_adapt.jsonnet"))
    # SST's training trees, their leaves; dev and test never; validation a held-out 10% of train.
    train = str(FIXTURES / "data" / "sst" / "train.txt")
    assert params["train_data_path"] == params["validation_data_path"] == train
    assert params["dataset_reader"]["sst_trees"] and params["dataset_reader"]["split"] == "train"
    assert params["validation_dataset_reader"]["split"] == "validation"
    assert params["model"]["weight_file"].endswith("models/elmo-imdb/weights.hdf5")
    params["model"]["num_samples"] = 3  # the fixture trees have a few words seen twice
    for reader in ("dataset_reader", "validation_dataset_reader"):
        params[reader]["validation_fraction"] = 0.3
    prepare_environment(params)
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path / "run"), local_rank=0)
    batch = next(iter(train_loop.trainer.data_loader))
    loss = train_loop.model(**batch)["loss"]
    assert torch.isfinite(loss)
