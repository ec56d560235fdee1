"""`bench_heavy.py --saturate`: explanation clients beside timed predictions, on a small model."""
from sst_elmo.benchmarks.heavy_requests import saturate
from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving


def test_saturate_counts_answered_and_refused_explanations_beside_timed_predictions(lstm_predictor):
    service = PredictionService(lstm_predictor, max_explanations_in_flight=1)
    with serving(service, cache_size=0) as url:
        row = saturate(url, clients=4, tokens=30, method="leave_one_out", seconds=1.5)
    assert row["predictions"] >= 3 and 0 < row["predict_p50_ms"] <= row["predict_max_ms"]
    assert row["explanations_answered"] >= 1 and row["explanations_refused"] >= 1  # 4 clients, room for 1
    assert row["other_statuses"] == []
