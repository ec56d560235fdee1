"""
Is classifier B really more accurate than classifier A on the same sentences? The comparison
behind `allennlp sst-compare`, which the lab's reports call too; each side is one run or a
group of runs (one per seed), as `Predicted` answers (`sst_elmo.evaluation.predictions`).

`compare` checks that both sides read the same sentences and gives: each side's accuracy (mean
± sd over its seeds); B - A with a 95% paired bootstrap interval over sentences (seeds pooled,
`resamples` draws, seed `seed`); the exact McNemar p-value of each seed pair and of all pairs
pooled (`sst_elmo.evaluation.significance`); and, last, a verdict in plain words (`verdict`):
whether B is better than A, worse, or not shown to differ. With `positive_label` it also gives
each side's F1 of that label and the bootstrap interval of its difference. Each side's expected
calibration error (`bins`, default 10) comes from the probabilities of its answers
(`calibration`); `plot_sides` draws both sides' reliability diagrams. `compare_archives` does
all of this for archives and predictions files; `format_comparison` is what `sst-compare`
prints.
"""
import math
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sst_elmo.common.errors import InputError
from sst_elmo.evaluation.calibration import DEFAULT_BINS, expected_calibration_error
from sst_elmo.evaluation.predictions import (
    DEFAULT_BATCH_SIZE,
    Predicted,
    predict_correctness,
    predictions_stem,
    read_predictions,
    save_predictions,
)
from sst_elmo.evaluation.significance import (
    DEFAULT_BOOTSTRAP_SEED,
    DEFAULT_RESAMPLES,
    accuracies,
    f1_scores,
    mcnemar_runs,
    mean_sd,
    paired_bootstrap,
    paired_bootstrap_f1,
    pool,
)


def seed_pairs(a: Sequence[Predicted], b: Sequence[Predicted]) -> List[Tuple[Predicted, Predicted]]:
    """
    The runs of A and B that the per-seed McNemar tests pair: by name when both sides have the
    same names (e.g. `seed1/full`), else in order when they have as many runs; a side of one
    run (e.g. a deterministic baseline) with every run of the other; else none.
    """
    names_b = {run.name: run for run in b}
    if len(a) == len(b) and set(names_b) == {run.name for run in a}:
        return [(run, names_b[run.name]) for run in a]
    if len(a) == len(b):
        return list(zip(a, b))
    if len(a) == 1 or len(b) == 1:
        return [(x, y) for x in a for y in b]
    return []


def calibration(runs: Sequence[Predicted], bins: int = DEFAULT_BINS) -> Optional[Dict[str, Any]]:
    """
    A side's expected calibration error (`bins` equal-width bins of the top probability): each
    run's and their mean ± sd; `None` when a run has no probabilities (an old predictions file).
    """
    if any(run.probability is None for run in runs):
        return None
    values = [expected_calibration_error(run.probability, run.correct, bins) for run in runs]
    key = f"ece_{bins}"
    return {"runs": [{"name": run.name, key: value} for run, value in zip(runs, values)],
            key: dict(zip(("mean", "sd"), mean_sd(values)))}


def compare(
    a: Sequence[Predicted], b: Sequence[Predicted], resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED, positive_label: Optional[str] = None, bins: int = DEFAULT_BINS,
) -> Dict[str, Any]:
    """The comparison of two sides' answers on the same sentences (the JSON of `sst-compare`)."""
    reference = a[0]
    for run in [*a, *b]:
        if run.tokens != reference.tokens:
            raise InputError(
                f"read {len(run.tokens)} sentences that differ from the {len(reference.tokens)} of "
                f"{reference.archive}: both sides must read the same sentences", run.archive,
            )
        if run.gold != reference.gold:
            raise InputError(f"has other gold labels than {reference.archive} for the same sentences", run.archive)
    table_a, table_b = [run.correct for run in a], [run.correct for run in b]
    difference, low, high = paired_bootstrap(table_a, table_b, resamples=resamples, seed=seed)
    pairs = seed_pairs(a, b)
    tests = [mcnemar_runs(x.correct, y.correct) for x, y in pairs]
    pooled = pool(tests) if tests else None

    def side(runs: Sequence[Predicted], table: List[List[int]]) -> Dict[str, Any]:
        values = accuracies(table)
        return {"runs": [{"name": r.name, "archive": r.archive, "accuracy": v} for r, v in zip(runs, values)],
                "accuracy": dict(zip(("mean", "sd"), mean_sd(values)))}

    result = {
        "sentences": len(reference.correct),
        "a": side(a, table_a),
        "b": side(b, table_b),
        "difference": {"b_minus_a": difference, "low": low, "high": high, "confidence": 0.95,
                       "resamples": resamples, "bootstrap_seed": seed, "method": "paired bootstrap over "
                       "sentences, the same draws for every seed of both sides"},
        "mcnemar": {
            "pairs": [{"a": x.name, "b": y.name, "a_only": t.a_only, "b_only": t.b_only, "p_value": t.p_value}
                      for (x, y), t in zip(pairs, tests)],
            "pooled": None if pooled is None else {"a_only": pooled.a_only, "b_only": pooled.b_only,
                                                   "p_value": pooled.p_value},
            "note": None if pairs else "the sides have different numbers of runs: no seed pairs",
        },
    }
    result["verdict"] = verdict(result)
    result["calibration"] = {"bins": bins, "a": calibration(a, bins), "b": calibration(b, bins)}
    if positive_label is not None:
        result["f1"] = compare_f1(a, b, positive_label, resamples, seed)
    return result


