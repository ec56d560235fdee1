#!/usr/bin/env python
"""
Tokens per second of AllenNLP's `Elmo` and of `Elmo` running `FastElmoBiLm`, side by side, with
the maximum absolute difference of their ELMo vectors: `sst_elmo_lab.benchmarks.elmo_forward` (see its
doc and --help). Speed only, no timed assertions.

    .venv/bin/python scripts/bench_elmo_forward.py --max-sentences 300
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sst_elmo_lab.benchmarks.elmo_forward import main  # noqa: E402

if __name__ == "__main__":
    main()
