#!/usr/bin/env python
"""
Pre-training speed of `elmo_bilm`, AllenNLP's biLM modules against the fast path, on the same
batches: `sst_elmo_lab.benchmarks.pretrain_speed` (see --help); prints a markdown table.

    .venv/bin/python scripts/bench_pretrain.py --threads 2                    # cpu_small shape
    .venv/bin/python scripts/bench_pretrain.py --config configs/pretrain/imdb.jsonnet --batch-size 128
"""
from sst_elmo_lab.benchmarks.pretrain_speed import main

if __name__ == "__main__":
    main()
