"""Saliency from AllenNLP Interpret, for a GloVe/LSTM model and an ELMo model: finite, one per token, aligned."""
import math

import pytest
import torch
from allennlp.modules.token_embedders import Embedding

from sst_elmo.modules.fast_elmo import use_fast_bilm
from sst_elmo.serving.saliency import METHODS, Saliency

TOKENS = ["A", "gorgeous", ",", "witty", ",", "seductive", "movie", "."]


def check(scores, tokens):
    assert len(scores) == len(tokens)
    assert all(math.isfinite(value) and value >= 0 for value in scores)
    assert sum(scores) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("model", ["lstm", "elmo", "fast_elmo"])
def test_one_finite_value_per_token(model, method, lstm_predictor, elmo_predictor):
    predictor = lstm_predictor if model == "lstm" else elmo_predictor
    if model == "fast_elmo":
        use_fast_bilm(predictor._model)
    frozen = {name: p.requires_grad for name, p in predictor._model.named_parameters()}
    saliency = Saliency(predictor)
    check(saliency.of_tokens(TOKENS, method), TOKENS)
    check(saliency.of_tokens(["Dull"], method), ["Dull"])
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
