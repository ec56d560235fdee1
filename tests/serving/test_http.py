"""
The HTTP API over a real waitress server on loopback: every bad request gets a 4xx with a
one-line JSON error (never a 500 or a traceback), and the server keeps serving.
"""
import http.client
import json
import re
import socket
import time
from pathlib import Path

import pytest

from sst_elmo.serving.app import STATIC
from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving

LIMIT = 64 * 1024


@pytest.fixture
def url(lstm_predictor):
    with serving(PredictionService(lstm_predictor, max_batch_delay_ms=2), max_body=LIMIT,
                 channel_timeout=2) as base:
        yield base


def call(base, method, path, body=None, headers=None, timeout=30):
    host, port = base[len("http://"):].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        chunked = (headers or {}).get("Transfer-Encoding") == "chunked"
        connection.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def good_request_works(base):
    status, _, data = call(base, "POST", "/predict", {"sentence": "A fine film."})
    assert status == 200, data
    assert json.loads(data)["tokens"] == ["A", "fine", "film", "."]


def one_line_error(status, content_type, data, expected_status, words):
    assert status == expected_status, data
    assert content_type.startswith("application/json")
    error = json.loads(data)["error"]
    assert "\n" not in error and "Traceback" not in error and len(error) < 1100
    assert re.fullmatch("[a-z_]+", json.loads(data)["code"])  # a name for programs
    assert re.search(words, error), error


JSON = {"Content-Type": "application/json"}
BAD = [
    ("malformed JSON", "POST", "/predict", b'{"sentence": "fine"', JSON, 400, "not valid JSON"),
    ("not UTF-8", "POST", "/predict", b'{"sentence": "\xff\xfe"}', JSON, 400, "not valid JSON"),
    ("an empty body", "POST", "/predict", b"", JSON, 400, "empty body"),
    ("a number for the sentence", "POST", "/predict", b'{"sentence": 5}', JSON, 400, "must be a string"),
    ("numbers for tokens", "POST", "/predict", b'{"tokens": [1, 2]}', JSON, 400, "list of strings"),
    ("a string for a body", "POST", "/predict", b'"fine"', JSON, 400, "expected a JSON object"),
    ("null", "POST", "/predict", b"null", JSON, 400, "expected a JSON object"),
    ("no text key", "POST", "/predict", b'{}', JSON, 400, "no text"),
    ("an unknown field", "POST", "/predict", b'{"text_typo": "a"}', JSON, 400,
     "unknown field 'text_typo'; this endpoint takes 'tokens', 'sentence', 'text'"),
    ("an ignored field", "POST", "/predict", b'{"sentence": "ok", "pad": "xxx"}', JSON, 400,
     "unknown field 'pad'"),
    ("method on /predict", "POST", "/predict", b'{"sentence": "ok", "method": "x"}', JSON, 400,
     "unknown field 'method'"),
    ("an object for the method", "POST", "/interpret", b'{"sentence": "ok", "method": {}}', JSON, 400,
     '"method" must be a string, not an object'),
    ("a long number for the sentence", "POST", "/predict", b'{"sentence": ' + b"9" * 50_000 + b"}", JSON, 400,
     '^request: "sentence" must be a string, not a number$'),
    ("empty tokens", "POST", "/predict", b'{"tokens": ["", "", ""]}', JSON, 400, r'"tokens"\[0\] is empty'),
    ("a blank token", "POST", "/predict", b'{"tokens": ["a", " \\t"]}', JSON, 400,
     r'"tokens"\[1\] is only spaces'),
    ("a lone surrogate", "POST", "/predict", b'{"sentence": "fine \\ud800"}', JSON, 400,
     r'"sentence" is not valid text: a lone surrogate .\\ud800. at character 6'),
    ("a lone surrogate in a token", "POST", "/interpret", b'[{"sentence": "ok"}, {"tokens": ["\\udfff"]}]', JSON,
     400, r'request:2: "tokens"\[0\] is not valid text'),
    ("a bad item in a list", "POST", "/predict", b'[{"sentence": "ok"}, 7]', JSON, 400, "request:2"),
    ("an empty list", "POST", "/predict", b"[]", JSON, 400, "empty list"),
    ("60,000 nested lists", "POST", "/predict", b"[" * 60_000, JSON, 400, "nested 60,000 deep"),
    ("33 nested objects", "POST", "/predict", b'{"a": ' * 33 + b"1" + b"}" * 33, JSON, 400, "nested 33 deep"),
    ("an empty sentence", "POST", "/predict", b'{"sentence": ""}', JSON, 400, "no tokens"),
    ("a blank sentence", "POST", "/predict", b'{"sentence": "   "}', JSON, 400, "no tokens"),
    ("no tokens", "POST", "/predict", b'{"tokens": []}', JSON, 400, "no tokens"),
    ("an unknown method", "POST", "/interpret", b'{"sentence": "a", "method": "lime"}', JSON, 400, "method"),
    ("not JSON", "POST", "/predict", b"sentence=fine", {"Content-Type": "application/x-www-form-urlencoded"},
     415, "JSON body"),
    ("over the limit", "POST", "/predict", b'{"sentence": "' + b"a" * LIMIT + b'"}', JSON, 413, "over the limit"),
    ("over the limit, chunked", "POST", "/predict", iter([b'{"sentence": "', b"a" * LIMIT, b'"}']),
     {**JSON, "Transfer-Encoding": "chunked"}, 413, "over the limit"),
    ("an unknown route", "GET", "/nowhere", None, {}, 404, "Not Found"),
    ("a wrong method", "GET", "/predict", None, {}, 405, "Method Not Allowed"),
    ("a wrong method on /", "DELETE", "/", None, {}, 405, "Method Not Allowed"),
]


