"""
Trains a grid of configs x seeds x training-set sizes with `allennlp train`, then writes
results.csv, summary.md and the plots into the output directory.

    python scripts/run_grid.py --grid grid.json --out runs/grid
    python scripts/run_grid.py --config base=configs/sst2_lstm.jsonnet --config elmo=configs/sst2_elmo.jsonnet \\
        --seeds 1 2 3 --sizes 500 2000 full --overrides '{"trainer.num_epochs": 5}' --out runs/grid

A grid file is JSON: {"configs": [{"name": ..., "config": ..., "overrides": {...}}], "seeds": [...],
"sizes": ["full", 0.5, 1000], "overrides": {...}, "pair": ["baseline", "elmo"]}; flags given on
the command line replace the file's values. Finished runs (model.tar.gz + metrics.json) are
skipped, so rerunning the same command resumes the grid; failed runs are recorded in
OUT/status/ and retried on the next call.

With `--storage URL` the cells are an Optuna study in that database, and the same command
started on several machines shares them: each cell runs once, a killed worker's cell runs again
(`sst_elmo_lab.grids.grid_study`, docs/cluster.md).

    python scripts/run_grid.py --grid grid.json --out /shared/runs/grid --storage postgresql://me@db/grids
"""
import argparse
import json
import logging
import os
import sys
from typing import List, Optional

from sst_elmo.common.file_utils import atomic_write
from sst_elmo_lab.grids.grid import Grid, GridRunner
from sst_elmo_lab.grids.grid_study import DEFAULT_HEARTBEAT, work_on_study
from sst_elmo_lab.grids.report import DEFAULT_METRICS, add_significance_arguments, write_report
from sst_elmo_lab.grids.results import CSV_NAME, rows_to_csv


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    description = __doc__.strip().splitlines()[0]
    parser = argparse.ArgumentParser(description=description, epilog="See the module docstring.")
    parser.add_argument("--grid", help="a grid JSON file")
    parser.add_argument("--config", action="append", default=[], metavar="NAME=PATH",
                        help="a config of the grid (repeatable; replaces the file's configs)")
    parser.add_argument("--seeds", nargs="+", type=int, help="replaces the file's seeds")
    parser.add_argument("--sizes", nargs="+", help="'full', counts and/or fractions; replaces the file's sizes")
    parser.add_argument("--overrides", help="JSON overrides for every run, merged over the file's")
    parser.add_argument("--pair", nargs=2, metavar=("BASELINE", "OTHER"), help="the configs of the paired plot")
    parser.add_argument("--out", required=True, help="output directory (runs/, logs/, status/, results)")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at the same time (default 1)")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS / MKL_NUM_THREADS of each run")
    parser.add_argument("--storage", help="share the cells with other workers through an Optuna study in this "
                        "database: sqlite:///PATH (one machine) or postgresql://USER@HOST/DB (docs/cluster.md)")
    parser.add_argument("--study-name", help="the study's name in --storage (default: the output directory's)")
    parser.add_argument("--heartbeat", type=float, default=DEFAULT_HEARTBEAT,
                        help="seconds between a worker's heartbeats; a cell silent for 3 of them is run again")
    parser.add_argument("--timeout", type=float, help="seconds before a run is killed and recorded as failed")
    parser.add_argument("--metric", help="metric of the paired and size plots (default test_accuracy if any)")
    parser.add_argument("--no-report", action="store_true", help="write only results.csv")
    add_significance_arguments(parser)
    return parser.parse_args(argv)


def build_grid(args: argparse.Namespace) -> Grid:
    data = {}
    if args.grid:
        with open(args.grid) as handle:
            data = json.load(handle)
    if args.config:
        entries = []
        for item in args.config:
            name, sep, path = item.partition("=")
            if not sep:
                raise SystemExit(f"--config takes NAME=PATH, not {item!r}")
            entries.append({"name": name, "config": path})
        data["configs"] = entries
    if args.seeds:
        data["seeds"] = args.seeds
    if args.sizes:
        data["sizes"] = args.sizes
    if args.overrides:
        data["overrides"] = {**data.get("overrides", {}), **json.loads(args.overrides)}
    if args.pair:
        data["pair"] = args.pair
    grid = Grid.from_json(data, args.grid or "<command line>")
    return grid


def main(argv: Optional[List[str]] = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("allennlp").setLevel(logging.WARNING)  # from_params logs every parameter
    args = parse_args(argv)
    grid = build_grid(args)
    runner = GridRunner(grid, args.out, jobs=args.jobs, threads=args.threads, timeout=args.timeout)
    if args.storage:
        study_name = args.study_name or os.path.basename(runner.out_dir)
        records = work_on_study(runner, args.storage, study_name, args.heartbeat)
    else:
        records = runner.run_all()
    rows = runner.results()
    csv_path = os.path.join(runner.out_dir, CSV_NAME)
    atomic_write(csv_path, rows_to_csv(rows))
    print(f"{csv_path}: {len(rows)} runs, {sum(r['status'] == 'done' for r in rows)} done")
    if not args.no_report:
        written = write_report(
            rows, os.path.join(runner.out_dir, "report"), pair=grid.pair, metric=args.metric,
            summary_metrics=grid.metrics or DEFAULT_METRICS, size_unit=grid.size_unit,
            resamples=None if args.no_significance else args.resamples,
        )
        for name, path in written.items():
            print(f"{name}: {path}")
    failed = [record["run_id"] for record in (rows if args.storage else records) if record.get("status") != "done"]
    if failed:
        print(f"{len(failed)} runs failed: {', '.join(failed)} (see {runner.out_dir}/status/)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
