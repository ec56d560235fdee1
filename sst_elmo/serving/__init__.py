"""
Serving a model archive over HTTP (`allennlp sst-serve`; see docs/serving.md): the Flask
app (`app`), dynamic batching (`batcher`), saliency from AllenNLP Interpret (`saliency`),
the request checks (`service`), waitress with a clean SIGTERM stop (`server`), the page
(`static/`), and the load test behind `scripts/bench_serve.py` (`load_test`).

Importing this package imports neither Flask nor waitress (every `allennlp` command
registers `sst-serve`); the modules do.
"""
# The largest request body accepted (bytes); larger ones get a 413.
DEFAULT_MAX_BODY = 1024 * 1024
# Seconds a connection may stay silent (also mid-request) before it is closed.
DEFAULT_CHANNEL_TIMEOUT = 30
# Seconds the server waits, after SIGTERM, for requests in flight.
DEFAULT_DRAIN_TIMEOUT = 30.0
