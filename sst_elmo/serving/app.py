"""
The WSGI application of `allennlp sst-serve` (Flask): the JSON endpoints and the page.

    POST /predict     {"sentence": ...} | {"tokens": [...]} | a list of them
    POST /interpret   the same (optionally "method"), with per-token saliency
    GET  /health      {"status": "ok", ...}
    GET  /            the page (static/index.html; every file it uses comes from here)

Every error is a JSON object `{"error": "one line"}` with a 4xx status (a 500 only for a
bug, logged, its message never showing a traceback).
"""
import json
import logging
import os
from typing import Any, Tuple

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from sst_elmo.common.errors import InputError
from sst_elmo.safety.limits import json_depth
from sst_elmo.serving import DEFAULT_MAX_BODY, DEFAULT_MAX_JSON_DEPTH
from sst_elmo.serving.service import PredictionService

logger = logging.getLogger(__name__)

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def _error(status: int, message: str) -> Tuple[Response, int]:
    text = " ".join(str(message).split())  # one line
    return jsonify(error=text[:1000]), status


def _json_body() -> Any:
    """
    The request's JSON (415 without a JSON content type, 400 for a body that does not parse or
    nests deeper than `DEFAULT_MAX_JSON_DEPTH`: counted before parsing, so a body of 100,000
    `[` is a 400, never a `RecursionError`).
    """
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
        return json.loads(text)
    except RecursionError:
        raise InputError(f"nested too deep: at most {DEFAULT_MAX_JSON_DEPTH} levels", "request") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = getattr(error, "msg", None) or "not UTF-8"
        raise InputError(f"not valid JSON ({reason})", "request") from None


def make_app(service: PredictionService, max_body: int = DEFAULT_MAX_BODY) -> Flask:
    """The Flask app serving `service` (bodies over `max_body` bytes get a 413)."""
    app = Flask(__name__, static_folder=STATIC, static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.json.sort_keys = False

    @app.get("/")
    def page() -> Response:
        return app.send_static_file("index.html")

    @app.get("/health")
    def health() -> Response:
        return jsonify(service.health())

    @app.post("/predict")
    def predict() -> Response:
        return jsonify(service.predict(_json_body()))

    @app.post("/interpret")
    def interpret() -> Response:
        return jsonify(service.interpret(_json_body()))

    @app.errorhandler(InputError)
    def bad_input(error: InputError):
        return _error(400, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 413:
            return _error(413, f"the request body is over the limit of {max_body} bytes")
        if error.code == 415:
            return _error(415, str(error.description))
        return _error(error.code or 400, f"{error.name}: {error.description}")

    @app.errorhandler(TimeoutError)
    def busy(error: TimeoutError):
        return _error(503, f"the server is busy ({error})")

    @app.errorhandler(Exception)
    def bug(error: Exception):
        logger.exception("error serving %s %s", request.method, request.path)
        return _error(500, f"internal error ({type(error).__name__}); see the server's log")

    return app
