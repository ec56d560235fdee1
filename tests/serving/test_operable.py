"""The answer cache, /metrics and the bearer token, over a real server on loopback."""
import json
import re

import pytest

from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving
from tests.serving.test_http import call, good_request_works, one_line_error


def test_a_repeated_request_is_answered_from_the_cache(lstm_predictor):
    service = PredictionService(lstm_predictor, max_batch_delay_ms=0)
    with serving(service, cache_size=8) as base:
        first = call_with_headers(base, "/predict", {"sentence": "A fine film ."})
        again = call_with_headers(base, "/predict", {"sentence": "A fine film ."})
        other = call_with_headers(base, "/predict", {"sentence": "A dull film ."})
        assert (first[1], again[1], other[1]) == ("0", "1", "0")
        assert first[2] == again[2]
        assert service.batcher.stats["requests"] == 2  # the repeat never reached the model
        # The same body with its keys in another order is the same request; another method is not.
        body = {"sentence": "A fine film .", "method": "simple_gradient"}
        assert call_with_headers(base, "/interpret", body)[1] == "0"
        assert call_with_headers(base, "/interpret", dict(reversed(body.items())))[1] == "1"
        assert call_with_headers(base, "/interpret", {**body, "method": "integrated_gradient"})[1] == "0"


def test_the_cache_is_bounded_in_bytes_with_keys_of_the_fields_used(lstm_predictor):
    # 600 bodies of 1 MB each (an ignored field) once became 600 keys of 1 MB: the cache counted
    # only its answers' bytes. Now a key is a digest of the fields used, and keys count too.
    with serving(PredictionService(lstm_predictor), cache_size=1000, cache_bytes=20_000) as base:
        answers = 0
        for number in range(12):  # long sentences (over max_tokens), each a new request
            _, hit, data = call_with_headers(base, "/predict", {"sentence": f"Film {number} " + "fine " * 600})
            assert hit == "0"
            answers += len(data)
        cache = json.loads(call(base, "GET", "/health")[2])["cache"]
        assert answers > 20_000 >= cache["bytes"] > 0 and cache["max_bytes"] == 20_000
        assert 0 < cache["entries"] < 12
        assert cache["bytes"] >= 64 * cache["entries"]  # each key counted: 64 bytes
        assert f"sst_serve_cache_bytes {float(cache['bytes'])}".encode() in call(base, "GET", "/metrics")[2]


def test_cache_size_0_turns_the_cache_off(lstm_predictor):
    service = PredictionService(lstm_predictor, max_batch_delay_ms=0)
    with serving(service, cache_size=0) as base:
        for _ in range(2):
            assert call_with_headers(base, "/predict", {"sentence": "A fine film ."})[1] == "0"
        assert service.batcher.stats["requests"] == 2


def test_metrics_in_the_prometheus_text_format(lstm_predictor):
    from prometheus_client.parser import text_string_to_metric_families

    with serving(PredictionService(lstm_predictor, max_batch_delay_ms=0), cache_size=8) as base:
        for _ in range(3):
            good_request_works(base)
        call(base, "POST", "/predict", b"{", {"Content-Type": "application/json"})
        call(base, "GET", "/no/such/route")
        status, content_type, data = call(base, "GET", "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(data.decode()) for sample in family.samples}
    assert samples[("sst_serve_requests_total", (("endpoint", "/predict"), ("status", "200")))] == 3
    assert samples[("sst_serve_requests_total", (("endpoint", "/predict"), ("status", "400")))] == 1
    assert samples[("sst_serve_requests_total", (("endpoint", "other"), ("status", "404")))] == 1
    assert samples[("sst_serve_request_seconds_count", (("endpoint", "/predict"),))] == 4
    assert samples[("sst_serve_cache_hits_total", (("endpoint", "/predict"),))] == 2
    assert samples[("sst_serve_cache_misses_total", (("endpoint", "/predict"),))] == 1
    assert samples[("sst_serve_batch_rows_count", ())] == 1
    assert samples[("sst_serve_cache_entries", ())] == 1


def test_with_a_token_only_the_page_and_health_are_open(lstm_predictor):
    with serving(PredictionService(lstm_predictor), auth_token="s3cret") as base:
        for path in ("/", "/health", "/static/app.js"):
            assert call(base, "GET", path)[0] == 200
        assert json.loads(call(base, "GET", "/health")[2])["auth"] is True
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
            for method, path in (("POST", "/predict"), ("POST", "/interpret"), ("GET", "/metrics")):
                body = {"sentence": "A fine film ."} if method == "POST" else None
                one_line_error(*call(base, method, path, body, headers), 401, "needs a token")
        status, _, data = call(base, "POST", "/predict", {"sentence": "A fine film ."},
                               {"Authorization": "Bearer s3cret"})
        assert status == 200 and json.loads(data)["tokens"] == ["A", "fine", "film", "."]


def call_with_headers(base, path, body):
    import http.client

    host, port = base[len("http://"):].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        assert response.status == 200, data
        return response.status, response.getheader("X-Cache-Hit"), data
    finally:
        connection.close()


@pytest.mark.parametrize("host, token, no_auth, refused", [
    ("127.0.0.1", None, False, False),
    ("localhost", None, False, False),
    ("::1", None, False, False),
    ("0.0.0.0", None, False, True),
    ("0.0.0.0", "t", False, False),
    ("0.0.0.0", None, True, False),
])
def test_a_host_that_is_not_loopback_needs_a_token_or_no_auth(host, token, no_auth, refused, monkeypatch):
    import argparse

    from sst_elmo.commands.sst_serve import TOKEN_ENV, _auth_token
    from sst_elmo.common.errors import InputError

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    args = argparse.Namespace(host=host, auth_token=token, no_auth=no_auth)
    if refused:
        with pytest.raises(InputError, match=re.escape("--auth-token TOKEN")):
            _auth_token(args)
    else:
        assert _auth_token(args) == token
    monkeypatch.setenv(TOKEN_ENV, "from-env")
    if not no_auth:
        assert _auth_token(argparse.Namespace(host=host, auth_token=None, no_auth=False)) == "from-env"
