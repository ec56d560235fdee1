#!/usr/bin/env python
"""
A 10-minute soak of `allennlp sst-serve` with a shipped ELMo classifier at 16 clients on
loopback: `sst_elmo_lab.benchmarks.soak` (see --help). No assertions.

    .venv/bin/python scripts/bench_soak.py --out runs/soak
"""
from sst_elmo_lab.benchmarks.soak import main

if __name__ == "__main__":
    main()
