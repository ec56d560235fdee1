"""Saliency from AllenNLP Interpret, for a GloVe/LSTM model and an ELMo model: finite, one per token, aligned."""
import math

import pytest
import torch
from allennlp.modules.token_embedders import Embedding

from sst_elmo.elmo.runtime.fast_elmo import use_fast_bilm
from sst_elmo.serving.saliency import METHODS, SIGNED, Saliency, work
from tests.conftest import make_predictor

TOKENS = ["A", "gorgeous", ",", "witty", ",", "seductive", "movie", "."]


def check(scores, tokens, signed=False):
    assert len(scores) == len(tokens)
    assert all(math.isfinite(value) and (signed or value >= 0) for value in scores)
    assert sum(abs(value) for value in scores) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("model", ["lstm", "elmo", "fast_elmo"])
def test_one_finite_value_per_token(model, method, lstm_predictor, elmo_predictor):
    predictor = lstm_predictor if model == "lstm" else elmo_predictor
    if model == "fast_elmo":
        use_fast_bilm(predictor._model)
    frozen = {name: p.requires_grad for name, p in predictor._model.named_parameters()}
    saliency = Saliency(predictor)
    check(saliency.of_tokens(TOKENS, method), TOKENS, method in SIGNED)
    check(saliency.of_tokens(["Dull"], method), ["Dull"], method in SIGNED)
    # the interpreter's requires_grad switch is undone: a frozen ELMo stays frozen
    assert {name: p.requires_grad for name, p in predictor._model.named_parameters()} == frozen


@pytest.mark.parametrize("method", ["simple_gradient", "integrated_gradient"])
def test_saliency_follows_the_tokens(lstm_predictor, method):
    """With every word vector zero but one, gradient x input puts all the saliency on that word."""
    embedding = next(m for m in lstm_predictor._model.modules() if isinstance(m, Embedding))
    vocab = lstm_predictor._model.vocab
    index = vocab.get_token_index("movie", "tokens")  # lowercased for GloVe 6B
    assert index != vocab.get_token_index("@@UNKNOWN@@", "tokens")
    with torch.no_grad():
        kept = embedding.weight[index].clone()
        embedding.weight.zero_()
        embedding.weight[index] = kept
    scores = Saliency(lstm_predictor).of_tokens(TOKENS, method)
    assert scores[TOKENS.index("movie")] == pytest.approx(1.0)
    assert sum(scores) == pytest.approx(1.0)


def test_a_zero_gradient_gives_zeros_not_nan(lstm_predictor):
    embedding = next(m for m in lstm_predictor._model.modules() if isinstance(m, Embedding))
    with torch.no_grad():
        embedding.weight.zero_()
    assert Saliency(lstm_predictor).of_tokens(TOKENS, "simple_gradient") == [0.0] * len(TOKENS)


def test_labeled_instances_carry_the_predicted_label(elmo_predictor):
    prediction = elmo_predictor.predict_json({"tokens": TOKENS})
    [instance] = elmo_predictor.json_to_labeled_instances({"tokens": TOKENS})
    assert instance["label"].label == prediction["labels"].index(prediction["label"])
    long = {"tokens": ["fine"] * (elmo_predictor.max_tokens + 5)}
    [instance] = elmo_predictor.json_to_labeled_instances(long)  # a truncated input: no marker left
    assert len(instance["tokens"]) == elmo_predictor.max_tokens and set(instance.fields) == {"tokens", "label"}


def test_allennlp_simple_gradient_multiplies_by_the_first_token(lstm_predictor):
    """Why `AlignedSimpleGradient` exists: AllenNLP 2.10.1's own SimpleGradient, on the same model,
    gives every token the first token's vector (zero here), so no saliency at all."""
    from allennlp.interpret.saliency_interpreters import SimpleGradient

    embedding = next(m for m in lstm_predictor._model.modules() if isinstance(m, Embedding))
    index = lstm_predictor._model.vocab.get_token_index("movie", "tokens")
    with torch.no_grad():
        kept = embedding.weight[index].clone()
        embedding.weight.zero_()
        embedding.weight[index] = kept
    with pytest.warns(RuntimeWarning):
        upstream = SimpleGradient(lstm_predictor).saliency_interpret_from_json({"tokens": TOKENS})
    assert all(math.isnan(value) for value in upstream["instance_1"]["grad_input_1"])


@pytest.fixture
def seeded_lstm_predictor(fixture_env):
    """`lstm_predictor` with its weights drawn from a fixed seed (the global generator left as it was)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return make_predictor("sst5_lstm.jsonnet")


def test_signed_gradient_is_simple_gradient_with_its_sign(seeded_lstm_predictor):
    """On fixed weights where the tokens push both ways (an untrained model's signs are chance:
    on 1 seed in 40 they all came out positive), the signed values keep both signs."""
    saliency = Saliency(seeded_lstm_predictor)
    signed = saliency.of_tokens(TOKENS, "signed_gradient")
    assert [abs(value) for value in signed] == pytest.approx(saliency.of_tokens(TOKENS, "simple_gradient"))
    assert any(value < 0 for value in signed) and any(value > 0 for value in signed)


def test_signed_gradient_is_positive_where_a_word_raises_the_predicted_label(lstm_predictor):
    """A first-order check: a token whose vector, scaled down, lowers the predicted label's
    probability gets a positive value, and one whose scaling raises it a negative value."""
    saliency = Saliency(lstm_predictor)
    signed = saliency.of_tokens(TOKENS, "signed_gradient")
    embedding = next(m for m in lstm_predictor._model.modules() if isinstance(m, Embedding))
    vocab = lstm_predictor._model.vocab
    full = lstm_predictor.predict_json({"tokens": TOKENS})
    label = full["probs"].index(max(full["probs"]))
    strongest = max(range(len(TOKENS)), key=lambda i: abs(signed[i]))
    index = vocab.get_token_index(TOKENS[strongest].lower(), "tokens")
    with torch.no_grad():
        embedding.weight[index] *= 0.9  # a small step toward zero for that word
    scaled = lstm_predictor.predict_json({"tokens": TOKENS})["probs"][label]
    # Shrinking a word that pushed toward the label lowers it; one that pushed against raises it.
    assert (scaled < full["probs"][label]) == (signed[strongest] > 0)


def test_leave_one_out_is_the_drop_of_the_predicted_label_when_each_word_is_deleted(lstm_predictor):
    full = lstm_predictor.predict_json({"tokens": TOKENS})
    label = full["probs"].index(max(full["probs"]))
    without = [lstm_predictor.predict_json({"tokens": TOKENS[:i] + TOKENS[i + 1:]}) for i in range(len(TOKENS))]
    drops = [full["probs"][label] - output["probs"][label] for output in without]
    total = sum(abs(drop) for drop in drops)
    assert Saliency(lstm_predictor).of_tokens(TOKENS, "leave_one_out") == pytest.approx(
        [drop / total for drop in drops], abs=1e-5)


def test_work_is_tokens_times_passes():
    assert work("simple_gradient", 512) == 512
    assert work("integrated_gradient", 100) == 1000
    assert work("leave_one_out", 50) == 250 and work("leave_one_out", 3) == 1
