#!/usr/bin/env python
"""
The heaviest /interpret and /attack requests of `allennlp sst-serve`, with /predict latency
beside them: `sst_elmo_lab.benchmarks.heavy_requests` (see --help). No assertions.

    .venv/bin/python scripts/bench_heavy.py --archive sst2
"""
from sst_elmo_lab.benchmarks.heavy_requests import main

if __name__ == "__main__":
    main()
