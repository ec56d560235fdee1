"""
The heaviest requests `allennlp sst-serve` allows (the logic of `scripts/bench_heavy.py`): each
`/interpret` method and `/attack` at its work budget, on a served archive, timed, while a client
sends a `/predict` every 0.2 s; the slowest of those predictions is the figure that the work
budget and the fair lock bound. No assertions: prints a JSON line per request and a table.
"""
import argparse
import json
import threading
import time
from typing import Any, Dict, List, Optional

from sst_elmo.benchmarks.load_test import run_load
from sst_elmo.benchmarks.predict_speed import thread_env
from sst_elmo.benchmarks.serve_speed import ServerProcess
from sst_elmo.predictors.sentence_classifier import DEFAULT_MAX_TOKENS
from sst_elmo.serving.attack import MAX_ATTACK_WORK
from sst_elmo.serving.saliency import LEAVE_ONE_OUT_SHARE
from sst_elmo.serving.service import MAX_INTERPRET_INPUTS, MAX_INTERPRET_WORK

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


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="sst2", help="an archive, or a shipped classifier's name")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the server")
    parser.add_argument("--log", default="/tmp/bench_heavy_server.log")
    args = parser.parse_args(argv)
    server = ServerProcess(args.archive, ["--cache-size", "0"], args.log, thread_env(args.threads))
    rows = []
    try:
        url = server.url.rstrip("/")
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
