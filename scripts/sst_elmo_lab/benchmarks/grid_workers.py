"""
How long a grid takes with 1 and with N `run_grid.py --storage` workers sharing one study: the
same command started N times, as on N machines (here on one machine, so the workers share its
cores). Each count of workers gets its own output directory and SQLite study; the table gives
the wall time, the cells each worker trained and the speed-up over one worker.

    python scripts/bench_grid_workers.py --grid configs/grids/cluster_bench.json --workers 1 2 \\
        --out runs/bench/grid_workers
"""
import argparse
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional

from sst_elmo.common.file_utils import atomic_write
from sst_elmo_lab import SCRIPTS

RUN_GRID = os.path.join(SCRIPTS, "run_grid.py")


def time_workers(grid: str, workers: int, out: str, threads: int = 1, heartbeat: float = 10.0) -> Dict:
    """Runs the grid with `workers` workers on one fresh SQLite study; wall time and cells per worker."""
    run_dir = os.path.join(out, f"workers{workers}")
    if os.path.exists(run_dir):
        raise SystemExit(f"{run_dir} exists: give a new --out (a finished grid would be skipped, not timed)")
    os.makedirs(run_dir)
    command = [sys.executable, os.path.abspath(RUN_GRID), "--grid", grid, "--out", run_dir, "--threads",
               str(threads), "--no-report", "--storage", f"sqlite:///{os.path.abspath(run_dir)}/study.db",
               "--heartbeat", str(heartbeat)]
    start = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for _ in range(workers)]
    outputs = [process.communicate()[0].decode(errors="replace") for process in processes]
    wall = time.perf_counter() - start
    failed = [process.returncode for process in processes if process.returncode]
    if failed:
        raise SystemExit(f"a worker exited with {failed[0]}:\n{outputs[0][-2000:]}")
    for index, output in enumerate(outputs):
        atomic_write(os.path.join(run_dir, f"worker{index}.log"), output)
    return {"workers": workers, "wall_s": wall, "cells": [output.count("worker: cell") for output in outputs]}


def table(rows: List[Dict]) -> str:
    """Markdown: workers, wall time, cells per worker, speed-up over the first row."""
    lines = ["| workers | wall time | cells per worker | speed-up |", "|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['workers']} | {row['wall_s']:.0f} s | {', '.join(map(str, row['cells']))} | "
                     f"{rows[0]['wall_s'] / row['wall_s']:.2f}x |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", required=True, help="a grid JSON file (run_grid.py's format)")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2], help="worker counts to time")
    parser.add_argument("--out", required=True, help="a new directory: workersN/ for each count")
    parser.add_argument("--threads", type=int, default=1, help="threads of each training run")
    args = parser.parse_args(argv)
    rows = [time_workers(args.grid, workers, args.out, args.threads) for workers in args.workers]
    print(table(rows))