@pytest.mark.parametrize("name, method, path, body, headers, status, words", BAD, ids=[row[0] for row in BAD])
def test_bad_request_gets_a_4xx_and_the_server_goes_on(url, name, method, path, body, headers, status, words):
    one_line_error(*call(url, method, path, body, headers), status, words)
    good_request_works(url)


def test_too_many_inputs(url):
    one_line_error(*call(url, "POST", "/predict", [{"sentence": "a"}] * 257), 400, "at most 256")
    one_line_error(*call(url, "POST", "/interpret", [{"sentence": "a"}] * 17), 400, "at most 16")
    good_request_works(url)


def test_a_sentence_over_max_tokens_is_truncated_and_flagged(url, lstm_predictor):
    limit = lstm_predictor.max_tokens
    for path in ("/predict", "/interpret"):
        status, _, data = call(url, "POST", path, {"tokens": ["fine"] * (limit + 10)})
        output = json.loads(data)
        assert status == 200 and output["truncated"] is True and len(output["tokens"]) == limit
    assert len(output["saliency"]) == limit
    status, _, data = call(url, "POST", "/predict", {"tokens": ["fine"] * limit})
    assert json.loads(data)["truncated"] is False


def test_a_client_that_stops_sending_is_cut_off(url):
    host, port = url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as stalled:
        stalled.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100\r\n\r\n{\"sentence\": ")  # then nothing more
        start = time.monotonic()
        good_request_works(url)  # others are served meanwhile
        assert stalled.recv(1000) == b""  # closed by the server: no response, no hang
        assert time.monotonic() - start < 20
    good_request_works(url)


def test_predict_and_interpret_outputs(url):
    status, _, data = call(url, "POST", "/predict", [{"sentence": "A fine film."}, {"tokens": ["Dull", "."]}])
    outputs = json.loads(data)
    assert status == 200
    assert [output["tokens"] for output in outputs] == [["A", "fine", "film", "."], ["Dull", "."]]
    for output in outputs:
        assert set(output) >= {"label", "label_probs", "tokens", "probs", "logits", "labels", "truncated"}
        assert sum(output["label_probs"].values()) == pytest.approx(1.0, abs=1e-5)
    for method in ("simple_gradient", "integrated_gradient", "smooth_gradient"):
        status, _, data = call(url, "POST", "/interpret", {"sentence": "A fine film.", "method": method})
        output = json.loads(data)
        assert status == 200 and output["saliency_method"] == method
        assert len(output["saliency"]) == len(output["tokens"]) == 4
    status, _, data = call(url, "GET", "/health")
    health = json.loads(data)
    assert status == 200 and health["status"] == "ok"
    assert health["batching"]["requests"] == 1  # explanations run on their own copy of the model
    assert health["explanations"] == {"max_in_flight": 4, "in_flight": 0, "refused": 0}


def test_the_page_and_every_file_it_uses_come_from_the_server(url):
    status, content_type, page = call(url, "GET", "/")
    assert status == 200 and content_type.startswith("text/html")
    used = re.findall(rb'(?:src|href)="([^"]+)"', page)
    assert used and all(path.startswith(b"/static/") for path in used)
    for path in used:
        status, _, _ = call(url, "GET", path.decode())
        assert status == 200
    for file in Path(STATIC).iterdir():  # no CDN, no outside address: works offline
        assert not re.search(r"https?://", file.read_text(encoding="utf-8")), file


def test_a_bug_is_a_one_line_500_and_the_server_goes_on(lstm_predictor):
    service = PredictionService(lstm_predictor)
    real = service.batcher._predict_batch

    def sometimes_broken(rows):
        if any("crash" in row.get("sentence", "") for row in rows):
            raise RuntimeError("a bug\nwith a second line")
        return real(rows)

    service.batcher._predict_batch = sometimes_broken
    with serving(service) as url:
        status, content_type, data = call(url, "POST", "/predict", {"sentence": "crash now"})
        one_line_error(status, content_type, data, 500, r"internal error \(RuntimeError\)")
        assert b"second line" not in data
        good_request_works(url)


