"""Every experiment config in configs/ evaluates and builds, with data pointed at fixtures."""
import json
import os

import _jsonnet
import pytest
from allennlp.commands.train import TrainModel
from allennlp.common import Params
from allennlp.common.util import prepare_environment

from sst_elmo.common.config_env import CONFIG_VARIABLES
from tests.conftest import CONFIGS, PROJECT_ROOT

# Classification experiments; configs/pretrain is built by tests/models/test_elmo_bilm.py.
EXPERIMENTS = sorted(p for p in CONFIGS.rglob("*.jsonnet") if not {"lib", "pretrain"} & set(p.parts))


def test_there_are_configs():
    assert len(EXPERIMENTS) >= 7


@pytest.mark.usefixtures("fixture_env")
@pytest.mark.parametrize("config", EXPERIMENTS, ids=[p.name for p in EXPERIMENTS])
def test_config_builds_everything(config, tmp_path):
    params = Params.from_file(str(config))
    metric = params["trainer"]["validation_metric"].lstrip("+-")
    for key in ("train_data_path", "validation_data_path", "test_data_path"):
        if key in params:
            assert os.path.exists(params[key]), f"{key} not pointed at the fixtures: {params[key]}"
    prepare_environment(params)  # pops the seeds, as `allennlp train` does
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path), local_rank=0)
    model = train_loop.model
    assert model.vocab.get_vocab_size("labels") >= 2
    # Every label the model can give has a name a person reads, in both readers.
    labels = set(model.vocab.get_token_to_index_vocabulary("labels"))
    for reader in ("dataset_reader", "validation_dataset_reader"):
        settings = Params.from_file(str(config)).as_dict()[reader]
        # A reader without label_names names each of its labels by itself.
        names = settings.get("label_names") or {label: label for label in settings.get("labels", [])}
        assert labels <= set(names), f"{reader}.label_names {names} misses labels of {sorted(labels)}"
    model(**next(iter(train_loop.trainer.data_loader)))
    assert metric in model.get_metrics(reset=True), f"the model reports no {metric!r}"


def evaluate(config, **env):
    variables = {name: "" for name in CONFIG_VARIABLES}
    variables.update(env)
    return json.loads(_jsonnet.evaluate_file(str(CONFIGS / config), ext_vars=variables))


def test_online_defaults_are_public_urls():
    config = evaluate("sst5_elmo_glove.jsonnet")
    assert config["train_data_path"] == "https://allennlp.s3.amazonaws.com/datasets/sst/train.txt"
    embedders = config["model"]["text_field_embedder"]["token_embedders"]
    assert embedders["elmo"]["weight_file"].endswith("elmo_2x1024_128_2048cnn_1xhighway_weights.hdf5")
    assert embedders["tokens"]["pretrained_file"].endswith("glove.840B.300d.txt.gz")
    assert embedders["tokens"]["embedding_dim"] == 300


def test_elmo_by_name_and_by_local_files():
    elmo = evaluate("sst5_elmo.jsonnet", SST_ELMO_ELMO="original")["model"]["text_field_embedder"]
    assert "2x4096_512_2048cnn_2xhighway_options.json" in elmo["token_embedders"]["elmo"]["options_file"]
    local = evaluate("sst5_elmo.jsonnet", SST_ELMO_OPTIONS="/o.json", SST_ELMO_WEIGHTS="/w.hdf5")
    embedder = local["model"]["text_field_embedder"]["token_embedders"]["elmo"]
    assert (embedder["options_file"], embedder["weight_file"]) == ("/o.json", "/w.hdf5")
    # A shipped ELMo by name: SST_ELMO_MODELS/elmo-NAME/ (the project's models/ by default).
    shipped = evaluate("sst5_elmo.jsonnet", SST_ELMO_ELMO="imdb", SST_ELMO_MODELS="/m")
    embedder = shipped["model"]["text_field_embedder"]["token_embedders"]["elmo"]
    assert (embedder["options_file"], embedder["weight_file"]) == (
        "/m/elmo-imdb/options.json", "/m/elmo-imdb/weights.hdf5")
    for env, message in [({"SST_ELMO_ELMO": "huge"}, "not one of"),
                         ({"SST_ELMO_OPTIONS": "/o.json"}, "set both")]:
        with pytest.raises(RuntimeError, match=message):
            evaluate("sst5_elmo.jsonnet", **env)


