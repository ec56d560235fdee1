#!/usr/bin/env python
"""
A grid's wall time with 1 and with N `run_grid.py --storage` workers sharing one study:
`sst_elmo_lab.benchmarks.grid_workers` (see --help). No assertions.

    .venv/bin/python scripts/bench_grid_workers.py --grid configs/grids/cluster_bench.json --out runs/bench/workers
"""
from sst_elmo_lab.benchmarks.grid_workers import main

if __name__ == "__main__":
    main()
