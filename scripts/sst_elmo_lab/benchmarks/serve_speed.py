"""
Serving speed of `allennlp sst-serve`: requests/s and p50/p99 latency at several numbers of
concurrent clients, with batching on and off, for an LSTM model and an ELMo model. Each
server is its own process (`allennlp sst-serve ARCHIVE --port 0`, loopback), driven by
`sst_elmo_lab.benchmarks.http_load.run_load`, and stopped with SIGTERM. The two settings run side
by side, each number of clients against one server and then the other. `scripts/bench_serve.py`
is the script; speed only, no assertions.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sst_elmo.common.config_env import SHARED, SHIPPED_MODELS
from sst_elmo.common.cpu import machine_description
from sst_elmo.common.launch import allennlp_command
from sst_elmo.serving import DEFAULT_MAX_BATCH_DELAY_MS, DEFAULT_MAX_BATCH_SIZE, DEFAULT_THREADS
from sst_elmo_lab.benchmarks.http_load import run_load
from sst_elmo_lab.benchmarks.predict_speed import sst_sentences, thread_env, train_small_models

# The server's `--max-batch-size` for each setting ("off": every request its own forward pass).
BATCHING = {"off": ["--max-batch-size", "1"],
            "on": ["--max-batch-size", str(DEFAULT_MAX_BATCH_SIZE),
                   "--max-batch-delay-ms", str(DEFAULT_MAX_BATCH_DELAY_MS)]}
_LISTENING = re.compile(r"sst-serve: listening on (http://\S+)")


class ServerProcess:
    """`allennlp sst-serve ARCHIVE --port 0 EXTRA...` in a child process, its output in `log_path`."""

    def __init__(self, archive: str, extra: Sequence[str], log_path: str, env: Mapping[str, str],
                 start_timeout: float = 300.0) -> None:
        command = allennlp_command("sst-serve", archive, "--port", "0", *extra)
        self._log = open(log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=dict(env))
        self.url = self._wait_for_url(log_path, start_timeout)

    def _wait_for_url(self, log_path: str, start_timeout: float) -> str:
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                found = _LISTENING.search(handle.read())
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"sst-serve exited ({self.process.returncode}); see {log_path}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"sst-serve did not listen within {start_timeout:.0f} s; see {log_path}")

    def health(self) -> Dict[str, Any]:
        import json

        with urllib.request.urlopen(self.url + "health", timeout=10) as response:  # noqa: S310 - loopback
            return json.load(response)

    def stop(self, timeout: float = 60.0) -> Optional[int]:
        """SIGTERM, then the exit status (killed after `timeout` seconds)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


def serving_rows(name: str, archive: str, sentences: Sequence[str], out_dir: str, env: Mapping[str, str],
                 client_counts: Sequence[int] = (1, 8, 32), requests: int = 2000, time_limit: float = 30.0,
                 threads: int = DEFAULT_THREADS) -> List[Dict[str, Any]]:
    """
    One server per batching setting, both running at once; for each of `client_counts`, one
    `run_load` against each server in turn (so a change in the machine's other load hits both
    alike), of at most `requests` requests and `time_limit` seconds, after 20 warm-up requests.
    Each body is `{"sentence": ...}` from `sentences` in turn; both servers get the same
    sequence. Rows: `run_load`'s result plus `model`, `batching`, `rows_per_batch` (the
    server's mean) and `exit_status` (after SIGTERM).
    """
    os.makedirs(out_dir, exist_ok=True)
    bodies = [{"sentence": sentence} for sentence in sentences]
    servers: Dict[str, ServerProcess] = {}
    rows: List[Dict[str, Any]] = []
    try:
        for batching, extra in BATCHING.items():
            # The answer cache off: the repeated sentences must reach the model.
            servers[batching] = ServerProcess(archive, [*extra, "--threads", str(threads), "--cache-size", "0"],
                                              os.path.join(out_dir, f"{name}_batching_{batching}.log"), env)
            run_load(servers[batching].url, bodies[-20:], 1, 20, time_limit)  # warm-up
        offset = 0
        for clients in client_counts:
            done = 0
            for batching, server in servers.items():
                before = server.health()["batching"]
                result = run_load(server.url, bodies[offset:] + bodies[:offset], clients, requests, time_limit)
                after = server.health()["batching"]
                done = max(done, result["requests"])
                batches = max(1, after["batches"] - before["batches"])
                rows.append({"model": name, "batching": batching, **result,
                             "rows_per_batch": (after["rows"] - before["rows"]) / batches})
            offset = (offset + done) % len(bodies)
    finally:
        statuses = {batching: server.stop() for batching, server in servers.items()}
    for row in rows:
        row["exit_status"] = statuses[row["batching"]]
    return sorted(rows, key=lambda row: (row["batching"], row["clients"]))


def serving_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The Markdown table of `serving_rows`."""
    lines = ["| model | batching | clients | requests | failed | requests/s | p50 (ms) | p99 (ms) | "
             "inputs per forward pass |", "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['model']} | {row['batching']} | {row['clients']} | {row['requests']:,} | "
                     f"{row['failures']} | {row['requests_per_s']:,.0f} | {row['p50_ms']:.1f} | "
                     f"{row['p99_ms']:.1f} | {row['rows_per_batch']:.1f} |")
    return "\n".join(lines) + "\n"


MAIN_DOC = """
Serving speed of `allennlp sst-serve` on loopback: requests/s and p50/p99 latency at 1, 8 and
32 concurrent clients, with batching off (--max-batch-size 1) and on (32 inputs, 5 ms), for a
small `sst2_lstm` model and an `sst2_elmo` model (frozen ELMo, default the shipped
`models/elmo-imdb`, run by FastElmoBiLm). Each run is bounded in requests and seconds; each
server is stopped with SIGTERM. No assertions.

    .venv/bin/python scripts/bench_serve.py --out runs/serve_bench
"""


def main(argv: Optional[List[str]] = None) -> None:
    """The benchmark of `scripts/bench_serve.py`: trains the models, serves each, prints the table."""
    parser = argparse.ArgumentParser(description=MAIN_DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=SHARED)
    parser.add_argument("--out", default=None, help="models and logs (default: a new temporary directory)")
    parser.add_argument("--elmo", default=os.path.join(SHIPPED_MODELS, "elmo-imdb"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each server")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests per run (LSTM)")
    parser.add_argument("--elmo-requests", type=int, default=400, help="at most this many per run (ELMo)")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most this long per run")
    args = parser.parse_args(argv)
    out = args.out or tempfile.mkdtemp(prefix="bench_serve_")
    print(f"{machine_description()}, {args.threads} torch "
          f"thread(s) per server; output in {out}", flush=True)
    archives = train_small_models(out, args.shared, args.threads, args.elmo)
    sst = os.path.join(args.shared, "data", "sst")
    sentences = sst_sentences([os.path.join(sst, "dev.txt"), os.path.join(sst, "test.txt")])
    rows = []
    for name, requests in (("sst2_lstm", args.requests), ("sst2_elmo", args.elmo_requests)):
        for row in serving_rows(name, archives[name][0], sentences, os.path.join(out, "serve"),
                                thread_env(args.threads), requests=requests, time_limit=args.seconds):
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(serving_table(rows))

