import json
import math

import _jsonnet
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch, DatasetReader, Vocabulary
from allennlp.models import Model

from sst_elmo.common.errors import InputError
from sst_elmo.models.elmo_bilm import ElmoBiLm
from sst_elmo.testing.elmo import TINY_OPTIONS
from tests.conftest import CONFIGS, FIXTURES

TINY_CONFIG = CONFIGS / "pretrain" / "tiny.jsonnet"
CORPUS = FIXTURES / "corpus.txt"
# The tiny config's data paths are relative to the project root; tests may run elsewhere.
FIXTURE_PATHS = json.dumps({"train_data_path": str(CORPUS), "validation_data_path": str(CORPUS)})
# ModelTestCase compares two data loaders' first batches: make the bucket sampler deterministic.
SAME_BATCHES = {"data_loader.batch_sampler.padding_noise": 0.0,
                "data_loader.batch_sampler.shuffle": False}


def tiny_setup(seed: int = 1, **model_overrides):
    """The reader, instances, vocabulary and a fresh model of the tiny config."""
    torch.manual_seed(seed)
    params = Params.from_file(str(TINY_CONFIG), params_overrides=FIXTURE_PATHS)
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    instances = list(reader.read(str(CORPUS)))
    vocab = Vocabulary.from_params(params.pop("vocabulary"), instances=instances)
    model_params = params.pop("model")
    for key, value in model_overrides.items():
        model_params[key] = value
    model = Model.from_params(vocab=vocab, params=model_params)
    return reader, instances, vocab, model


def tensors(instances, vocab):
    batch = Batch(instances)
    batch.index_instances(vocab)
    return batch.as_tensor_dict()


