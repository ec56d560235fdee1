"""Named word vectors (`SST_ELMO_WORDS=NAME`): built the first time a config asks for them."""
import pytest
from allennlp.common import Params

from sst_elmo.vectors import recipes
from tests.conftest import CONFIGS, FIXTURES


@pytest.fixture
def tiny_recipe(monkeypatch, tmp_path):
    config = tmp_path / "pretrain.jsonnet"
    config.write_text(f"{{dataset_reader: {{type: 'text_corpus'}}, train_data_path: '{FIXTURES / 'corpus.txt'}'}}")
    monkeypatch.setitem(recipes.RECIPES, "imdb", {
        "configs": [str(config)], "cover": [], "settings": {"dim": 8, "min_count": 1, "epochs": 1},
    })
    models = tmp_path / "models"
    monkeypatch.setenv("SST_ELMO_MODELS", str(models))
    monkeypatch.setenv("SST_ELMO_WORDS", "imdb")
    monkeypatch.setenv("SST_ELMO_GLOVE", "")  # whatever another test of this process left set
    monkeypatch.setenv("SST_ELMO_WORDS_DIM", "")
    return models


def test_a_config_that_names_missing_vectors_builds_them_once_and_says_so(tiny_recipe, capsys):
    params = Params.from_file(str(CONFIGS / "sst2_lstm.jsonnet"))
    vectors = tiny_recipe / "words-imdb" / "vectors.txt.gz"
    tokens = params["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert tokens["pretrained_file"] == str(vectors) and vectors.is_file()
    said = capsys.readouterr().err
    assert "SST_ELMO_WORDS=imdb" in said and "is not built yet; building it now" in said and "make words" in said
    built = vectors.stat().st_mtime_ns
    Params.from_file(str(CONFIGS / "sst2_lstm.jsonnet"))
    assert vectors.stat().st_mtime_ns == built and "building" not in capsys.readouterr().err


def test_names_without_a_recipe_build_nothing(tiny_recipe, monkeypatch):
    monkeypatch.setenv("SST_ELMO_WORDS", "mine")
    monkeypatch.setenv("SST_ELMO_WORDS_DIM", "8")
    Params.from_file(str(CONFIGS / "sst2_lstm.jsonnet"))
    assert not tiny_recipe.exists()


def test_every_recipe_names_configs_that_exist():
    for name in recipes.RECIPES:
        for path in sum(recipes.recipe_paths(name).values(), []):
            assert (CONFIGS / path).is_file(), (name, path)


def test_the_sst_recipe_reads_imdb_and_the_training_trees_that_sst_adaptation_reads(monkeypatch):
    from sst_elmo.vectors.corpus import corpus_reader

    monkeypatch.setenv("SST_ELMO_DATA", str(FIXTURES / "data"))
    configs = recipes.recipe_paths("sst")["configs"]
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    assert corpus_reader(configs[0])[1][0].endswith("imdb/unsup.txt.gz")
    reader, path = corpus_reader(configs[1])
    assert path == str(FIXTURES / "data" / "sst" / "train.txt")
    # The sentences the biLM trains on: its split of the training trees, dev and test never.
    adaptation = TextCorpusReader(sst_trees=True, split="train", validation_fraction=0.1)
    assert list(reader.token_lists(path)) == list(adaptation.token_lists(path))
