"""
A soak test of `allennlp sst-serve` (the logic of `scripts/bench_soak.py`): a shipped ELMo
classifier under steady load from `clients` clients on loopback for `minutes` minutes, in
windows of `window` seconds, the server's resident memory read after each window. The answer
cache is off (`--cache-size 0`), so every request reaches the model. No assertions: it prints
one JSON line per window and a table, and writes them to `--out` as JSON.
"""
import argparse
import json
import os
from typing import Any, Dict, List, Optional

from sst_elmo.common.config_env import SHARED
from sst_elmo.common.cpu import machine_description
from sst_elmo.common.file_utils import atomic_write
from sst_elmo_lab.benchmarks.http_load import run_load
from sst_elmo_lab.benchmarks.predict_speed import sst_sentences, thread_env
from sst_elmo_lab.benchmarks.serve_speed import ServerProcess


def resident_mib(pid: int, field: str = "VmRSS") -> float:
    """
    The resident memory of process `pid`, in MiB: all of it (`VmRSS`), or one part, such as
    `RssAnon` (its heap and other private memory) or `RssFile` (the files it maps).
    """
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def soak(archive: str, sentences: List[str], minutes: float, clients: int, window: float, out_dir: str,
         threads: int) -> Dict[str, Any]:
    """Runs the soak; returns `{"windows": [...], "summary": {...}}`."""
    bodies = [{"sentence": sentence} for sentence in sentences]
    server = ServerProcess(archive, ["--cache-size", "0"], os.path.join(out_dir, "server.log"),
                           thread_env(threads))
    windows: List[Dict[str, Any]] = []
    try:
        for index in range(max(1, round(minutes * 60 / window))):
            row = run_load(server.url.rstrip("/"), bodies[index:] + bodies[:index], clients, 10 ** 9, window)
            row.update(window=index + 1, rss_mib=resident_mib(server.process.pid))
            print(json.dumps(row), flush=True)
            windows.append(row)
    finally:
        status = server.stop()
    first, last = windows[0]["rss_mib"], windows[-1]["rss_mib"]
    summary = {
        "archive": archive, "clients": clients, "minutes": minutes, "window_s": window,
        "requests": sum(row["requests"] for row in windows), "failures": sum(row["failures"] for row in windows),
        "requests_per_s": sum(row["requests"] - row["failures"] for row in windows) / sum(
            row["seconds"] for row in windows),
        "p99_ms_worst_window": max(row["p99_ms"] for row in windows),
        "rss_mib_after_first_window": first, "rss_mib_at_end": last, "rss_growth": (last - first) / first,
        "server_exit_status": status,
        "machine": machine_description(),
    }
    return {"windows": windows, "summary": summary}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="sst2", help="an archive, or a shipped classifier's name")
    parser.add_argument("--shared", default=SHARED)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--window", type=float, default=30.0, help="seconds between memory readings")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the server")
    parser.add_argument("--out", required=True, help="a directory for the server's log and soak.json")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    sst = os.path.join(args.shared, "data", "sst")
    sentences = sst_sentences([os.path.join(sst, "dev.txt"), os.path.join(sst, "test.txt")])
    result = soak(args.archive, sentences, args.minutes, args.clients, args.window, args.out, args.threads)
    atomic_write(os.path.join(args.out, "soak.json"), json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
