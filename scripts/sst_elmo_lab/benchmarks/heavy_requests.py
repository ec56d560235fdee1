"""
The heaviest requests `allennlp sst-serve` allows (the logic of `scripts/bench_heavy.py`): each
`/interpret` method and `/attack` at its work budget, on a served archive, timed, while a client
sends a `/predict` every 0.2 s; the slowest of those predictions is the figure that the work
budget and the fair lock bound. No assertions: prints a JSON line per request and a table.

`--saturate CLIENTS` measures instead many explanations at once: CLIENTS clients each send an
`/interpret` of `--tokens` tokens again as soon as it is answered (after a 429, when its
`Retry-After` says) for `--seconds`, beside a `/predict` every 0.2 s, with the server's
`--max-explanations-in-flight` as given.

`--memory N` reads the server's resident memory, its private part (`RssAnon`: the heap) and its
mapped files (`RssFile`: the activation cache among them), after each of N `/interpret` requests
of `--tokens` tokens of sentences new to the server, then after each of N of three sentences it
has seen (the answer cache is off, so each reaches the model).
"""
import argparse
import http.client
import json
import threading
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from sst_elmo.predictors.sentence_classifier import DEFAULT_MAX_TOKENS
from sst_elmo.serving.attack import MAX_ATTACK_WORK
from sst_elmo.serving.saliency import LEAVE_ONE_OUT_SHARE
from sst_elmo.serving.service import MAX_INTERPRET_INPUTS, MAX_INTERPRET_WORK
from sst_elmo_lab.benchmarks.http_load import run_load
from sst_elmo_lab.benchmarks.predict_speed import thread_env
from sst_elmo_lab.benchmarks.serve_speed import ServerProcess
from sst_elmo_lab.benchmarks.soak import resident_mib

WORDS = "a gorgeous witty film whose plot is dull but whose acting never lets you go".split()


def _tokens(count: int) -> List[str]:
    return [WORDS[i % len(WORDS)] for i in range(count)]


