import pytest
from allennlp.modules.elmo import Elmo, _ElmoBiLm

from sst_elmo.elmo.fast_bilm import FastElmoBiLm
from sst_elmo.serving.fast_elmo import use_fast_bilm

SENTENCES = [{"sentence": "A gorgeous , witty , seductive movie ."}, {"sentence": "Dull ."},
             {"sentence": "The plot is thin and the acting is worse ."}]


def biLms(model):
    return [module._elmo_lstm for module in model.modules() if isinstance(module, Elmo)]


def test_a_frozen_elmo_runs_fast_with_the_same_outputs(elmo_predictor):
    before = elmo_predictor.predict_batch_json(SENTENCES)
    assert use_fast_bilm(elmo_predictor._model) == 1
    assert all(isinstance(bilm, FastElmoBiLm) for bilm in biLms(elmo_predictor._model))
    after = elmo_predictor.predict_batch_json(SENTENCES)
    for old, new in zip(before, after):
        assert new["logits"] == pytest.approx(old["logits"], abs=1e-5, rel=0)
    assert use_fast_bilm(elmo_predictor._model) == 0  # already done


def test_a_fine_tuned_elmo_is_left_alone(elmo_predictor):
    for bilm in biLms(elmo_predictor._model):
        for parameter in bilm.parameters():
            parameter.requires_grad = True
    assert use_fast_bilm(elmo_predictor._model) == 0
    assert all(type(bilm) is _ElmoBiLm for bilm in biLms(elmo_predictor._model))


def test_a_model_without_elmo_is_unchanged(lstm_predictor):
    assert use_fast_bilm(lstm_predictor._model) == 0
