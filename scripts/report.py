"""Writes summary.md and PNG plots from a grid's results.csv (made by scripts/run_grid.py):
`sst_elmo_lab.grids.report` (see --help).

    python scripts/report.py runs/grid/results.csv --out runs/grid/report --pair sst2_lstm sst2_elmo
"""
import sys

from sst_elmo_lab.grids.report import main

if __name__ == "__main__":
    sys.exit(main())
