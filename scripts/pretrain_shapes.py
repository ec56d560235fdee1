#!/usr/bin/env python
"""
Measures the pre-training speed of candidate biLM shapes, to choose one for a time budget:
`sst_elmo.benchmarks.pretrain_shapes` (see its doc and --help). No data and no download needed.

    .venv/bin/python scripts/pretrain_shapes.py                # every shape
    .venv/bin/python scripts/pretrain_shapes.py 512_128_256cnn --threads 2
"""
from sst_elmo.benchmarks.pretrain_shapes import main

if __name__ == "__main__":
    main()
