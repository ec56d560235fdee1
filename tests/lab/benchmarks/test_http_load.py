import time

import pytest

from sst_elmo.serving.service import PredictionService
from sst_elmo_lab.benchmarks.http_load import percentile, run_load
from tests.serving.conftest import serving


def test_counts_requests_and_failures(lstm_predictor):
    with serving(PredictionService(lstm_predictor)) as url:
        good = run_load(url, [{"sentence": "A fine film ."}, {"tokens": ["Dull"]}], clients=4, requests=40,
                        time_limit=60)
        bad = run_load(url, [{"sentence": ""}], clients=2, requests=6, time_limit=60)
    assert (good["requests"], good["failures"], good["clients"]) == (40, 0, 4)
    assert 0 < good["p50_ms"] <= good["p99_ms"] and good["requests_per_s"] > 0
    assert bad["requests"] == bad["failures"] == 6 and "HTTP 400" in bad["first_failure"]


def test_bounded_in_time(lstm_predictor):
    with serving(PredictionService(lstm_predictor)) as url:
        start = time.monotonic()
        result = run_load(url, [{"sentence": "A fine film ."}], clients=2, requests=10**9, time_limit=1.0)
    assert time.monotonic() - start < 30 and 0 < result["requests"] < 10**9


def test_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://192.0.2.1:8000", [{}], clients=1, requests=1, time_limit=1)


def test_percentile_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (50, 99, 100)
    assert percentile([7.0], 0.99) == 7.0
