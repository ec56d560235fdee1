import pytest
from allennlp.modules.elmo import Elmo, _ElmoBiLm

from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm
from sst_elmo.elmo.runtime.fast_elmo import use_fast_bilm

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


def test_a_cached_elmo_model_serves_new_sentences_through_its_bilm(fixture_env, monkeypatch, tmp_path):
    """
    `cached_elmo` under sst-serve: a sentence new to the cache is computed (by FastElmoBiLm) but not
    stored (a served cache is read-only); batched = single.
    """
    from sst_elmo.modules.token_embedders.cached_elmo import CachedElmoTokenEmbedder
    from sst_elmo.serving.saliency import Saliency
    from sst_elmo.serving.service import PredictionService
    from tests.conftest import make_predictor

    monkeypatch.setenv("SST_ELMO_CACHE", "1")
    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path / "cache"))
    predictor = make_predictor("sst5_elmo.jsonnet")
    [embedder] = [m for m in predictor._model.modules() if isinstance(m, CachedElmoTokenEmbedder)]
    assert embedder._runner.fast_forward
    service = PredictionService(predictor, max_batch_delay_ms=200)
    try:
        entries_before, misses_before = embedder.cache.size()[0], embedder.cache.misses
        together = service.predict(SENTENCES)
        assert embedder.cache.misses == misses_before + len(SENTENCES)
        assert embedder.cache.size()[0] == entries_before
        singles = [service.predict(row) for row in SENTENCES]  # through the biLM again, one by one
        for one, batched in zip(singles, together):
            assert one["probs"] == pytest.approx(batched["probs"], abs=1e-6, rel=0)
        scores = Saliency(predictor).of_tokens(together[0]["tokens"])
        assert len(scores) == len(together[0]["tokens"]) and sum(scores) == pytest.approx(1.0)
    finally:
        service.close(5)