def compare_f1(a: Sequence[Predicted], b: Sequence[Predicted], positive: str, resamples: int = DEFAULT_RESAMPLES,
               seed: int = DEFAULT_BOOTSTRAP_SEED) -> Dict[str, Any]:
    """Each side's F1 of the `positive` label (mean ± sd), and B - A with its paired bootstrap interval."""
    gold = a[0].gold
    if positive not in gold:
        raise InputError(f"no gold label is {positive!r} (labels: {sorted(set(gold))})", "--positive-label")
    predictions_a, predictions_b = [run.predicted for run in a], [run.predicted for run in b]
    difference, low, high = paired_bootstrap_f1(gold, predictions_a, predictions_b, positive, resamples, seed)

    def side(runs: Sequence[Predicted], predictions: List[List[str]]) -> Dict[str, Any]:
        values = f1_scores(gold, predictions, positive)
        return {"runs": [{"name": r.name, "f1": v} for r, v in zip(runs, values)],
                "f1": dict(zip(("mean", "sd"), mean_sd(values)))}

    return {"positive_label": positive, "a": side(a, predictions_a), "b": side(b, predictions_b),
            "difference": {"b_minus_a": difference, "low": low, "high": high, "confidence": 0.95,
                           "resamples": resamples, "bootstrap_seed": seed}}


def compare_archives(
    a: Sequence[Tuple[str, str]], b: Sequence[Tuple[str, str]], data_path: str, resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED, batch_size: int = DEFAULT_BATCH_SIZE, cuda_device: int = -1,
    overrides: str = "", positive_label: Optional[str] = None, save_dir: Optional[str] = None,
    bins: int = DEFAULT_BINS, reliability_plot: Optional[str] = None, names: Tuple[str, str] = ("A", "B"),
) -> Dict[str, Any]:
    """
    `compare` of two groups of `(name, archive)` on `data_path`, with the data path recorded;
    with `save_dir`, every run's answers are also written below `save_dir/a` and `save_dir/b`;
    with `reliability_plot`, each side's reliability diagram (its runs pooled) is drawn there.
    """

    def predicted(group: Sequence[Tuple[str, str]]) -> List[Predicted]:
        return [read_predictions(path, name) if predictions_stem(path) is not None
                else predict_correctness(path, data_path, name, batch_size, cuda_device, overrides)
                for name, path in group]

    runs_a, runs_b = predicted(a), predicted(b)
    result = compare(runs_a, runs_b, resamples, seed, positive_label, bins)
    if reliability_plot:
        plot_sides(reliability_plot, [(f"A {names[0]}", runs_a), (f"B {names[1]}", runs_b)], bins)
    if save_dir:
        result["saved_predictions"] = {side: save_predictions(os.path.join(save_dir, side), runs)
                                       for side, runs in (("a", runs_a), ("b", runs_b))}
    return {"data": data_path, **({"overrides": overrides} if overrides else {}), **result}


def plot_sides(path: str, sides: Sequence[Tuple[str, Sequence[Predicted]]], bins: int = DEFAULT_BINS) -> None:
    """The reliability diagram of each `(name, runs)` side, its runs pooled, as a PNG."""
    from sst_elmo.evaluation.reliability_plot import plot_reliability

    for name, runs in sides:
        if any(run.probability is None for run in runs):
            raise InputError("has no probabilities to plot (a predictions file without them)", name)
    plot_reliability(path, [(name, [p for run in runs for p in run.probability],  # type: ignore[union-attr]
                             [c for run in runs for c in run.correct]) for name, runs in sides], bins)


# B differs from A when the 95% interval of B - A excludes 0 and the pooled McNemar p is below this.
SIGNIFICANCE_LEVEL = 0.05
# What the printed terms mean: printed above the verdict and in `--help`.
TERMS = (
    "± is the standard deviation over a side's runs (its seeds); A only: the sentences that A got right "
    "and B got wrong; B only: the sentences that B got right and A got wrong; p: the chance of an A only / "
    "B only split at least this uneven if A and B were equally accurate."
)


def how_often(p_value: float) -> str:
    """`p_value` as a frequency in words: "about 34 times in 100 tries", "less than once in 10^14 tries"."""
    if p_value >= 0.995:
        return "almost every time"
    if p_value >= 0.1:
        return f"about {round(100 * p_value)} times in 100 tries"
    if p_value >= 0.001:
        return f"about once in {round(1 / p_value):,} tries"
    power = 300 if p_value <= 1e-300 else math.floor(-math.log10(p_value) - 1e-9)
    return f"less than once in {10 ** power:,} tries" if power <= 6 else f"less than once in 10^{power} tries"


