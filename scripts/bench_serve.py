#!/usr/bin/env python
"""
Serving speed of `allennlp sst-serve` on loopback, batching off and on, for an LSTM and an ELMo
model: `sst_elmo_lab.benchmarks.serve_speed` (see --help). No assertions.

    .venv/bin/python scripts/bench_serve.py --out runs/serve_bench
"""
from sst_elmo_lab.benchmarks.serve_speed import main

if __name__ == "__main__":
    main()
