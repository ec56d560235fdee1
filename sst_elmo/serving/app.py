"""
The WSGI application of `allennlp sst-serve` (Flask): the JSON endpoints and the page.

    POST /predict     {"sentence": ...} | {"tokens": [...]} | a list of them
    POST /interpret   the same (optionally "method"), with per-token saliency
    POST /attack      one input (optionally "method"): input reduction or HotFlip
    GET  /metrics     the Prometheus text format
    GET  /health      {"status": "ok", ...}
    GET  /            the page (static/index.html; every file it uses comes from here)

Every error is a JSON object `{"error": "one line", "code": "...", ...}` with a 4xx status (a
500 only for a bug, logged, its message never showing a traceback); `code` and the other keys
are for programs. Every input is checked first (`request_checks`: known fields only, each of
its type). With an `auth_token`, every endpoint but the page and `/health` needs
`Authorization: Bearer TOKEN` (else 401). The answers come from an LRU cache when a request
with the same fields came before (`X-Cache-Hit: 1`). Explanations past the limit in flight get
a 429 with `Retry-After`.

Flask (the `serve` extra, with werkzeug) is imported by `make_app`, not with the module:
`--include-package sst_elmo` imports every module, and needs no extra.
"""
import hmac
import json
import logging
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple

from sst_elmo.common.errors import InputError
from sst_elmo.safety.limits import json_depth
from sst_elmo.serving import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_CACHE_SIZE,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_JSON_DEPTH,
    require_serve_extra,
)
from sst_elmo.serving.answer_cache import AnswerCache
from sst_elmo.serving.metrics import ServerMetrics
from sst_elmo.serving.request_checks import RequestError, cache_key, checked_body, error_body, parse_json
from sst_elmo.serving.service import PredictionService

if TYPE_CHECKING:
    from flask import Flask, Response

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def _error(status: int, message: str, code: str) -> Tuple["Response", int]:
    from flask import jsonify

    text = " ".join(str(message).split())  # one line
    return jsonify(error=text[:1000], code=code), status


def _json_body() -> Any:
    """
    The request's JSON (415 without a JSON content type, 400 for a body that does not parse or
    nests deeper than `DEFAULT_MAX_JSON_DEPTH`: counted before parsing, so a body of 100,000
    `[` is a 400, never a `RecursionError`). Numbers are read as floats (`parse_json`).
    """
    from flask import abort, request

    if not request.is_json:
        abort(415, "expected a JSON body (Content-Type: application/json)")
    data = request.get_data(cache=False)
    if not data.strip():
        raise InputError("an empty body: expected a JSON object or a list of them", "request")
    try:
        text = data.decode("utf-8")
        depth = json_depth(text)
        if depth > DEFAULT_MAX_JSON_DEPTH:
            raise InputError(f"nested {depth:,} deep: at most {DEFAULT_MAX_JSON_DEPTH} levels", "request")
        return parse_json(text)
    except RecursionError:
        raise InputError(f"nested too deep: at most {DEFAULT_MAX_JSON_DEPTH} levels", "request") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = getattr(error, "msg", None) or "not UTF-8"
        raise InputError(f"not valid JSON ({reason})", "request") from None


# The endpoints anyone may call when the server has a token: the page and what it loads, /health.
OPEN_ENDPOINTS = frozenset({"page", "static", "health"})