def verdict(result: Dict[str, Any]) -> str:
    """
    The comparison's accuracy difference in one plain sentence: B is better (or worse) than A
    when the 95% interval of B - A excludes 0 and the pooled McNemar p is below
    `SIGNIFICANCE_LEVEL` (the interval alone when there are no seed pairs); else no evidence.
    """
    diff, pooled = result["difference"], result["mcnemar"]["pooled"]
    points, low, high = (100 * diff[key] for key in ("b_minus_a", "low", "high"))
    if pooled is None:
        chance = "McNemar's test needs paired runs, and the sides have different numbers of runs"
    elif pooled["a_only"] + pooled["b_only"] == 0:
        chance = "A and B got exactly the same sentences right"
    else:
        chance = (f"if A and B were equally accurate, a difference this large would happen by chance "
                  f"{how_often(pooled['p_value'])} (McNemar p = {pooled['p_value']:.2g})")
    excludes_zero = low > 0 or high < 0
    if excludes_zero and (pooled is None or pooled["p_value"] < SIGNIFICANCE_LEVEL):
        better = "better" if points > 0 else "worse"
        near, far = sorted((abs(low), abs(high)))
        return (f"Verdict: B is {better} than A by {abs(points):.2f} points of accuracy "
                f"(95% interval {near:.2f} to {far:.2f}); {chance}.")
    evidence = "no clear evidence" if excludes_zero else "no evidence"
    zero = "" if excludes_zero else ", which includes 0"
    return (f"Verdict: {evidence} that B differs from A: B - A is {points:+.2f} points of accuracy "
            f"(95% interval {low:+.2f} to {high:+.2f}{zero}); {chance}.")


def format_comparison(result: Dict[str, Any], label_a: str = "A", label_b: str = "B") -> str:
    """The lines `sst-compare` prints."""

    def accuracy(side: Dict[str, Any]) -> str:
        stats = side["accuracy"]
        if stats["sd"] is None:
            return f"{stats['mean']:.4f} (1 run)"
        return f"{stats['mean']:.4f} ± {stats['sd']:.4f} (mean ± standard deviation over {len(side['runs'])} runs)"

    diff = result["difference"]
    lines = [
        f"{result['sentences']} sentences of {result.get('data', 'DATA')}",
        f"A {label_a}: accuracy {accuracy(result['a'])}",
        f"B {label_b}: accuracy {accuracy(result['b'])}",
        f"B - A: {100 * diff['b_minus_a']:+.2f} points, 95% paired bootstrap interval "
        f"[{100 * diff['low']:+.2f}, {100 * diff['high']:+.2f}] ({diff['resamples']} resamples, seed "
        f"{diff['bootstrap_seed']})",
    ]
    if "calibration" in result:
        lines.append(calibration_line(result["calibration"]))
    for pair in result["mcnemar"]["pairs"]:
        lines.append(f"McNemar {pair['a']} vs {pair['b']}: A only {pair['a_only']}, B only {pair['b_only']}, "
                     f"p = {pair['p_value']:.4g}")
    pooled = result["mcnemar"]["pooled"]
    if pooled is not None:
        lines.append(f"McNemar pooled over {len(result['mcnemar']['pairs'])} pair(s): A only {pooled['a_only']}, "
                     f"B only {pooled['b_only']}, p = {pooled['p_value']:.4g}")
    else:
        lines.append(f"McNemar: {result['mcnemar']['note']}")
    if "f1" in result:
        f1 = result["f1"]

        def f1_text(side: Dict[str, Any]) -> str:
            spread = "" if side["f1"]["sd"] is None else f" ± {side['f1']['sd']:.4f}"
            return f"{side['f1']['mean']:.4f}{spread}"

        diff = f1["difference"]
        lines.append(f"F1 of label {f1['positive_label']}: A {f1_text(f1['a'])}, B {f1_text(f1['b'])}; B - A "
                     f"{100 * diff['b_minus_a']:+.2f} points, 95% paired bootstrap interval "
                     f"[{100 * diff['low']:+.2f}, {100 * diff['high']:+.2f}]")
    lines += [f"Terms: {TERMS}", verdict(result)]
    return "\n".join(lines)


def calibration_line(calibration: Dict[str, Any]) -> str:
    """The line of each side's expected calibration error."""
    key = f"ece_{calibration['bins']}"

    def text(side: Optional[Dict[str, Any]]) -> str:
        if side is None:
            return "no probabilities"
        spread = "" if side[key]["sd"] is None else f" ± {side[key]['sd']:.4f}"
        return f"{side[key]['mean']:.4f}{spread}"

    return (f"Expected calibration error ({calibration['bins']} equal-width bins of the top probability): "
            f"A {text(calibration['a'])}, B {text(calibration['b'])}")