def train_steps(model, instances, vocab, steps=6, batch_size=8, lr=0.01):
    """A few Adam steps on the fixture, so the weights are no longer the initial ones."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for step in range(steps):
        start = (step * batch_size) % len(instances)
        loss = model(**tensors(instances[start : start + batch_size], vocab))["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


class TestElmoBiLm(ModelTestCase):
    def setup_method(self):
        super().setup_method()
        self.set_up_model(TINY_CONFIG, CORPUS)

    def test_tiny_config_uses_the_tiny_options(self):
        config = json.loads(_jsonnet.evaluate_file(str(TINY_CONFIG), ext_vars={"SST_ELMO_DATA": ""}))
        assert config["model"]["options"] == TINY_OPTIONS

    def test_full_softmax_trains_saves_and_loads(self):
        overrides = json.dumps({**json.loads(FIXTURE_PATHS), **SAME_BATCHES})
        self.ensure_model_can_train_save_and_load(TINY_CONFIG, overrides=overrides)

    def test_sampled_softmax_trains_saves_and_loads(self):
        overrides = json.dumps({**json.loads(FIXTURE_PATHS), **SAME_BATCHES, "model.num_samples": 20})
        model, _ = self.ensure_model_can_train_save_and_load(TINY_CONFIG, overrides=overrides)
        assert model._sampled_softmax is not None and model._softmax is None

    def test_loss_is_the_next_and_previous_token_log_likelihood(self):
        model = self.model.eval()
        instances = self.instances[:5]
        output = model(**tensors(instances, self.vocab))
        # Recompute both directions token by token from the layer activations and the softmax.
        batch = tensors(instances, self.vocab)
        top = model.bilm_outputs(batch["tokens"]["elmo"]["elmo_tokens"])["activations"][-1]
        dim = TINY_OPTIONS["lstm"]["projection_dim"]
        softmax = model.softmax_parameters()
        classes = {token: i for i, token in enumerate(model.class_tokens())}
        def nll(states, target):
            log_probs = torch.log_softmax(softmax["W"] @ states + softmax["b"], dim=-1)
            return -float(log_probs[classes[target]])

        forward = backward = 0.0
        count = 0
        for row, instance in enumerate(instances):
            words = [t.text if t.text in classes else "<UNK>" for t in instance["tokens"]]
            words = ["<S>"] + words + ["</S>"]  # position p of the biLM reads words[p]
            for p in range(len(words) - 1):
                forward += nll(top[row, p, :dim], words[p + 1])  # the next word
                backward += nll(top[row, p + 1, dim:], words[p])  # the previous word
                count += 1
        assert float(output["batch_weight"]) == count
        assert float(output["forward_loss"]) == pytest.approx(forward / count, rel=1e-5)
        assert float(output["backward_loss"]) == pytest.approx(backward / count, rel=1e-5)
        assert float(output["loss"]) == pytest.approx((forward + backward) / 2 / count, rel=1e-5)
        metrics = model.get_metrics(reset=True)
        assert metrics["forward_perplexity"] == pytest.approx(math.exp(forward / count), rel=1e-4)
        assert metrics["backward_perplexity"] == pytest.approx(math.exp(backward / count), rel=1e-4)
        assert metrics["perplexity"] == pytest.approx(
            (metrics["forward_perplexity"] + metrics["backward_perplexity"]) / 2)
        # A random model is about as perplexed as a uniform guess over the classes.
        assert model.num_classes / 2 < metrics["perplexity"] < model.num_classes * 2
        assert metrics["words"] == sum(len(instance["tokens"]) for instance in instances)
        assert model.get_metrics()["perplexity"] == 1.0  # reset: no targets yet
        assert model.get_metrics()["words"] == 0

    def test_is_stateless_and_matches_allennlp_bilm(self):
        model = self.model.eval()
        batch = tensors(self.instances[:4], self.vocab)["tokens"]["elmo"]["elmo_tokens"]
        other = tensors(self.instances[10:13], self.vocab)["tokens"]["elmo"]["elmo_tokens"]
        with torch.no_grad():
            first = model.bilm_outputs(batch)
            model.bilm_outputs(other)
            again = model.bilm_outputs(batch)
            model.bilm._elmo_lstm.reset_states()
            reference = model.bilm(batch)  # AllenNLP's _ElmoBiLm.forward
        assert len(first["activations"]) == TINY_OPTIONS["lstm"]["n_layers"] + 1
        for mine, repeat, theirs in zip(first["activations"], again["activations"],
                                        reference["activations"]):
            assert torch.equal(mine, repeat)
            # The fast path (the default) computes AllenNLP's function in another order.
            assert torch.allclose(mine, theirs, atol=1e-5)
        assert torch.equal(first["mask"], reference["mask"])

    def test_output_activations(self):
        model = self.model.eval()
        model._output_activations = True
        output = model(**tensors(self.instances[:3], self.vocab))
        batch_size, num_tokens = tensors(self.instances[:3], self.vocab)["tokens"]["words"]["tokens"].shape
        assert output["activations"].shape == (batch_size, 3, num_tokens + 2, 16)
        assert output["mask"].shape == (batch_size, num_tokens + 2)

    def test_initialisation_follows_tensorflow_conventions(self):
        bilm = self.model.bilm
        cell = bilm._elmo_lstm.forward_layer_0
        c = cell.cell_size
        bias = cell.state_linearity.bias.detach()
        # TF's forget_bias=1.0, which AllenNLP's loader folds into torch's forget gate (i, f, j, o).
        assert torch.equal(bias[c : 2 * c], torch.ones(c))
        assert not bias[:c].any() and not bias[2 * c :].any()
        highway = bilm._token_embedder._highways._layers[0]
        n = highway.weight.shape[1]
        assert torch.equal(highway.bias.detach()[n:], torch.full((n,), 2.0))  # -b_carry
        weight = cell.input_linearity.weight.detach()
        glorot = math.sqrt(2.0 / (8 + 8 + 4 * 16))
        assert 0.7 * glorot < float(weight.std()) < 1.3 * glorot
        # Another pytorch seed, other weights; the same seed, the same weights.
        again = tiny_setup(seed=1)[3].bilm._elmo_lstm.forward_layer_0.input_linearity.weight
        other = tiny_setup(seed=2)[3].bilm._elmo_lstm.forward_layer_0.input_linearity.weight
        assert torch.equal(tiny_setup(seed=1)[3].bilm._elmo_lstm.forward_layer_0.input_linearity.weight, again)
        assert not torch.equal(again, other)

    def test_bad_options(self, tmp_path):
        vocab = Vocabulary()
        no_skip = json.loads(json.dumps(TINY_OPTIONS))
        no_skip["lstm"]["use_skip_connections"] = False
        with pytest.raises(InputError, match="use_skip_connections"):
            ElmoBiLm(vocab, options=no_skip)
        path = tmp_path / "options.json"
        path.write_text(json.dumps({"lstm": TINY_OPTIONS["lstm"]}))
        with pytest.raises(InputError, match=r"options\.json: missing key 'char_cnn'"):
            ElmoBiLm(vocab, options_file=str(path))
        with pytest.raises(ConfigurationError, match="exactly one"):
            ElmoBiLm(vocab)
        with pytest.raises(ConfigurationError, match="num_samples"):
            ElmoBiLm(self.vocab, options=TINY_OPTIONS, num_samples=10**6)


# The configs that pre-train from scratch on IMDB; tweets_adapt.jsonnet continues a shipped ELMo on
# the tweets and is tested in tests/models/test_pretrain_configs.py.
# The configs that start from a shipped ELMo have their own tests (tests/models/test_pretrain_configs.py).
PRETRAIN_CONFIGS = sorted(p for p in (CONFIGS / "pretrain").glob("*.jsonnet")
                          if p.name not in ("tweets_adapt.jsonnet", "imdb_continue.jsonnet", "sst_adapt.jsonnet"))


def test_pretrain_configs_read_the_imdb_corpus_from_the_data_root():
    for config in PRETRAIN_CONFIGS:
        if config.name == "tiny.jsonnet":
            continue
        params = json.loads(_jsonnet.evaluate_file(str(config), ext_vars={"SST_ELMO_DATA": "/d"}))
        assert params["train_data_path"] == params["validation_data_path"] == "/d/imdb/unsup.txt.gz"
        assert params["dataset_reader"]["split"] == "train"
        assert params["validation_dataset_reader"]["split"] == "validation"
        assert params["trainer"]["validation_metric"] == "-perplexity"
    small = json.loads(_jsonnet.evaluate_file(
        str(CONFIGS / "pretrain" / "small.jsonnet"), ext_vars={"SST_ELMO_DATA": ""}))
    published = {
        "lstm": {"use_skip_connections": True, "projection_dim": 128, "cell_clip": 3,
                 "proj_clip": 3, "dim": 1024, "n_layers": 2},
        "char_cnn": {"activation": "relu", "filters": [[1, 32], [2, 32], [3, 64], [4, 128],
                                                        [5, 256], [6, 512], [7, 1024]],
                     "n_highway": 1, "embedding": {"dim": 16}, "n_characters": 262,
                     "max_characters_per_token": 50},
    }  # ../shared/elmo/small/options.json
    assert small["model"]["options"] == published


@pytest.mark.parametrize("config", PRETRAIN_CONFIGS, ids=[p.name for p in PRETRAIN_CONFIGS])
def test_pretrain_config_builds_everything(config, tmp_path):
    from allennlp.commands.train import TrainModel
    from allennlp.common.util import prepare_environment

    overrides = {**json.loads(FIXTURE_PATHS), "model.num_samples": None}
    params = Params.from_file(str(config), params_overrides=json.dumps(overrides))
    prepare_environment(params)
    train_loop = TrainModel.from_params(params=params, serialization_dir=str(tmp_path), local_rank=0)
    model = train_loop.model
    assert isinstance(model, ElmoBiLm) and model.vocab.get_vocab_size("lm_words") > 10
    instances = list(train_loop.trainer.data_loader.iter_instances())[:2]
    model(**tensors(instances, model.vocab))
    assert "perplexity" in model.get_metrics(reset=True)


def _grads(model):
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("num_samples", [None, 20])
def test_fast_path_gives_allennlps_loss_and_gradients(num_samples):
    # The same seed gives the same weights, dropout masks and softmax samples on both sides.
    import numpy

    sides = {}
    for fast in (False, True):
        _, instances, vocab, model = tiny_setup(seed=3, fast_forward=fast, num_samples=num_samples)
        model.train()
        torch.manual_seed(5)
        numpy.random.seed(5)
        output = model(**tensors(instances[:8], vocab))
        output["loss"].backward()
        sides[fast] = (float(output["loss"]), _grads(model))
    (slow_loss, slow_grads), (fast_loss, fast_grads) = sides[False], sides[True]
    assert abs(slow_loss - fast_loss) <= 1e-5
    assert slow_grads.keys() == fast_grads.keys() and len(fast_grads) > 10
    for name, grad in slow_grads.items():
        assert torch.allclose(grad, fast_grads[name], atol=1e-5, rtol=1e-4), name


def test_fast_path_follows_allennlps_training_trajectory():
    losses = {}
    for fast in (False, True):
        _, instances, vocab, model = tiny_setup(seed=4, fast_forward=fast, num_samples=20, dropout=0.0)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        model.train()
        losses[fast] = []
        import numpy

        numpy.random.seed(0)
        for step in range(5):
            loss = model(**tensors(instances[step * 8 : step * 8 + 8], vocab))["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[fast].append(float(loss))
    assert max(abs(a - b) for a, b in zip(losses[False], losses[True])) <= 1e-4
    assert losses[True][-1] < losses[True][0]


def test_fast_path_state_dict_is_allennlps():
    _, _, _, slow = tiny_setup(seed=2, fast_forward=False)
    _, _, _, fast = tiny_setup(seed=2, fast_forward=True)
    assert slow.state_dict().keys() == fast.state_dict().keys()
    for key, value in slow.state_dict().items():
        assert torch.equal(value, fast.state_dict()[key]), key


def test_bf16_is_close_and_needs_the_fast_path():
    _, instances, vocab, model = tiny_setup(seed=3, bf16=True, dropout=0.0)
    _, _, _, reference = tiny_setup(seed=3, dropout=0.0)
    model.eval()
    reference.eval()
    batch = tensors(instances[:8], vocab)
    with torch.no_grad():
        assert abs(float(model(**batch)["loss"]) - float(reference(**batch)["loss"])) < 0.05
    with pytest.raises(ConfigurationError, match="bf16 needs fast_forward"):
        tiny_setup(bf16=True, fast_forward=False)


@pytest.mark.parametrize("native", [True, False])
def test_bf16_auto_follows_the_hardware(monkeypatch, native):
    from sst_elmo.models import elmo_bilm

    monkeypatch.setattr(elmo_bilm.torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(elmo_bilm, "native_bf16", lambda: native)
    _, _, _, model = tiny_setup(bf16="auto")
    assert model._fast.autocast_bf16 is native
    # The AllenNLP modules path has no bf16: "auto" is float32 there, never an error.
    assert elmo_bilm.resolve_bf16("auto", fast_forward=False) is False
    with pytest.raises(ConfigurationError, match="bf16 must be"):
        elmo_bilm.resolve_bf16("yes")