def test_switches():
    tweets = evaluate("tweets_elmo_top.jsonnet")
    embedder = tweets["model"]["text_field_embedder"]["token_embedders"]["elmo"]
    assert embedder["top_layer_only"] is True and "scalar_mix_parameters" not in embedder  # any depth
    assert embedder["type"] == "stateless_elmo" and embedder["requires_grad"] is False
    assert tweets["trainer"]["validation_metric"] == "+positive_f1"
    assert tweets["validation_dataset_reader"]["split"] == "validation"
    # tweets_elmo: every layer mixed, GloVe beside ELMo, unweighted loss, the same split.
    tweets = evaluate("tweets_elmo.jsonnet", SST_ELMO_GLOVE_FILE="/g.txt")
    embedders = tweets["model"]["text_field_embedder"]["token_embedders"]
    assert "top_layer_only" not in embedders["elmo"] and embedders["elmo"]["dropout"] == 0.2
    assert embedders["tokens"]["pretrained_file"] == "/g.txt" and "class_weights" not in tweets["model"]
    assert tweets["validation_dataset_reader"]["split"] == "validation"
    assert tweets["trainer"]["validation_metric"] == "+positive_f1"
    sst2 = evaluate("sst2_lstm.jsonnet", SST_ELMO_GLOVE="6B.50d", SST_ELMO_GLOVE_FILE="/g.txt")
    assert sst2["validation_dataset_reader"]["granularity"] == "2-class"
    assert sst2["validation_dataset_reader"]["use_subtrees"] is False
    tokens = sst2["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert (tokens["embedding_dim"], tokens["pretrained_file"]) == (50, "/g.txt")


def test_every_training_config_writes_tensorboard_logs_and_complete_metrics():
    for config in sorted(CONFIGS.glob("*.jsonnet")) + sorted((CONFIGS / "pretrain").glob("*.jsonnet")):
        evaluated = evaluate(
            str(config.relative_to(CONFIGS)), SST_ELMO_OPTIONS="/o", SST_ELMO_WEIGHTS="/w",
            SST_ELMO_ELMO_DIM="256", SST_ELMO_CSV_TRAIN="/t.csv",
        )
        assert {"type": "tensorboard"} in evaluated["trainer"]["callbacks"], config
        # A recovered run's metrics.json holds everything a clean run's does.
        assert {"type": "complete_metrics"} in evaluated["trainer"]["callbacks"], config


def test_the_top_layer_mix_needs_an_embedder_that_knows_the_depth():
    snippet = "(import 'configs/lib/elmo.libsonnet').representation(mix='top', stateful=true).embedders"
    variables = {name: "" for name in CONFIG_VARIABLES}
    with pytest.raises(RuntimeError, match="mix='top' needs stateless_elmo or cached_elmo"):
        _jsonnet.evaluate_snippet("snippet", snippet, ext_vars=variables, jpathdir=[str(CONFIGS.parent)])


def test_shipped_models_default_to_the_projects_models_directory():
    import os

    from sst_elmo.common.config_env import SHIPPED_MODELS, set_config_defaults

    assert SHIPPED_MODELS == str(CONFIGS.parent / "models")
    saved = os.environ.pop("SST_ELMO_MODELS", None)
    try:
        set_config_defaults()
        assert os.environ["SST_ELMO_MODELS"] == SHIPPED_MODELS
        os.environ["SST_ELMO_MODELS"] = "/elsewhere"
        set_config_defaults()
        assert os.environ["SST_ELMO_MODELS"] == "/elsewhere"
    finally:
        os.environ["SST_ELMO_MODELS"] = saved if saved is not None else SHIPPED_MODELS


def test_glove_6b_lowercases_tokens_and_840b_does_not():
    # GloVe 6B's vocabulary is lowercased: "The" must find "the"'s vector.
    for glove, lowercase in (("6B.50d", True), ("6B.300d", True), ("840B.300d", False)):
        config = evaluate("sst5_lstm.jsonnet", SST_ELMO_GLOVE=glove)
        assert config["dataset_reader"]["token_indexers"]["tokens"]["lowercase_tokens"] is lowercase, glove


def test_tunable_hyperparameters_default_to_the_configs_values_and_take_a_studys():
    import re

    from sst_elmo.common.config_env import HYPERPARAMETER_PREFIX, TUNABLE_HYPERPARAMETERS

    names = re.search(r"names:: \[([^\]]*)\]", (CONFIGS / "lib/tunable.libsonnet").read_text()).group(1)
    assert sorted(re.findall(r"'(\w+)'", names)) == sorted(TUNABLE_HYPERPARAMETERS)
    plain = evaluate("sst5_elmo_glove.jsonnet")  # not tuned: the library's defaults
    tuned = evaluate(
        "sst5_elmo_glove.jsonnet",
        SST_ELMO_HP_LR="0.0031", SST_ELMO_HP_DROPOUT="0.25", SST_ELMO_HP_HIDDEN_SIZE="64",
        SST_ELMO_HP_ELMO_DROPOUT="0.1", SST_ELMO_HP_ELMO_LAYER_NORM="True", SST_ELMO_HP_GLOVE_TRAINABLE="False",
        SST_ELMO_HP_NUM_EPOCHS="12", SST_ELMO_HP_PATIENCE="4", SST_ELMO_HP_BATCH_SIZE="16",
    )
    for config, (lr, dropout, hidden, elmo_dropout, norm, trainable, epochs, patience, batch) in (
        (plain, (0.001, 0.5, 128, 0.5, False, True, 10, 3, 64)),
        (evaluate("sst2_elmo_glove.jsonnet", SST_ELMO_HP_LR="0.0031", SST_ELMO_HP_DROPOUT="0.25",
                  SST_ELMO_HP_HIDDEN_SIZE="64", SST_ELMO_HP_ELMO_DROPOUT="0.1", SST_ELMO_HP_ELMO_LAYER_NORM="True",
                  SST_ELMO_HP_GLOVE_TRAINABLE="False", SST_ELMO_HP_NUM_EPOCHS="12", SST_ELMO_HP_PATIENCE="4",
                  SST_ELMO_HP_BATCH_SIZE="16"),
         (0.0031, 0.25, 64, 0.1, True, False, 12, 4, 16)),  # a study still overrides the tuned config
        (evaluate("sst2_elmo_glove.jsonnet"), (0.0006686027817983692, 0.3321799808479061, 256, 0.19825313603082217,
                                               False, True, 13, 3, 64)),
        (tuned, (0.0031, 0.25, 64, 0.1, True, False, 12, 4, 16)),
    ):
        embedders = config["model"]["text_field_embedder"]["token_embedders"]
        assert config["trainer"]["optimizer"]["lr"] == lr
        assert config["model"]["dropout"] == dropout and config["model"]["encoder"]["hidden_size"] == hidden
        assert (embedders["elmo"]["dropout"], embedders["elmo"]["do_layer_norm"]) == (elmo_dropout, norm)
        assert embedders["tokens"]["trainable"] is trainable
        assert (config["trainer"]["num_epochs"], config["trainer"]["patience"]) == (epochs, patience)
        assert config["data_loader"]["batch_sampler"]["batch_size"] == batch
    assert all(HYPERPARAMETER_PREFIX + name.upper() in CONFIG_VARIABLES for name in TUNABLE_HYPERPARAMETERS)
    assert {"type": "tuning_pruner"} in plain["trainer"]["callbacks"]


def test_bcn_configs_take_their_input_size_from_the_chosen_vectors():
    def input_dim(config, **env):
        return evaluate(config, **env)["model"]["pre_encode_feedforward"]["input_dim"]

    assert input_dim("sst2_bcn.jsonnet") == 300 and input_dim("sst2_bcn.jsonnet", SST_ELMO_GLOVE="6B.50d") == 50
    assert input_dim("sst2_bcn_elmo.jsonnet") == 256 + 300  # the published small ELMo
    assert input_dim("sst2_bcn_elmo.jsonnet", SST_ELMO_ELMO="original", SST_ELMO_GLOVE="6B.100d") == 1024 + 100
    assert input_dim("sst2_bcn_elmo.jsonnet", SST_ELMO_ELMO="imdb", SST_ELMO_MODELS="/m") == 256 + 300
    with pytest.raises(RuntimeError, match="set SST_ELMO_ELMO_DIM"):
        input_dim("sst2_bcn_elmo.jsonnet", SST_ELMO_OPTIONS="/o", SST_ELMO_WEIGHTS="/w")
    local_files = {"SST_ELMO_OPTIONS": "/o", "SST_ELMO_WEIGHTS": "/w"}
    assert input_dim("sst2_bcn_elmo.jsonnet", **local_files, SST_ELMO_ELMO_DIM="32") == 332
    elmo = evaluate("sst2_bcn_elmo.jsonnet")
    assert "elmo" not in elmo["model"]["text_field_embedder"]["token_embedders"]  # bcn refuses that name
    assert elmo["dataset_reader"]["token_indexers"]["bilm"] == {"type": "elmo_characters"}


def test_word_vectors_by_name_take_their_dimension_and_case_from_the_card(tmp_path):
    words = tmp_path / "words-mine"
    words.mkdir()
    own = evaluate(
        "sst2_lstm.jsonnet", SST_ELMO_WORDS="mine", SST_ELMO_MODELS=str(tmp_path), SST_ELMO_WORDS_DIM="12"
    )
    tokens = own["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert (tokens["embedding_dim"], tokens["pretrained_file"]) == (12, f"{words}/vectors.txt.gz")
    assert own["dataset_reader"]["token_indexers"]["tokens"]["lowercase_tokens"] is True
    # the ELMo side reads the same vectors, and SST_ELMO_GLOVE_FILE does not replace them
    both = evaluate("sst2_elmo_glove.jsonnet", SST_ELMO_WORDS="mine", SST_ELMO_MODELS=str(tmp_path),
                    SST_ELMO_WORDS_DIM="12", SST_ELMO_GLOVE_FILE="/g.txt")
    assert both["model"]["text_field_embedder"]["token_embedders"]["tokens"] == tokens
    for env, message in [({"SST_ELMO_WORDS_DIM": ""}, "set SST_ELMO_WORDS_DIM"),
                         ({"SST_ELMO_GLOVE": "6B.50d"}, "not both")]:
        with pytest.raises(RuntimeError, match=message):
            evaluate("sst2_lstm.jsonnet", **{"SST_ELMO_WORDS": "mine", "SST_ELMO_WORDS_DIM": "12", **env})


@pytest.mark.parametrize("name", ["imdb", "tweets", "sst"])
def test_every_recipe_s_vectors_take_their_dimension_from_the_committed_card(name):
    card = json.loads((PROJECT_ROOT / "models" / f"words-{name}" / "card.json").read_text())
    config = evaluate("sst2_lstm.jsonnet", SST_ELMO_WORDS=name, SST_ELMO_MODELS="/m")
    tokens = config["model"]["text_field_embedder"]["token_embedders"]["tokens"]
    assert (tokens["embedding_dim"], tokens["pretrained_file"]) == (card["dim"], f"/m/words-{name}/vectors.txt.gz")
