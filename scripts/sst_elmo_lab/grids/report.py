"""
Markdown summaries of a grid's results CSV: mean ± sd over seeds per config and size, and for
the paired configs, per size, the significance of their difference on the test set
(`allennlp sst-compare`'s paired bootstrap interval and exact McNemar p-values).
"""
import argparse
import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sst_elmo.common.file_utils import atomic_write
from sst_elmo.evaluation.significance import DEFAULT_RESAMPLES
from sst_elmo_lab.grids.results import read_results
from sst_elmo_lab.grids.statistics import groups, mean_sd, paired_differences

DEFAULT_METRICS = ("best_validation_accuracy", "test_accuracy")


def format_mean_sd(values: Sequence[float], digits: int = 4) -> str:
    if not values:
        return "–"
    mean, sd = mean_sd(values)
    return f"{mean:.{digits}f}" if sd is None else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def present_metrics(rows: List[Dict[str, Any]], metrics: Sequence[str]) -> List[str]:
    """The `metrics` that some finished run has."""
    return [metric for metric in metrics if any(row.get(metric) is not None for row in rows)]


def summary_markdown(
    rows: List[Dict[str, Any]], metrics: Sequence[str] = DEFAULT_METRICS, size_unit: str = "instances"
) -> str:
    """
    A markdown table: per config and size, the training-set size (in `size_unit`), finished runs
    out of all, and each metric's mean ± sd over the finished runs (sd over seeds, n - 1 in the
    denominator).
    """
    metrics = present_metrics(rows, metrics)
    header = ["config", "size", f"train {size_unit}", "runs done"] + metrics + ["mean training time"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (config, size), group in groups(rows).items():
        done = [row for row in group if row["status"] == "done"]
        instances = sorted({row["train_instances"] for row in group if row.get("train_instances") is not None})
        times = [row["training_duration_s"] for row in done if row.get("training_duration_s") is not None]
        cells = [
            config,
            size,
            ", ".join(str(value) for value in instances) or "–",
            f"{len(done)} / {len(group)}",
            *[format_mean_sd([row[m] for row in done if row.get(m) is not None]) for m in metrics],
            f"{sum(times) / len(times):.0f} s" if times else "–",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    failed = [row["run_id"] for row in rows if row["status"] != "done"]
    if failed:
        lines.append("")
        lines.append(f"Not finished ({len(failed)}): " + ", ".join(f"`{run_id}`" for run_id in failed))
    return "\n".join(lines) + "\n"


def paired_markdown(rows: List[Dict[str, Any]], baseline: str, other: str, metric: str, size: str) -> str:
    """A per-seed table of two configs' `metric` at one size, with the differences' mean ± sd."""
    pairs = paired_differences(rows, baseline, other, metric, size)
    lines = [
        f"| seed | {baseline} | {other} | difference |",
        "|---|---|---|---|",
        *[f"| {seed} | {a:.4f} | {b:.4f} | {b - a:+.4f} |" for seed, a, b in pairs],
    ]
    if pairs:
        lines.append(f"| mean ± sd | | | {format_mean_sd([b - a for _, a, b in pairs])} |")
    return f"`{metric}` at size `{size}`, per seed:\n\n" + "\n".join(lines) + "\n"


ARCHIVE = "model.tar.gz"


def _archives(rows: List[Dict[str, Any]], config: str, size: str) -> Dict[int, str]:
    """`{seed: model.tar.gz}` of the finished runs of `config` at `size` that kept their archive."""
    found = {}
    for row in rows:
        if row["status"] == "done" and row["config"] == config and str(row["size"]) == size:
            path = os.path.join(str(row["serialization_dir"]), ARCHIVE)
            if os.path.isfile(path):
                found[int(row["seed"])] = path
    return found


def _test_data(archive: str) -> Optional[str]:
    """The `test_data_path` of the run whose archive this is (its `config.json`)."""
    config = os.path.join(os.path.dirname(archive), "config.json")
    if not os.path.isfile(config):
        return None
    with open(config) as handle:
        return json.load(handle).get("test_data_path")


def significance(
    rows: List[Dict[str, Any]], baseline: str, other: str, size: str, out_dir: str, resamples: int
) -> Tuple[Optional[Dict[str, Any]], str]:
    """
    `sst-compare` of the seeds that both configs finished at `size`, on their test set:
    `(comparison, note)`. Kept in `out_dir/significance_BASELINE_vs_OTHER_SIZE.json`, and
    reused while the archives and their modification times are the same.
    """
    from sst_elmo.evaluation.comparison import compare_archives  # loads the plugin: only when used

    a, b = _archives(rows, baseline, size), _archives(rows, other, size)
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None, f"significance at size {size}: no seed with both archives"
    data = _test_data(a[seeds[0]])
    if not data:
        return None, f"significance at size {size}: the runs have no test_data_path"
    key = {"data": data, "resamples": resamples,
           "archives": [[path, os.path.getmtime(path)] for seed in seeds for path in (a[seed], b[seed])]}
    cache = os.path.join(out_dir, f"significance_{baseline}_vs_{other}_{size}.json")
    if os.path.isfile(cache):
        with open(cache) as handle:
            kept = json.load(handle)
        if kept.get("key") == key:
            return kept["comparison"], ""
    comparison = compare_archives(
        [(f"seed{seed}", a[seed]) for seed in seeds], [(f"seed{seed}", b[seed]) for seed in seeds], data, resamples
    )
    atomic_write(cache, json.dumps({"key": key, "comparison": comparison}, indent=2))
    return comparison, ""


def significance_markdown(comparison: Dict[str, Any], baseline: str, other: str) -> str:
    """The lines of a comparison under its paired table."""
    diff, pooled = comparison["difference"], comparison["mcnemar"]["pooled"]
    per_seed = ", ".join(f"{pair['a'].replace('seed', 'seed ')} p = {pair['p_value']:.3g}"
                         for pair in comparison["mcnemar"]["pairs"])
    return (
        f"\n`{other}` - `{baseline}` on the {comparison['sentences']} test sentences "
        f"(`{comparison['data']}`), {len(comparison['mcnemar']['pairs'])} seeds pooled: "
        f"**{100 * diff['b_minus_a']:+.2f} points**, 95% paired bootstrap interval "
        f"[{100 * diff['low']:+.2f}, {100 * diff['high']:+.2f}] ({diff['resamples']} resamples over sentences, "
        f"seed {diff['bootstrap_seed']}); exact McNemar pooled **p = {pooled['p_value']:.3g}** "
        f"({pooled['a_only']} right only for `{baseline}`, {pooled['b_only']} only for `{other}`); {per_seed}.\n"
    )


def default_metric(rows: List[Dict[str, Any]]) -> str:
    """`test_accuracy` when some run has it, else `best_validation_accuracy`."""
    return (present_metrics(rows, ["test_accuracy"]) or ["best_validation_accuracy"])[0]


def default_size(rows: List[Dict[str, Any]]) -> str:
    """`full` when present, else the last size in the rows."""
    sizes = [str(row["size"]) for row in rows]
    return "full" if "full" in sizes else sizes[-1]


def write_report(
    rows: List[Dict[str, Any]],
    out_dir: str,
    pair: Optional[Sequence[str]] = None,
    metric: Optional[str] = None,
    size: Optional[str] = None,
    summary_metrics: Sequence[str] = DEFAULT_METRICS,
    size_unit: str = "instances",
    resamples: Optional[int] = DEFAULT_RESAMPLES,
) -> Dict[str, str]:
    """
    Writes `summary.md` and the PNG plots of a grid's results into `out_dir`: the paired
    plot of `pair` at `size`, `metric` against training-set size in `size_unit` (when the
    runs have more than one size: a learning curve, with the paired per-seed points of
    `pair` and a paired table per size), and per-epoch curves of each config. Under each
    paired table, the significance of the difference on the runs' test set (`significance`;
    `resamples=None` leaves it out). Returns `{what: path}`; a plot that has no data is left
    out (its reason is in the summary).
    """
    from sst_elmo_lab.grids import plots  # matplotlib, only when plotting

    if not rows:
        raise ValueError("no runs in the results")
    metric = metric or default_metric(rows)
    size = size or default_size(rows)
    written: Dict[str, str] = {}
    notes: List[str] = []
    sections = ["### Summary\n", summary_markdown(rows, summary_metrics, size_unit)]

    def paired_section(at_size: str) -> List[str]:
        text = [paired_markdown(rows, pair[0], pair[1], metric, at_size)]
        if resamples:
            comparison, note = significance(rows, pair[0], pair[1], at_size, out_dir, resamples)
            if comparison is not None:
                text.append(significance_markdown(comparison, pair[0], pair[1]))
            else:
                notes.append(note)
        return text

    if pair:
        baseline, other = pair
        sections += [f"\n### {baseline} vs {other}\n", *paired_section(size)]
        try:
            written["paired"] = plots.paired_plot(
                rows, baseline, other, metric, size, f"{out_dir}/paired_{baseline}_vs_{other}.png"
            )
        except ValueError as error:
            notes.append(f"paired plot: {error}")

    sized = {row.get("train_instances") for row in rows if row["status"] == "done"} - {None}
    if len(sized) > 1:
        if pair:
            for other_size in dict.fromkeys(str(row["size"]) for row in rows):
                if other_size != size:
                    sections += [f"\n### {pair[0]} vs {pair[1]}, size {other_size}\n", *paired_section(other_size)]
        try:
            written["size"] = plots.size_plot(rows, metric, f"{out_dir}/size_{metric}.png", size_unit, pair)
        except ValueError as error:
            notes.append(f"size plot: {error}")

    for config in dict.fromkeys(str(row["config"]) for row in rows):
        runs = {
            f"seed {row['seed']} {row['size']}": row["serialization_dir"]
            for row in rows
            if str(row["config"]) == config and row["status"] == "done"
        }
        try:
            written[f"curves_{config}"] = plots.curves_plot(runs, f"{out_dir}/curves_{config}.png", title=config)
        except ValueError as error:
            notes.append(f"curves of {config}: {error}")

    if written:
        sections.append("\n### Plots\n")
        sections += [f"![{name}]({os.path.basename(path)})\n" for name, path in written.items()]
    if notes:
        sections.append("\n" + "\n".join(f"- {note}" for note in notes) + "\n")
    written["summary"] = os.path.join(out_dir, "summary.md")
    atomic_write(written["summary"], "\n".join(sections))
    return written


def add_significance_arguments(parser: argparse.ArgumentParser) -> None:
    """`--resamples` and `--no-significance` of the reports (report.py and run_grid.py)."""
    parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                        help=f"bootstrap resamples of the paired significance (default {DEFAULT_RESAMPLES})")
    parser.add_argument("--no-significance", action="store_true",
                        help="leave out the paired significance (it predicts the test set with every archive)")


def main(argv: Optional[List[str]] = None) -> int:
    """`scripts/report.py`: summary.md and the plots of a results.csv."""
    parser = argparse.ArgumentParser(
        description="Writes summary.md and PNG plots from a grid's results.csv (made by scripts/run_grid.py)."
    )
    parser.add_argument("results", help="results.csv of a grid")
    parser.add_argument("--out", required=True, help="directory for summary.md and the plots")
    parser.add_argument("--pair", nargs=2, metavar=("BASELINE", "OTHER"), help="the configs of the paired plot")
    parser.add_argument("--metric", help="metric of the paired and size plots (default test_accuracy if any)")
    parser.add_argument("--size", help="size label of the paired plot (default 'full', else the last)")
    parser.add_argument("--summary-metrics", nargs="+", default=list(DEFAULT_METRICS),
                        help=f"columns of the summary table (default {' '.join(DEFAULT_METRICS)})")
    add_significance_arguments(parser)
    args = parser.parse_args(argv)
    written = write_report(read_results(args.results), args.out, args.pair, args.metric, args.size,
                           args.summary_metrics, resamples=None if args.no_significance else args.resamples)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0

