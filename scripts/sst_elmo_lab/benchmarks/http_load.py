"""
A bounded HTTP load test for `allennlp sst-serve`: concurrent clients post JSON bodies and
time each request (the logic of `scripts/bench_serve.py`). Loopback only: it refuses a host
that is not a loopback address.
"""
import http.client
import ipaddress
import json
import math
import socket
import statistics
import threading
import time
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import urlsplit


def _loopback(host: str) -> bool:
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback
                   for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP))
    except (OSError, ValueError):
        return False


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile of `values` (nearest rank); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def run_load(url: str, bodies: Sequence[Any], clients: int, requests: int, time_limit: float,
             path: str = "/predict", timeout: float = 60.0) -> Dict[str, Any]:
    """
    `clients` threads, each on its own keep-alive connection, post `bodies` (in turn, cycling)
    to `url + path` until `requests` requests have been sent in all or `time_limit` seconds
    have passed. A request fails when it raises, times out (`timeout`) or answers anything but
    200 with a JSON body. Returns `{"clients", "requests", "failures", "seconds",
    "requests_per_s", "p50_ms", "p99_ms", "first_failure"}` (latencies of the successful requests).
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if not _loopback(host):
        raise ValueError(f"the load test runs on loopback only, not {host}")
    encoded = [json.dumps(body).encode("utf-8") for body in bodies]
    lock = threading.Lock()
    state = {"next": 0, "failures": 0}
    latencies: List[float] = []
    failures: List[str] = []
    deadline = time.monotonic() + time_limit

    def claim() -> Optional[int]:
        with lock:
            if state["next"] >= requests or time.monotonic() >= deadline:
                return None
            state["next"] += 1
            return state["next"] - 1

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        while True:
            index = claim()
            if index is None:
                break
            start = time.perf_counter()
            try:
                connection.request("POST", path, encoded[index % len(encoded)],
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                json.loads(data)
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
            except Exception as error:  # noqa: B902 - every failure counts, and the client goes on
                with lock:
                    failures.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(time_limit + timeout + 5)
    seconds = time.perf_counter() - start
    done = len(latencies)
    return {
        "clients": clients, "requests": done + len(failures), "failures": len(failures),
        "seconds": seconds, "requests_per_s": done / seconds if seconds > 0 else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.50), "p99_ms": 1000 * percentile(latencies, 0.99),
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else float("nan"),
        "first_failure": failures[0] if failures else None,
    }
