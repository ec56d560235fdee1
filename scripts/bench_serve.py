#!/usr/bin/env python
"""
Serving speed of `allennlp sst-serve` on loopback: requests/s and p50/p99 latency at 1, 8 and
32 concurrent clients, with batching off (--max-batch-size 1) and on (32 inputs, 5 ms), for a
small `sst2_lstm` model and an `sst2_elmo` model (frozen ELMo, default the shipped
`models/elmo-imdb`, run by FastElmoBiLm). Each run is bounded in requests and seconds; each
server is stopped with SIGTERM. The logic is `sst_elmo.experiments.serve_speed`; no assertions.

    .venv/bin/python scripts/bench_serve.py --out runs/serve_bench
"""
import argparse
import json
import os
import platform
import tempfile

from sst_elmo.experiments.predict_speed import sst_sentences, thread_env, train_small_models
from sst_elmo.experiments.serve_speed import serving_rows, serving_table

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    parser.add_argument("--out", default=None, help="models and logs (default: a new temporary directory)")
    parser.add_argument("--elmo", default=os.path.join(HERE, "..", "models", "elmo-imdb"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each server")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests per run (LSTM)")
    parser.add_argument("--elmo-requests", type=int, default=400, help="at most this many per run (ELMo)")
    parser.add_argument("--seconds", type=float, default=30.0, help="at most this long per run")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="bench_serve_")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {args.threads} torch "
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


if __name__ == "__main__":
    main()
