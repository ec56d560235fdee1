"""
`ServerMetrics`: what `GET /metrics` shows, in the Prometheus text format, from
`prometheus_client` (one registry per server, so that several servers in a process, as in the
tests, keep their own counts). prometheus_client (the `serve` extra) is imported when a
`ServerMetrics` is made, not with the module.
"""

# Seconds: from a fast cached answer to a long /interpret.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class ServerMetrics:
    """
    The server's counters and histograms:

    - `sst_serve_requests_total{endpoint, status}`: requests answered;
    - `sst_serve_request_seconds{endpoint}`: time to answer (a histogram);
    - `sst_serve_batch_rows`: rows per forward pass (a histogram);
    - `sst_serve_cache_hits_total{endpoint}`, `sst_serve_cache_misses_total{endpoint}`;
    - `sst_serve_cache_entries`, `sst_serve_cache_bytes`: answers in the cache now, and the bytes
      of their keys and answers.

    `endpoint` is the route (`/predict`, ...) or `other` for a path that is no route, so that
    a client cannot add labels without bound.
    """

    def __init__(self) -> None:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram

        # The content type of `exposition`.
        self.content_type = CONTENT_TYPE_LATEST
        self.registry = CollectorRegistry()
        self.requests = Counter("sst_serve_requests", "Requests answered, by endpoint and status",
                                ["endpoint", "status"], registry=self.registry)
        self.latency = Histogram("sst_serve_request_seconds", "Seconds to answer a request, by endpoint",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_rows = Histogram("sst_serve_batch_rows", "Rows in one forward pass",
                                    buckets=BATCH_BUCKETS, registry=self.registry)
        self.cache_hits = Counter("sst_serve_cache_hits", "Answers given from the cache, by endpoint",
                                  ["endpoint"], registry=self.registry)
        self.cache_misses = Counter("sst_serve_cache_misses", "Answers computed (not in the cache), by endpoint",
                                    ["endpoint"], registry=self.registry)
        self.cache_entries = Gauge("sst_serve_cache_entries", "Answers in the cache", registry=self.registry)
        self.cache_bytes = Gauge("sst_serve_cache_bytes", "Bytes of the cache's keys and answers",
                                 registry=self.registry)

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def observe_cache(self, endpoint: str, hit: bool) -> None:
        (self.cache_hits if hit else self.cache_misses).labels(endpoint).inc()

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format (its content type: `content_type`)."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