def test_a_prediction_that_takes_too_long_is_a_503(lstm_predictor, monkeypatch):
    import sst_elmo.serving.service as service_module

    monkeypatch.setattr(service_module, "PREDICT_TIMEOUT", 0.2)
    service = PredictionService(lstm_predictor)
    real = service.batcher._predict_batch

    def slow(rows):
        time.sleep(1.0)
        return real(rows)

    service.batcher._predict_batch = slow
    with serving(service) as url:
        one_line_error(*call(url, "POST", "/predict", {"sentence": "Slow ."}), 503, "busy")


def test_skip_bad_lines_from_predictor_args_does_not_hide_a_bad_input(lstm_predictor):
    from sst_elmo.common.errors import InputError

    lstm_predictor.skip_bad_lines = True  # as --predictor-args '{"skip_bad_lines": true}' sets it
    service = PredictionService(lstm_predictor)
    try:
        with pytest.raises(InputError, match="no tokens"):
            service.predict({"sentence": ""})
    finally:
        service.close(5)


def test_a_host_name_listens_on_one_address(lstm_predictor):
    import ipaddress
    import threading

    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer

    service = PredictionService(lstm_predictor)
    server = DrainingServer(make_app(service), "localhost", 0)
    assert ipaddress.ip_address(server.host).is_loopback
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    server.stop()
    thread.join(10)
    service.close(5)
    assert not thread.is_alive()


def test_stop_after_the_loop_has_drained_writes_to_no_closed_descriptor(lstm_predictor):
    # The race of `stop`: its event is seen by the loop, which drains and closes waitress's
    # trigger, before `stop` pulls the trigger. Played in order here: the loop stops first.
    import threading

    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer

    service = PredictionService(lstm_predictor)
    server = DrainingServer(make_app(service), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"drain_timeout": 1}, daemon=True)
    thread.start()
    server._stop.set()  # the first half of stop(), as the loop sees it
    thread.join(10)
    assert not thread.is_alive()
    server.stop()  # was OSError: [Errno 9] Bad file descriptor, or a write to a reused descriptor
    service.close(5)


@pytest.mark.parametrize("size", [8 * 1024 * 1024, 200 * 1024], ids=["8 MiB", "200 KiB"])
def test_a_body_over_the_limit_is_a_413_that_urllib_reads(lstm_predictor, size):
    # urllib sends the whole body before it reads: a server that answers and closes at once
    # gives it a connection reset instead of the 413.
    import urllib.error
    import urllib.request

    with serving(PredictionService(lstm_predictor), max_body=LIMIT) as base:
        body = b'{"sentence": "' + b"a" * size + b'"}'
        request = urllib.request.Request(base + "/predict", data=body, headers=JSON, method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=30)
        assert caught.value.code == 413
        assert f"over the limit of {LIMIT} bytes" in json.loads(caught.value.read())["error"]
        good_request_works(base)


def test_a_body_over_the_read_bound_gets_the_413_at_once(lstm_predictor):
    with serving(PredictionService(lstm_predictor), max_body=LIMIT, body_read_bound=2 * LIMIT) as base:
        host, port = base[len("http://"):].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as client:
            client.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 100000000\r\n\r\n")  # announced, never sent
            head = b""
            while chunk := client.recv(4096):  # to the server's close
                head += chunk
        assert head.startswith(b"HTTP/1.1 413") and f"limit of {LIMIT} bytes".encode() in head
        assert b'"code": "too_large"' in head
        good_request_works(base)


def _half_sent(base, count):
    host, port = base[len("http://"):].split(":")
    clients = []
    for _ in range(count):
        client = socket.create_connection((host, int(port)), timeout=30)
        client.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-")  # half a header, then nothing
        clients.append(client)
    return clients


def test_200_half_sent_requests_do_not_keep_a_normal_one_waiting(lstm_predictor):
    # waitress's default connection limit (100) kept the 101st client out until the idle
    # connections timed out.
    with serving(PredictionService(lstm_predictor), header_timeout=60, channel_timeout=60) as base:
        good_request_works(base)  # warm
        stalled = _half_sent(base, 200)
        try:
            start = time.monotonic()
            good_request_works(base)
            assert time.monotonic() - start < 1.0
        finally:
            for client in stalled:
                client.close()