def _authorized(token: str) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (compared in constant time)."""
    from flask import request

    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _cached_answer(endpoint: str, compute: Callable[[Any], Any], cache: AnswerCache,
                   metrics: ServerMetrics) -> "Response":
    """
    The JSON answer of `compute(body)` for the checked body, from `cache` when a body with the
    same fields came before (the key: `cache_key`, from the checked fields alone).
    """
    from flask import Response

    body = checked_body(_json_body(), endpoint)
    key = cache_key(endpoint, body)
    answer = cache.get(key) if cache.size else None
    hit = answer is not None
    if answer is None:
        answer = json.dumps(compute(body)).encode("utf-8")
        cache.put(key, answer)
    if cache.size:
        metrics.observe_cache(endpoint, hit)
        metrics.cache_entries.set(len(cache))
        metrics.cache_bytes.set(cache.bytes)
    response = Response(answer, mimetype="application/json")
    response.headers["X-Cache-Hit"] = "1" if hit else "0"
    return response


def _add_error_handlers(app: "Flask", max_body: int) -> None:
    """Every error as one-line JSON with a `code` (`RequestError`s with their details)."""
    from flask import jsonify, request
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(RequestError)
    def refused(error: RequestError):
        response = jsonify(error_body(error))
        if "retry_after" in error.details:
            response.headers["Retry-After"] = str(error.details["retry_after"])
        return response, error.status

    @app.errorhandler(InputError)
    def bad_input(error: InputError):
        return _error(400, str(error), "bad_input")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 413:
            return _error(413, f"the request body is over the limit of {max_body} bytes", "too_large")
        if error.code == 415:
            return _error(415, str(error.description), "not_json")
        code = "_".join(error.name.lower().split())  # not_found, method_not_allowed
        return _error(error.code or 400, f"{error.name}: {error.description}", code)

    @app.errorhandler(TimeoutError)
    def busy(error: TimeoutError):
        return _error(503, f"The server is too busy to answer now ({error}). Try again in a minute.", "timeout")

    @app.errorhandler(Exception)
    def bug(error: Exception):
        logger.exception("error serving %s %s", request.method, request.path)
        return _error(500, f"internal error ({type(error).__name__}); see the server's log", "internal")


def make_app(service: PredictionService, max_body: int = DEFAULT_MAX_BODY, cache_size: int = DEFAULT_CACHE_SIZE,
             auth_token: Optional[str] = None, cache_bytes: int = DEFAULT_CACHE_BYTES) -> "Flask":
    """
    The Flask app serving `service`: bodies over `max_body` bytes get a 413; up to `cache_size`
    answers and `cache_bytes` bytes are cached (`0`: none); with `auth_token`, requests need it
    as a bearer token.
    """
    require_serve_extra()
    from flask import Flask, Response, g, jsonify, request

    app = Flask(__name__, static_folder=STATIC, static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.json.sort_keys = False
    cache = AnswerCache(cache_size, cache_bytes)
    metrics = ServerMetrics()
    service.observe_batches(metrics.batch_rows.observe)

    @app.before_request
    def check_token() -> Optional[Tuple[Response, int]]:
        g.start = time.perf_counter()
        if auth_token and request.endpoint not in OPEN_ENDPOINTS and not _authorized(auth_token):
            response, status = _error(401, "This server needs a token: send Authorization: Bearer TOKEN (on the "
                                      "page, type it in the Token box).", "needs_token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="sst-serve"'
            return response, status
        return None

    @app.after_request
    def count(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule is not None else "other"
        seconds = time.perf_counter() - g.get("start", time.perf_counter())
        metrics.observe_request(endpoint, response.status_code, seconds)
        return response

    @app.get("/")
    def page() -> Response:
        return app.send_static_file("index.html")

    @app.get("/health")
    def health() -> Response:
        return jsonify({**service.health(), "auth": bool(auth_token),
                        "cache": {"size": cache.size, "entries": len(cache), "bytes": cache.bytes,
                                  "max_bytes": cache.max_bytes}})

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), content_type=metrics.content_type)

    @app.post("/predict")
    def predict() -> Response:
        return _cached_answer("/predict", service.predict, cache, metrics)

    @app.post("/interpret")
    def interpret() -> Response:
        return _cached_answer("/interpret", service.interpret, cache, metrics)

    @app.post("/attack")
    def attack() -> Response:
        return _cached_answer("/attack", service.attack, cache, metrics)

    _add_error_handlers(app, max_body)
    return app
