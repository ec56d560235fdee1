"""
Serving a model archive over HTTP (`allennlp sst-serve`; see docs/serving.md): the Flask
app (`app`), dynamic batching (`batcher`), saliency from AllenNLP Interpret (`saliency`),
the request checks (`service`), waitress with a clean SIGTERM stop (`server`), the page
(`static/`). The load test behind `scripts/bench_serve.py` is `sst_elmo_lab.benchmarks.http_load`.

The serving defaults live here, once; the modules and `sst-serve` read them.

Flask, waitress and prometheus_client are the `serve` extra (`pip install 'sst_elmo[serve]'`):
no module here imports them before a server is made, so `import sst_elmo` and
`--include-package sst_elmo` (which imports every module) work without them, and
`allennlp sst-serve` without them stops at once with one line naming the extra
(`require_serve_extra`).
"""
from typing import Tuple

# The packages of the `serve` extra, as imported, and how to install them.
SERVE_PACKAGES: Tuple[str, ...] = ("flask", "waitress", "prometheus_client")
SERVE_EXTRA = "pip install 'sst_elmo[serve]'"


def require_serve_extra() -> None:
    """An `InputError` (one line, naming `SERVE_EXTRA`) unless every package of `SERVE_PACKAGES` imports."""
    import importlib

    missing = []
    for name in SERVE_PACKAGES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            missing.append(name)
    if missing:
        from sst_elmo.common.errors import InputError

        raise InputError(f"serving needs the serve extra ({', '.join(missing)} missing): {SERVE_EXTRA}",
                         "sst-serve")


# Inputs predicted together at most, and how long (ms) a request waits for others to batch with.
DEFAULT_MAX_BATCH_SIZE = 32
DEFAULT_MAX_BATCH_DELAY_MS = 5.0
# Worker threads of the HTTP server.
DEFAULT_THREADS = 32
# How deeply lists and objects may nest in a request body; deeper ones get a 400.
DEFAULT_MAX_JSON_DEPTH = 32
# The largest request body accepted (bytes); larger ones get a 413.
DEFAULT_MAX_BODY = 1024 * 1024
# A body over the limit is still read (to disk, by the I/O loop) up to this many bytes, so that
# a client that sends it all before reading (Python's urllib, requests) gets the 413; beyond
# this bound the 413 is sent at once and the connection closed.
DEFAULT_BODY_READ_BOUND = 64 * 1024 * 1024
# Connections open at once; more wait in the listen backlog.
DEFAULT_CONNECTION_LIMIT = 1000
# Seconds a connection may take, from its opening or its last answer, to send a request's headers.
DEFAULT_HEADER_TIMEOUT = 10
# Seconds a connection may stay silent (also mid-request) before it is closed.
DEFAULT_CHANNEL_TIMEOUT = 30
# Answers kept by the LRU answer cache (0: off); the bytes it keeps at most, keys and answers
# counted; and the largest entry (key and answer) it keeps.
DEFAULT_CACHE_SIZE = 1024
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
DEFAULT_CACHE_ENTRY_BYTES = 64 * 1024
# Explanations (/interpret and /attack requests) admitted at once: one runs, on a copy of the
# model, the others wait their turn, each holding a request thread; more get a 429.
DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT = 4
# Seconds the server waits, after SIGTERM, for requests in flight.
DEFAULT_DRAIN_TIMEOUT = 30.0
