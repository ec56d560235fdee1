"""A served model reads its ELMo activation cache but never grows it: clients cannot fill the disk."""
from sst_elmo.modules.token_embedders.cached_elmo import CachedElmoTokenEmbedder
from sst_elmo.serving.service import PredictionService
from tests.conftest import make_predictor


def cache_of(predictor):
    (embedder,) = [m for m in predictor.model.modules() if isinstance(m, CachedElmoTokenEmbedder)]
    return embedder.cache


def test_requests_to_a_served_model_store_no_new_activations(tmp_path, fixture_env, monkeypatch):
    monkeypatch.setenv("SST_ELMO_CACHE", "1")
    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path / "cache"))
    # Outside a server, a new sentence is stored (the cache works as usual).
    predictor = make_predictor("sst5_elmo.jsonnet")
    predictor.predict_json({"sentence": "A film that was stored."})
    assert cache_of(predictor).size()[0] == 1

    served = make_predictor("sst5_elmo.jsonnet")
    service = PredictionService(served, max_batch_delay_ms=0)
    try:
        before = served.predict_json({"sentence": "A film that was stored."})  # a hit is still read
        for n in range(5):
            served.predict_json({"sentence": f"A brand new sentence number {n} , never seen ."})
        assert cache_of(served).size()[0] == 1 and cache_of(served).hits >= 1
        # The explanations' copy of the model is read-only too.
        assert all(cache.read_only for cache in (cache_of(served), cache_of(service._explaining)))
        assert before["probs"] == served.predict_json({"sentence": "A film that was stored."})["probs"]
    finally:
        service.close()
