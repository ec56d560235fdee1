"""POST /attack: AllenNLP Interpret's input reduction and HotFlip, bounded, on a copy of the model."""
import json
import threading
import time

import pytest

from sst_elmo.serving.attack import Attacks
from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving
from tests.serving.test_http import call, good_request_works, one_line_error

TOKENS = ["A", "gorgeous", ",", "witty", ",", "seductive", "movie", "."]


@pytest.mark.parametrize("model", ["lstm", "elmo"])
def test_input_reduction_keeps_the_label_with_fewer_words(model, lstm_predictor, elmo_predictor):
    predictor = lstm_predictor if model == "lstm" else elmo_predictor
    result = Attacks(predictor).attack(TOKENS, "input_reduction")
    assert 0 < len(result["tokens"]) <= len(TOKENS)
    assert all(token in TOKENS for token in result["tokens"])
    assert result["changed"] is False
    assert result["label"] == predictor.predict_json({"tokens": TOKENS})["label"]


def test_hotflip_swaps_words_and_reports_the_models_label_for_them(lstm_predictor):
    result = Attacks(lstm_predictor).attack(TOKENS, "hotflip")
    assert len(result["tokens"]) == len(TOKENS) and result["tokens"] != TOKENS
    after = lstm_predictor.predict_json({"tokens": result["tokens"]})
    assert result["label"] == after["label"] and result["label_name"] == after["label_name"]
    assert result["changed"] == (after["label"] != lstm_predictor.predict_json({"tokens": TOKENS})["label"])


def test_the_attacks_leave_the_served_model_as_it_was(lstm_predictor):
    before = {name: value.clone() for name, value in lstm_predictor._model.state_dict().items()}
    frozen = {name: p.requires_grad for name, p in lstm_predictor._model.named_parameters()}
    attacks = Attacks(lstm_predictor)
    assert attacks._predictor._model is not lstm_predictor._model
    attacks.attack(TOKENS, "hotflip")
    after = lstm_predictor._model.state_dict()
    assert all((before[name] == after[name]).all() for name in before)
    assert {name: p.requires_grad for name, p in lstm_predictor._model.named_parameters()} == frozen


def test_attack_over_http_and_its_bounds(lstm_predictor):
    with serving(PredictionService(lstm_predictor)) as url:
        status, _, data = call(url, "POST", "/attack", {"tokens": TOKENS, "method": "hotflip"})
        output = json.loads(data)
        assert status == 200 and output["tokens"] == TOKENS and output["attack"]["method"] == "hotflip"
        status, _, data = call(url, "POST", "/attack", {"sentence": "A fine film ."})
        assert status == 200 and json.loads(data)["attack"]["method"] == "input_reduction"
        one_line_error(*call(url, "POST", "/attack", {"tokens": ["a"] * 41}), 400,
                       r"^This text is too long to attack \(41 words; at most 40\)\. Try a shorter text\.$")
        one_line_error(*call(url, "POST", "/attack", [{"sentence": "a"}]), 400, "one input")
        one_line_error(*call(url, "POST", "/attack", {"sentence": "a", "method": "lime"}), 400, '"method"')
        good_request_works(url)


def test_a_predict_during_an_attack_does_not_wait_for_it(lstm_predictor):
    service = PredictionService(lstm_predictor, max_batch_delay_ms=0)
    service.attack({"sentence": "warm up"})  # builds the attacks' copy of the model
    attacker = service._attacks._attacker("input_reduction")
    real = attacker.attack_from_json

    def slow(*args, **kwargs):
        time.sleep(3.0)
        return real(*args, **kwargs)

    attacker.attack_from_json = slow
    with serving(service) as url:
        heavy = threading.Thread(target=call, args=(url, "POST", "/attack", {"sentence": "A fine film ."}))
        heavy.start()
        time.sleep(0.5)
        start = time.monotonic()
        good_request_works(url)
        waited = time.monotonic() - start
        assert heavy.is_alive()
        heavy.join(30)
    assert waited < 1.0, f"the prediction waited {waited:.2f} s"