def heavy_bodies() -> Dict[str, Any]:
    """The heaviest body of each kind, by name."""
    bodies: Dict[str, Any] = {}
    for method, passes in (("simple_gradient", 1), ("signed_gradient", 1), ("integrated_gradient", 10)):
        count = min(MAX_INTERPRET_WORK // passes, DEFAULT_MAX_TOKENS)  # longer inputs are truncated
        bodies[f"/interpret {method}, {MAX_INTERPRET_INPUTS} x {count} tokens"] = [
            {"tokens": _tokens(count), "method": method}] * MAX_INTERPRET_INPUTS
    loo = int((MAX_INTERPRET_WORK * LEAVE_ONE_OUT_SHARE) ** 0.5)
    bodies[f"/interpret leave_one_out, {MAX_INTERPRET_INPUTS} x {loo} tokens"] = [
        {"tokens": _tokens(loo), "method": "leave_one_out"}] * MAX_INTERPRET_INPUTS
    words = int(MAX_ATTACK_WORK ** 0.5)
    for method in ("input_reduction", "hotflip"):
        bodies[f"/attack {method}, {words} tokens"] = {"tokens": _tokens(words), "method": method}
    return bodies


def measure(url: str, name: str, body: Any) -> Dict[str, Any]:
    """Times `body` while predictions run beside it; `{"request", "seconds", "predict_max_ms", ...}`."""
    path = name.split()[0]
    done = threading.Event()
    latencies: List[float] = []

    def predictions() -> None:
        while not done.is_set():
            row = run_load(url, [{"sentence": f"A fine film, number {len(latencies)}."}], 1, 1, 30.0)
            latencies.append(row["mean_ms"])
            time.sleep(0.2)

    side = threading.Thread(target=predictions, daemon=True)
    start = time.perf_counter()
    side.start()
    result = run_load(url, [body], 1, 1, 600.0, path=path, timeout=600.0)
    seconds = time.perf_counter() - start
    done.set()
    side.join(60)
    return {"request": name, "seconds": seconds, "failures": result["failures"], "predictions": len(latencies),
            "predict_max_ms": max(latencies) if latencies else float("nan"),
            "first_failure": result["first_failure"]}


def _post(url: str, path: str, body: Any, timeout: float = 600.0) -> tuple:
    """`(status, Retry-After)` of a JSON POST to `url + path` (loopback)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def saturate(url: str, clients: int, tokens: int, method: str, seconds: float) -> Dict[str, Any]:
    """
    `clients` clients explaining `tokens` tokens with `method` for `seconds` (each again when
    answered, or after a 429 when `Retry-After` says), beside a timed `/predict` every 0.2 s.
    """
    stop = threading.Event()
    statuses: List[int] = []

    def client(number: int) -> None:
        while not stop.is_set():
            status, retry_after = _post(url, "/interpret", {"tokens": [f"w{number}"] + _tokens(tokens - 1),
                                                             "method": method})
            statuses.append(status)
            if status == 429:
                stop.wait(float(retry_after or 1))

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    latencies: List[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.2)
        start = time.perf_counter()
        _post(url, "/predict", {"sentence": f"A fine film, number {len(latencies)}."})
        latencies.append(1000 * (time.perf_counter() - start))
    stop.set()
    for thread in threads:
        thread.join(600)
    latencies.sort()
    return {"clients": clients, "tokens": tokens, "method": method, "predictions": len(latencies),
            "predict_p50_ms": latencies[len(latencies) // 2], "predict_max_ms": latencies[-1],
            "explanations_answered": statuses.count(200), "explanations_refused": statuses.count(429),
            "other_statuses": sorted({status for status in statuses} - {200, 429})}


def memory(url: str, pid: int, requests: int, tokens: int, method: str) -> List[Dict[str, Any]]:
    """
    The resident memory of process `pid` (MiB) after each of `requests` explanations of new
    sentences, then of `requests` of three seen ones: a row per phase, `anon_mib` and
    `file_mib` (`RssAnon`, `RssFile`) after each request, and the statuses that were not 200.
    """
    rows = []
    for phase in ("new sentences", "seen sentences"):
        anon, mapped, failed = [], [], []
        for number in range(requests):
            first = f"new{number if phase == 'new sentences' else number % 3}"  # the first words seen first
            status, _ = _post(url, "/interpret", {"tokens": [first] + _tokens(tokens - 1), "method": method})
            if status != 200:
                failed.append(status)
            anon.append(round(resident_mib(pid, "RssAnon"), 1))
            mapped.append(round(resident_mib(pid, "RssFile"), 1))
        rows.append({"phase": phase, "requests": requests, "tokens": tokens, "method": method,
                     "anon_mib": anon, "file_mib": mapped, "failed": failed})
    return rows


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="sst2", help="an archive, or a shipped classifier's name")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the server")
    parser.add_argument("--log", default="/tmp/bench_heavy_server.log")
    parser.add_argument("--saturate", type=int, metavar="CLIENTS", help="measure CLIENTS explanations at once")
    parser.add_argument("--tokens", type=int, default=400, help="tokens of an explanation (--saturate, --memory)")
    parser.add_argument("--method", default="simple_gradient", help="their method (--saturate, --memory)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long (--saturate)")
    parser.add_argument("--max-explanations-in-flight", type=int, help="the server's (its default if not given)")
    parser.add_argument("--memory", type=int, metavar="N", help="read the server's memory over N explanations")
    args = parser.parse_args(argv)
    extra = ["--cache-size", "0"]
    if args.max_explanations_in_flight is not None:
        extra += ["--max-explanations-in-flight", str(args.max_explanations_in_flight)]
    server = ServerProcess(args.archive, extra, args.log, thread_env(args.threads))
    rows = []
    try:
        url = server.url.rstrip("/")
        if args.memory:
            _post(url, "/predict", {"sentence": "A fine film."})
            pid = server.process.pid
            print(json.dumps({"phase": "started", "anon_mib": round(resident_mib(pid, "RssAnon"), 1),
                              "file_mib": round(resident_mib(pid, "RssFile"), 1)}), flush=True)
            for row in memory(url, pid, args.memory, args.tokens, args.method):
                print(json.dumps(row), flush=True)
            return
        if args.saturate:
            _post(url, "/interpret", {"tokens": _tokens(args.tokens), "method": args.method})  # warm
            row = saturate(url, args.saturate, args.tokens, args.method, args.seconds)
            print(json.dumps({"max_explanations_in_flight": server.health()["explanations"]["max_in_flight"],
                              **row, "server_rss_mib": resident_mib(server.process.pid)}))
            return
        run_load(url, heavy_bodies()[next(iter(heavy_bodies()))][:1], 1, 1, 120.0, path="/interpret")  # warm
        for name, body in heavy_bodies().items():
            row = measure(url, name, body)
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        server.stop()
    print("| request | seconds | /predict beside it: slowest (ms) | failures |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['request']} | {row['seconds']:.1f} | {row['predict_max_ms']:.0f} "
              f"({row['predictions']} requests) | {row['failures']} |")
