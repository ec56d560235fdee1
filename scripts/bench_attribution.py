#!/usr/bin/env python
"""
Which attribution of `/interpret` agrees best with deleting the word:
`sst_elmo_lab.benchmarks.attribution_agreement` (see --help). No assertions.

    .venv/bin/python scripts/bench_attribution.py --archive sst2 --sentences 200
"""
from sst_elmo_lab.benchmarks.attribution_agreement import main

if __name__ == "__main__":
    main()
