import json

import pytest
import torch
from allennlp.modules.elmo import Elmo, _ElmoBiLm, batch_to_ids

from sst_elmo.elmo.fast_bilm import FastElmoBiLm

SENTENCES = [
    ["A", "fine", "film", "."],
    ["Dull", "."],
    ["It", "rocks", "and", "it", "rocks", "hard", ",", "supercalifragilisticexpialidocious", "!"],
    ["x"],
]


def compare(options, weights, sentences, **kwargs):
    bilm = _ElmoBiLm(options, weights).eval()
    fast = FastElmoBiLm(bilm, **kwargs).eval()
    ids = batch_to_ids(sentences)
    with torch.no_grad():
        bilm._elmo_lstm.reset_states()
        expected = bilm(ids)
        actual = fast(ids)
    assert torch.equal(expected["mask"], actual["mask"])
    return max(float((a - b).abs().max()) for a, b in zip(expected["activations"], actual["activations"]))


@pytest.mark.parametrize("memo", [0, 50_000])
def test_equals_allennlp_on_the_tiny_elmo(tiny_elmo, memo):
    assert compare(*tiny_elmo, SENTENCES, word_memo_size=memo) <= 1e-5


def test_equals_allennlp_elmo_with_its_scalar_mix(tiny_elmo):
    options, weights = tiny_elmo
    torch.manual_seed(0)
    reference = Elmo(options, weights, 1, dropout=0.0).eval()
    fast = Elmo(None, None, 1, dropout=0.0, module=FastElmoBiLm(reference._elmo_lstm)).eval()
    ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        reference._elmo_lstm._elmo_lstm.reset_states()
        expected = reference(ids)["elmo_representations"][0]
        # Twice: the second call reads every word's CNN output from the memo.
        first, second = (fast(ids)["elmo_representations"][0] for _ in range(2))
    assert float((expected - first).abs().max()) <= 1e-4
    assert torch.equal(first, second)


def test_no_state_is_carried_between_batches(tiny_elmo):
    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    with torch.no_grad():
        alone = fast(batch_to_ids(SENTENCES[:2]))["activations"][-1]
        fast(batch_to_ids(SENTENCES[2:]))
        again = fast(batch_to_ids(SENTENCES[:2]))["activations"][-1]
    assert torch.equal(alone, again)


def test_bf16_is_opt_in_and_close(tiny_elmo):
    assert compare(*tiny_elmo, SENTENCES, autocast_bf16=True) < 0.1


@pytest.mark.shared
def test_equals_allennlp_on_the_fixture_bilm(shared_dir):
    fixture = shared_dir / "elmo" / "fixture"
    sentences = [line.split() for line in json.loads((fixture / "sentences.json").read_text())[0]]
    assert compare(str(fixture / "options.json"), str(fixture / "lm_weights.hdf5"), sentences) <= 1e-4


def test_matrix_flops_count_the_products_executed(tiny_elmo):
    """The benchmark's FLOP count: the LSTM products of every real step, the CNN once per word."""
    options, _ = tiny_elmo
    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    lstm = json.load(open(options))["lstm"]
    cell, hidden = lstm["dim"], lstm["projection_dim"]
    sentences = [["a", "b", "c"], ["a"]]  # with <S>/</S>: lengths 5 and 3
    ids = batch_to_ids(sentences)
    with torch.no_grad():
        fast(ids)
        first = fast.matrix_flops
        fast(ids)  # every word now comes from the memo: only the LSTM runs
    steps = 5 + 3  # sum over timesteps of the rows still running
    positions = 2 * 5 if 8 >= 0.8 * 10 else 8  # the input projection covers the padded grid here
    per_layer = 2 * 2 * (positions * hidden * 4 * cell + steps * (hidden * 4 * cell + cell * hidden))
    assert fast.matrix_flops - first == lstm["n_layers"] * per_layer
    assert first > fast.matrix_flops - first  # the first call also ran the character CNN
