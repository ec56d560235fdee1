#!/usr/bin/env python
"""Trains a grid of configs x seeds x training-set sizes with `allennlp train`, then writes
results.csv, summary.md and the plots: `sst_elmo_lab.grids.run_grid` (see its doc and --help).

    python scripts/run_grid.py --grid grid.json --out runs/grid
"""
import sys

from sst_elmo_lab.grids.run_grid import main

if __name__ == "__main__":
    sys.exit(main())
