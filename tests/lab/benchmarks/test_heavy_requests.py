"""`bench_heavy.py --saturate` and `--memory` on a small model: explanations beside timed predictions; memory."""
from sst_elmo.serving.service import PredictionService
from sst_elmo_lab.benchmarks.heavy_requests import memory, saturate
from tests.serving.conftest import serving


def test_saturate_counts_answered_and_refused_explanations_beside_timed_predictions(lstm_predictor):
    service = PredictionService(lstm_predictor, max_explanations_in_flight=1)
    with serving(service, cache_size=0) as url:
        row = saturate(url, clients=4, tokens=30, method="leave_one_out", seconds=1.5)
    assert row["predictions"] >= 3 and 0 < row["predict_p50_ms"] <= row["predict_max_ms"]
    assert row["explanations_answered"] >= 1 and row["explanations_refused"] >= 1  # 4 clients, room for 1
    assert row["other_statuses"] == []


def test_memory_reads_the_heap_and_the_mapped_files_after_each_explanation(lstm_predictor):
    import os

    with serving(PredictionService(lstm_predictor), cache_size=0) as url:
        rows = memory(url, os.getpid(), requests=4, tokens=20, method="signed_gradient")
    assert [row["phase"] for row in rows] == ["new sentences", "seen sentences"]
    for row in rows:
        assert row["failed"] == [] and len(row["anon_mib"]) == len(row["file_mib"]) == 4
        assert all(value > 0 for value in row["anon_mib"] + row["file_mib"])
