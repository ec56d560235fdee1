"""
PNG plots of a grid's results (matplotlib, Agg backend): the paired per-seed comparison of
two configs, a metric against training-set size, and per-epoch training curves.

matplotlib is imported on the first plot, not with the package: `--include-package sst_elmo`
imports every module of the package, and matplotlib would add about half a second to the
start-up of every command.
"""
from typing import Any, Dict, List, Optional, Sequence

from sst_elmo.common.file_utils import atomic_file, epoch_metrics
from sst_elmo_lab.grids.statistics import groups, mean_sd, paired_differences


def _pyplot():
    """`matplotlib.pyplot` with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: str) -> str:
    """Saves the figure as PNG through `atomic_file` and closes it."""
    plt = _pyplot()
    try:
        with atomic_file(path) as out:
            figure.savefig(out, format="png", dpi=120, bbox_inches="tight")
    finally:
        plt.close(figure)
    return path


def paired_plot(rows: List[Dict[str, Any]], baseline: str, other: str, metric: str, size: str, path: str) -> str:
    """
    Each seed's `metric` for two configs at one size, a line joining the pair (as in the
    ELMo tutorial's baseline-vs-ELMo plot). Raises `ValueError` when no seed has both.
    """
    plt = _pyplot()
    pairs = paired_differences(rows, baseline, other, metric, size)
    if not pairs:
        raise ValueError(f"no seed has finished runs of both {baseline!r} and {other!r} at size {size!r}")
    figure, axes = plt.subplots(figsize=(4.5, 4.5))
    for seed, a, b in pairs:
        axes.plot([0, 1], [a, b], color="grey", alpha=0.7, linewidth=1)
        axes.annotate(f"seed {seed}", (1, b), xytext=(6, 0), textcoords="offset points", fontsize=7, va="center")
    axes.scatter([0] * len(pairs), [a for _, a, _ in pairs], color="tab:blue", zorder=3, label=baseline)
    axes.scatter([1] * len(pairs), [b for _, _, b in pairs], color="tab:orange", zorder=3, label=other)
    axes.set_xticks([0, 1])
    axes.set_xticklabels([baseline, other])
    axes.set_xlim(-0.4, 1.5)
    axes.set_ylabel(metric)
    wins = sum(b > a for _, a, b in pairs)
    axes.set_title(f"{metric}, size {size}: {other} better on {wins}/{len(pairs)} seeds", fontsize=9)
    axes.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def size_plot(
    rows: List[Dict[str, Any]],
    metric: str,
    path: str,
    unit: str = "instances",
    pair: Optional[Sequence[str]] = None,
) -> str:
    """
    `metric` (mean ± sd over seeds) against the training-set size (in `unit`), one line per
    config: a learning curve. With `pair` (two configs), each seed's two runs at a size are
    also drawn as points joined by a thin line, as in the ELMo tutorial's paired plot.
    Raises `ValueError` when no finished run has the metric and a known size.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.5, 4.2))
    by_config: Dict[str, List[tuple]] = {}
    for (config, _size), group in groups(rows).items():
        done = [row for row in group if row["status"] == "done" and row.get(metric) is not None]
        sizes = {row.get("train_instances") for row in done}
        if not done or None in sizes or len(sizes) != 1:
            continue
        mean, sd = mean_sd([float(row[metric]) for row in done])
        by_config.setdefault(config, []).append((sizes.pop(), mean, sd or 0.0, len(done)))
    if not by_config:
        plt.close(figure)
        raise ValueError(f"no finished run has {metric!r} and a known training-set size")
    all_sizes = [p[0] for points in by_config.values() for p in points]
    log_scale = min(all_sizes) > 0 and max(all_sizes) / min(all_sizes) >= 20
    for config, points in by_config.items():
        points.sort()
        axes.errorbar(
            [p[0] for p in points], [p[1] for p in points], yerr=[p[2] for p in points],
            marker="o", capsize=4, label=config, zorder=3,
        )
    if pair:
        _paired_points(axes, rows, pair, metric, log_scale)
    if log_scale:
        axes.set_xscale("log")
    axes.set_xlabel(f"training {unit}")
    axes.set_ylabel(f"{metric} (mean ± sd over seeds)")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    return _save(figure, path)


def _paired_points(axes, rows: List[Dict[str, Any]], pair: Sequence[str], metric: str, log_scale: bool) -> None:
    """Each seed's runs of the two `pair` configs at each size: two small points and a line."""
    baseline, other = pair
    sizes = {row["size"]: row.get("train_instances") for row in rows if row.get("train_instances") is not None}
    for size, where in sizes.items():
        # Side by side around the size: a few percent apart on a log axis.
        left, right = (where / 1.04, where * 1.04) if log_scale else (where, where)
        for _seed, a, b in paired_differences(rows, baseline, other, metric, size):
            axes.plot([left, right], [a, b], color="grey", alpha=0.5, linewidth=0.8, zorder=1)
            axes.scatter([left], [a], s=10, color="tab:blue", alpha=0.6, zorder=2)
            axes.scatter([right], [b], s=10, color="tab:orange", alpha=0.6, zorder=2)


def curves_plot(runs: Dict[str, str], path: str, metric: str = "accuracy", title: Optional[str] = None) -> str:
    """
    Per-epoch training (solid) and validation (dashed) loss and `metric` of several runs
    (`{label: serialization_dir}`). Raises `ValueError` when no run has epoch metrics.
    """
    plt = _pyplot()
    figure, (loss_axes, metric_axes) = plt.subplots(1, 2, figsize=(10, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    plotted = 0
    for index, (label, directory) in enumerate(runs.items()):
        epochs = epoch_metrics(directory)
        if not epochs:
            continue
        color = colors[index % len(colors)]
        for axes, name in ((loss_axes, "loss"), (metric_axes, metric)):
            for split, style in (("training", "-"), ("validation", "--")):
                points = [(i + 1, e[f"{split}_{name}"]) for i, e in enumerate(epochs) if f"{split}_{name}" in e]
                if points:
                    axes.plot(*zip(*points), style, color=color, marker="o", markersize=3,
                              label=f"{label} ({split})")
                    plotted += 1
    if not plotted:
        plt.close(figure)
        raise ValueError(f"no metrics_epoch_*.json in {sorted(runs.values())}")
    for axes, name in ((loss_axes, "loss"), (metric_axes, metric)):
        axes.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.grid(alpha=0.3)
    metric_axes.legend(fontsize=6, loc="best")
    if title:
        figure.suptitle(title, fontsize=10)
    return _save(figure, path)
