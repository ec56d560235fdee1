"""Writes summary.md and PNG plots from a grid's results.csv (made by scripts/run_grid.py).

    python scripts/report.py runs/grid/results.csv --out runs/grid/report --pair sst2_lstm sst2_elmo
"""
import argparse
import sys

from sst_elmo.experiments.report import DEFAULT_METRICS, write_report
from sst_elmo.experiments.results import read_results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results.csv of a grid")
    parser.add_argument("--out", required=True, help="directory for summary.md and the plots")
    parser.add_argument("--pair", nargs=2, metavar=("BASELINE", "OTHER"), help="the configs of the paired plot")
    parser.add_argument("--metric", help="metric of the paired and size plots (default test_accuracy if any)")
    parser.add_argument("--size", help="size label of the paired plot (default 'full', else the last)")
    parser.add_argument("--summary-metrics", nargs="+", default=list(DEFAULT_METRICS),
                        help=f"columns of the summary table (default {' '.join(DEFAULT_METRICS)})")
    args = parser.parse_args(argv)
    written = write_report(read_results(args.results), args.out, args.pair, args.metric, args.size,
                           args.summary_metrics)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
