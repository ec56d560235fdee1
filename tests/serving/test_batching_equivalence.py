"""Batched results equal single-request results within 1e-6 (LSTM/GloVe and ELMo)."""
import threading

import pytest

from sst_elmo.elmo.runtime.fast_elmo import use_fast_bilm
from sst_elmo.serving.service import PredictionService

SENTENCES = [
    "A gorgeous , witty , seductive movie .",
    "Dull .",
    "The plot is thin and the acting is worse , but the music is fine .",
    "An awful , dull mess -LRB- really -RRB- .",
    "It never quite takes off .",
    "Fine .",
    "A film that reminds you why you love movies , and why some of them are so long .",
    "Not bad .",
] * 3


def concurrent_predictions(service, bodies):
    results = [None] * len(bodies)

    def one(i):
        results[i] = service.predict(bodies[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    with service.batcher.arriving():  # hold the first batch open until all have arrived
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    return results


@pytest.mark.parametrize("model", ["lstm", "elmo"])
def test_batched_equals_single(model, lstm_predictor, elmo_predictor):
    predictor = lstm_predictor if model == "lstm" else elmo_predictor
    if model == "elmo":
        assert use_fast_bilm(predictor._model) == 1
    singles = [predictor.predict_json({"sentence": sentence}) for sentence in SENTENCES]
    service = PredictionService(predictor, max_batch_size=32, max_batch_delay_ms=500)
    try:
        batched = concurrent_predictions(service, [{"sentence": sentence} for sentence in SENTENCES])
        as_list = service.predict([{"sentence": sentence} for sentence in SENTENCES])
    finally:
        service.close(10)
    stats = service.batcher.stats
    assert stats["rows"] == 2 * len(SENTENCES) and stats["batches"] < stats["requests"]  # really batched
    for single, together, listed in zip(singles, batched, as_list):
        assert together["tokens"] == listed["tokens"] == single["tokens"]
        assert together["label"] == single["label"]
        for key in ("logits", "probs"):
            assert together[key] == pytest.approx(single[key], abs=1e-6, rel=0)
            assert listed[key] == pytest.approx(single[key], abs=1e-6, rel=0)