def test_the_header_timeout_closes_half_sent_requests(lstm_predictor):
    with serving(PredictionService(lstm_predictor), header_timeout=1, channel_timeout=60) as base:
        stalled = _half_sent(base, 20)
        start = time.monotonic()
        try:
            for client in stalled:
                client.settimeout(10)
                assert client.recv(100) == b""  # closed, no answer
            assert time.monotonic() - start < 5  # the timeout and one cleanup interval (1 s)
        finally:
            for client in stalled:
                client.close()
        good_request_works(base)


def test_interpret_has_a_work_budget(url, lstm_predictor):
    from sst_elmo.serving.service import MAX_INTERPRET_WORK

    tokens = ["fine"] * (MAX_INTERPRET_WORK // 10 + 1)
    reply = call(url, "POST", "/interpret", {"tokens": tokens, "method": "integrated_gradient"})
    one_line_error(*reply, 400, r"^This text is too long to explain with integrated gradient \(65 words; at most "
                   r"64\)\. Try a shorter text, or the signed gradient method\.$")
    assert json.loads(reply[2]) == {  # the same facts for programs
        "error": json.loads(reply[2])["error"], "code": "too_long_to_explain", "input": 1,
        "method": "integrated_gradient", "tokens": 65, "max_tokens": 64, "work": 650,
        "max_work": MAX_INTERPRET_WORK}
    one_line_error(*call(url, "POST", "/interpret", [{"sentence": "ok"}, {"tokens": ["a"] * 81,
                                                                         "method": "leave_one_out"}]),
                   400, r"^Input 2 is too long to explain with leave-one-out \(81 words; at most 80\)")
    status, _, data = call(url, "POST", "/interpret", {"tokens": ["a"] * 50, "method": "leave_one_out"})
    assert status == 200 and json.loads(data)["saliency_signed"] is True
    good_request_works(url)


def test_a_predict_during_a_long_interpret_does_not_wait_for_it(lstm_predictor):
    # Each input's interpretation holds the explanations' copy of the model for 0.3 s here; 16 of
    # them take about 5 s. Predictions run on the served model, and never wait for that lock.
    import threading

    service = PredictionService(lstm_predictor, max_batch_delay_ms=0)
    interpreter = service.saliency._interpreters["simple_gradient"]
    real = interpreter.saliency_interpret_from_json

    def slow(inputs):  # runs under the lock, as every interpreter does
        time.sleep(0.3)
        return real(inputs)

    interpreter.saliency_interpret_from_json = slow
    with serving(service) as base:
        good_request_works(base)
        heavy = threading.Thread(target=call, args=(base, "POST", "/interpret", [{"sentence": "Fine ."}] * 16))
        heavy.start()
        time.sleep(1.0)  # well inside the interpretation
        start = time.monotonic()
        good_request_works(base)
        waited = time.monotonic() - start
        assert heavy.is_alive(), "the interpretation finished before the prediction was sent"
        heavy.join(30)
    assert waited < 1.0, f"the prediction waited {waited:.2f} s"


DIGITS = b"9" * 100_000
HUGE_NUMBERS = [
    (b'{"sentence": ' + DIGITS + b"}", r'^request: "sentence" must be a string, not a number$'),
    (b'{"sentence": -' + DIGITS + b"." + DIGITS + b"e99999}", '"sentence" must be a string, not a number'),
    (b'{"tokens": ["fine", ' + DIGITS + b"]}", r'"tokens" must be a list of strings; "tokens"\[1\] is a number'),
    (b'{"sentence": "ok", "pad": ' + DIGITS + b"}", "unknown field 'pad'"),
    (b'[{"sentence": "ok"}, {"sentence": 1e999}]', 'request:2: "sentence" must be a string, not a number'),
    (b'{"sentence": NaN}', '"sentence" must be a string, not a number'),
    (DIGITS, "expected a JSON object, not a number"),
]


@pytest.mark.parametrize("body, words", HUGE_NUMBERS, ids=[str(number) for number in range(len(HUGE_NUMBERS))])
def test_a_huge_number_anywhere_is_a_400_naming_its_field(lstm_predictor, body, words):
    # Was a 500: Python refuses to read integers of over 4,300 digits (ValueError).
    with serving(PredictionService(lstm_predictor)) as base:
        for path in ("/predict", "/interpret"):
            one_line_error(*call(base, "POST", path, body, JSON), 400, words)
        good_request_works(base)


def test_unknown_fields_are_refused_with_details_for_programs(url):
    status, _, data = call(url, "POST", "/interpret", {"sentence": "ok", "pad": "x" * 10_000})
    answer = json.loads(data)
    assert status == 400 and answer["code"] == "unknown_field" and answer["field"] == "pad"
    assert answer["accepted"] == ["tokens", "sentence", "text", "method"]
    status, _, data = call(url, "POST", "/predict", {"sentence": "ok", "p" * 5000: 1})
    assert status == 400 and len(json.loads(data)["error"]) < 200  # a long name is shortened

