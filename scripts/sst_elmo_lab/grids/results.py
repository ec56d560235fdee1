"""
The grid's results table: one CSV row per run, from the runs' `metrics.json`
(`sst_elmo.common.file_utils.final_metrics`), durations and status records, and reading it
back for reports.
"""
import csv
import io
import os
import re
from typing import Any, Dict, List, Optional

from sst_elmo.common.file_utils import duration_seconds, final_metrics

CSV_NAME = "results.csv"
# The leading columns, in order; the metric columns (best_validation_*, test_*) follow, sorted.
FIXED_COLUMNS = [
    "run_id", "config", "config_path", "seed", "size", "max_instances", "train_instances", "status",
    "returncode", "best_epoch", "epochs", "training_duration_s", "wall_s", "serialization_dir",
]
_METRIC = re.compile(r"^(best_validation|test)_")


def run_row(run, status: Dict[str, Any], train_instances: Optional[int]) -> Dict[str, Any]:
    """One CSV row for a `grid.Run`, from its status record and its `metrics.json` (if any)."""
    row: Dict[str, Any] = {
        "run_id": run.run_id,
        "config": run.entry.name,
        "config_path": run.entry.config,
        "seed": run.seed,
        "size": run.size.label,
        "max_instances": status.get("max_instances"),
        "train_instances": train_instances,
        "returncode": status.get("returncode"),
        "wall_s": status.get("wall_s"),
        "serialization_dir": run.serialization_dir,
    }
    if run.finished():
        metrics = final_metrics(run.serialization_dir)
        row["status"] = "done"
        row["best_epoch"] = metrics.get("best_epoch")
        row["epochs"] = metrics["epoch"] + 1 if isinstance(metrics.get("epoch"), int) else None
        row["training_duration_s"] = duration_seconds(metrics.get("training_duration"))
        row.update({key: value for key, value in metrics.items() if _METRIC.match(key)})
    else:
        row["status"] = status.get("status", "pending")
    return row


def rows_to_csv(rows: List[Dict[str, Any]]) -> str:
    """The CSV text of `rows`: the fixed columns, then every metric column of any row, sorted."""
    metric_columns = sorted({key for row in rows for key in row if key not in FIXED_COLUMNS})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIXED_COLUMNS + metric_columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue()


def read_results(path: str) -> List[Dict[str, Any]]:
    """The rows of a results CSV, numbers parsed (empty cells are `None`)."""
    with open(path, newline="") as handle:
        return [{key: _parse(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def _parse(value: str) -> Any:
    if value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def runs_table(run_dirs: List[str]) -> str:
    """
    The markdown table of `scripts/results_table.py`: dev and test accuracy, best epoch and
    training time of each `allennlp train` output directory that has a `metrics.json`.
    """
    lines = ["| run | dev accuracy | test accuracy | best epoch (0-based) / epochs run | training time |",
             "|---|---|---|---|---|"]
    for run in run_dirs:
        if os.path.exists(os.path.join(run, "metrics.json")):
            metrics = final_metrics(run)
            epochs = metrics["epoch"] + 1  # the last epoch trained, 0-based
            duration = metrics.get("training_duration", "?").split(".")[0]
            lines.append(
                f"| {os.path.basename(os.path.normpath(run))} | {metrics['best_validation_accuracy']:.4f} "
                f"| {metrics.get('test_accuracy', float('nan')):.4f} "
                f"| {metrics['best_epoch']} / {epochs} | {duration} |"
            )
    return "\n".join(lines)
