"""
The statistics of a grid's results rows, shared by the markdown report and the plots: mean
and sample standard deviation, rows grouped by config and size, and per-seed pairs of two
configs.
"""
from typing import Any, Dict, List, Tuple

from sst_elmo.evaluation.significance import mean_sd  # noqa: F401 - the reports' mean ± sd


def groups(rows: List[Dict[str, Any]]) -> Dict[Tuple[str, str], List[Dict[str, Any]]]:
    """Rows by (config, size), in the order they first appear."""
    grouped: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((str(row["config"]), str(row["size"])), []).append(row)
    return grouped


def paired_differences(
    rows: List[Dict[str, Any]], baseline: str, other: str, metric: str, size: str
) -> List[Tuple[int, float, float]]:
    """`(seed, baseline value, other value)` for every seed where both configs finished at `size`."""
    values: Dict[str, Dict[int, float]] = {baseline: {}, other: {}}
    for row in rows:
        if row["status"] == "done" and str(row["size"]) == size and row["config"] in values:
            if row.get(metric) is not None:
                values[row["config"]][int(row["seed"])] = float(row[metric])
    seeds = sorted(set(values[baseline]) & set(values[other]))
    return [(seed, values[baseline][seed], values[other][seed]) for seed in seeds]
