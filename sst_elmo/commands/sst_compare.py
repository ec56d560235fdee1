"""
The `sst-compare` subcommand: is classifier B really more accurate than classifier A on the
same sentences? Each side is one archive or a group of archives (one per seed).

    allennlp sst-compare runs/grid/runs/sst2_lstm runs/grid/runs/sst2_elmo_glove \\
        ../shared/data/sst/test.txt --output-file comparison.json

It predicts DATA with every archive, reading it with each archive's own validation reader (so
`2-class` SST drops the neutral sentences as in training), checks that both sides read the
same sentences, and prints and writes: each side's accuracy (mean ± sd over its seeds); B - A
with a 95% paired bootstrap interval over sentences (seeds pooled, `--resamples` draws, seed
`--bootstrap-seed`); the exact McNemar p-value of each seed pair and of all pairs pooled
(`sst_elmo.common.significance`); and, last, a verdict in plain words (`verdict`): whether B is
better than A, worse, or not shown to differ. With `--positive-label L` it also gives each
side's F1 of label L and the bootstrap interval of its difference. Each side's expected
calibration error (`--calibration-bins`, default 10) comes from the probabilities of its answers
(`calibration`); `--reliability-plot FILE` draws both sides' reliability diagrams.

A side may also be a predictions file (`*.jsonl`) of a model that is not an archive, such as a
scikit-learn baseline: one JSON object a sentence, `{"tokens": [...], "label": gold,
"predicted": answer}` (optionally with `"probability"`, that of the answer), the sentences in
the order the archives' reader reads DATA (`write_predictions`), gzipped when it is named
`*.jsonl.gz`; a directory of such files is a group of them. `--save-predictions DIR` writes
every run's answers there as `DIR/a/NAME.jsonl.gz` and `DIR/b/NAME.jsonl.gz`, so that a
comparison can be run again, or pooled with later seeds, without the archives. `--overrides`
applies to every archive as it is loaded, e.g. `'{"validation_dataset_reader.split":
"held_out"}'` to compare on held-out rows.
"""
import argparse
import glob
import gzip
import io
import json
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.calibration import DEFAULT_BINS, expected_calibration_error
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write
from sst_elmo.common.significance import (
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

ARCHIVE_NAME = "model.tar.gz"
DEFAULT_BATCH_SIZE = 64


@dataclass
class Predicted:
    """One archive's answers on DATA: the sentences' tokens and whether each was right."""

    archive: str
    name: str
    tokens: List[Tuple[str, ...]]
    correct: List[int]
    gold: List[str]
    predicted: List[str]
    # The probability the model gave each answer (its top probability), when known.
    probability: Optional[List[float]] = None


PREDICTIONS_SUFFIXES = (".jsonl.gz", ".jsonl")


def predictions_stem(path: str) -> Optional[str]:
    """`path` without its predictions suffix (`.jsonl` or `.jsonl.gz`); None when it is not a predictions file."""
    for suffix in PREDICTIONS_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return None


def write_predictions(path: str, rows: Sequence[Tuple[Any, ...]]) -> None:
    """
    Writes `(tokens, gold, predicted)` rows, or `(tokens, gold, predicted, probability)` rows
    (the probability of the predicted label), as a predictions file that `sst-compare` reads as
    a side; gzipped (reproducibly: no time stamp) when `path` ends with `.gz`.
    """
    def line(tokens: Sequence[str], gold: str, guess: str, probability: Optional[float] = None) -> str:
        row = {"tokens": list(tokens), "label": str(gold), "predicted": str(guess)}
        return json.dumps(row if probability is None else {**row, "probability": float(probability)}) + "\n"

    text = "".join(line(*row) for row in rows)
    atomic_write(path, gzip.compress(text.encode("utf-8"), mtime=0) if path.endswith(".gz") else text)


def _open_text(path: str) -> io.TextIOBase:
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def read_predictions(path: str, name: str = "") -> Predicted:
    """A predictions file (`write_predictions`) as one run of a side; a bad line is an error naming it."""
    tokens: List[Tuple[str, ...]] = []
    gold: List[str] = []
    predicted: List[str] = []
    probability: List[Optional[float]] = []
    try:
        with _open_text(path) as handle:
            lines = list(handle)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"cannot be read as predictions ({error})", path) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            words, label, guess = row["tokens"], str(row["label"]), str(row["predicted"])
            if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
                raise ValueError("tokens is not a list of strings")
            sure = row.get("probability")
            if sure is not None and not (isinstance(sure, (int, float)) and 0 <= sure <= 1):
                raise ValueError("probability is not a number from 0 to 1")
        except (ValueError, KeyError, TypeError) as error:
            message = f"missing key {error}" if isinstance(error, KeyError) else str(error)
            raise InputError(f"not a prediction ({message})", path, number, line.strip()) from None
        tokens.append(tuple(words))
        gold.append(label)
        predicted.append(guess)
        probability.append(sure)
    if not tokens:
        raise InputError("holds no prediction", path)
    known = None if None in probability else [float(value) for value in probability]  # type: ignore[arg-type]
    return Predicted(path, name or path, tokens, [int(g == p) for g, p in zip(gold, predicted)], gold, predicted,
                     known)


def archive_group(spec: str) -> List[Tuple[str, str]]:
    """
    `(name, archive)` for each archive of a side: a `model.tar.gz` (or any archive file); a run
    directory holding `model.tar.gz`; a directory of run directories (every `model.tar.gz`
    under it, named by their path below it, e.g. `seed1/full`); a predictions file, or a
    directory of them with no archive (`--save-predictions`; named as the archives were); or
    several of these joined with commas.
    """
    group: List[Tuple[str, str]] = []
    for part in [item for item in spec.split(",") if item]:
        stem = predictions_stem(part)
        if os.path.isfile(part) and stem is not None:
            group.append((os.path.basename(stem), part))
        elif os.path.isfile(part):
            group.append((part, part))
        elif os.path.isfile(os.path.join(part, ARCHIVE_NAME)):
            group.append((part, os.path.join(part, ARCHIVE_NAME)))
        elif os.path.isdir(part):
            group += _directory_group(part)
        else:
            raise InputError("no such archive or directory", part)
    if not group:
        raise InputError("names no archive", spec or "<empty>")
    return group


def _directory_group(directory: str) -> List[Tuple[str, str]]:
    """Every archive under `directory`, named by its run directory below it; else every predictions file."""
    def under(pattern: str) -> List[str]:
        return sorted(glob.glob(os.path.join(glob.escape(directory), "**", pattern), recursive=True))

    archives = under(ARCHIVE_NAME)
    if archives:
        return [(os.path.relpath(os.path.dirname(path), directory), path) for path in archives]
    stems = {path: predictions_stem(path) for path in under("*.jsonl*") if os.path.isfile(path)}
    files = [(os.path.relpath(stem, directory), path) for path, stem in stems.items() if stem is not None]
    if not files:
        raise InputError(f"no {ARCHIVE_NAME} (nor predictions file) under this directory", directory)
    return files


def saved_predictions_path(directory: str, name: str) -> str:
    """Where `--save-predictions` writes a run named `name`: below `directory`, never outside it."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    if parts and parts[-1] == ARCHIVE_NAME:
        parts.pop()
    if parts:
        parts[-1] = predictions_stem(parts[-1]) or parts[-1]
    parts = [part for part in parts if part] or ["run"]
    return os.path.join(directory, *parts) + ".jsonl.gz"


def save_predictions(directory: str, runs: Sequence["Predicted"]) -> List[str]:
    """Writes each run's answers as `directory/NAME.jsonl.gz` (`saved_predictions_path`); the paths written."""
    paths = []
    for run in runs:
        path = saved_predictions_path(directory, run.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        columns = [run.tokens, run.gold, run.predicted] + ([run.probability] if run.probability else [])
        write_predictions(path, list(zip(*columns)))
        paths.append(path)
    return paths


def predict_correctness(
    archive_file: str, data_path: str, name: str = "", batch_size: int = DEFAULT_BATCH_SIZE, cuda_device: int = -1,
    overrides: str = "",
) -> Predicted:
    """Reads `data_path` with the archive's validation reader and marks each labelled instance right or wrong."""
    from allennlp.common.util import lazy_groups_of

    from sst_elmo.commands.archive_loading import resolve_archive
    from sst_elmo.safety.archive_safety import safe_load_archive

    archive = safe_load_archive(resolve_archive(archive_file), cuda_device=cuda_device, overrides=overrides)
    model = archive.model
    model.eval()
    tokens: List[Tuple[str, ...]] = []
    gold: List[str] = []
    predicted: List[str] = []
    probability: List[float] = []
    for batch in lazy_groups_of(archive.validation_dataset_reader.read(data_path), batch_size):
        labelled = [instance for instance in batch if "label" in instance.fields]
        if not labelled:
            continue
        for instance, output in zip(labelled, model.forward_on_instances(labelled)):
            predicted.append(model.vocab.get_token_from_index(int(output["logits"].argmax()), "labels"))
            if "probs" in output:  # the model's own (calibrated) probability of that label
                probability.append(float(output["probs"][int(output["logits"].argmax())]))
            tokens.append(tuple(token.text for token in instance["tokens"].tokens))
            gold.append(str(instance["label"].label))
    if not tokens:
        raise InputError("the archive's reader found no labelled sentence here", data_path)
    correct = [int(g == p) for g, p in zip(gold, predicted)]
    return Predicted(archive_file, name or archive_file, tokens, correct, gold, predicted,
                     probability if len(probability) == len(predicted) else None)


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
    from sst_elmo.common.calibration import plot_reliability

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


@Subcommand.register("sst-compare")
class SstCompare(PluginSubcommand):
    """
    Compares two classifiers (or two groups of seeds) on the same labelled data: accuracies,
    a paired bootstrap interval of the difference, and exact McNemar p-values.

    Registered as a `Subcommand` with name "sst-compare".
    """

    description = (
        "Compare two model archives, or two groups of archives (one per seed), on the same data: "
        "accuracy, B - A with a 95% paired bootstrap interval, exact McNemar p-values, and a verdict in "
        "plain words: is B better than A?"
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        # argparse does not %-format an epilog (only help texts): "95%" stays as written.
        subparser.epilog = (
            f"How to read the output: {TERMS} The last line is the verdict in words: B is better (or "
            "worse) than A when the 95% interval of B - A excludes 0 and the pooled McNemar p is below "
            f"{SIGNIFICANCE_LEVEL}; otherwise there is no evidence that they differ."
        )
        subparser.add_argument("a", help="side A: a model.tar.gz, a run directory, a directory of runs, "
                               "or several joined with commas")
        subparser.add_argument("b", help="side B, as A")
        subparser.add_argument("data", help="the labelled data, read with each archive's validation reader")
        subparser.add_argument("--output-file", help="also write the comparison as JSON here")
        subparser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                               help=f"bootstrap resamples (default {DEFAULT_RESAMPLES})")
        subparser.add_argument("--bootstrap-seed", type=int, default=DEFAULT_BOOTSTRAP_SEED,
                               help=f"the bootstrap's random seed (default {DEFAULT_BOOTSTRAP_SEED})")
        subparser.add_argument("--positive-label",
                               help="also compare the F1 of this label (e.g. 1 for the tweets)")
        subparser.add_argument("--overrides", default="", help="JSON overrides for every archive as it is "
                               "loaded, e.g. '{\"validation_dataset_reader.split\": \"held_out\"}'")
        subparser.add_argument("--save-predictions", metavar="DIR", help="also write every run's answers as "
                               "DIR/a/NAME.jsonl.gz and DIR/b/NAME.jsonl.gz: sides for a later comparison")
        subparser.add_argument("--calibration-bins", type=int, default=DEFAULT_BINS,
                               help=f"equal-width bins of the expected calibration error (default {DEFAULT_BINS})")
        subparser.add_argument("--reliability-plot", metavar="FILE",
                               help="also draw each side's reliability diagram (runs pooled) as a PNG here")
        subparser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        subparser.add_argument("--cuda-device", type=int, default=-1)

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        if args.resamples < 1:
            raise InputError("must be at least 1", "--resamples", content=str(args.resamples))
        if args.calibration_bins < 1:
            raise InputError("must be at least 1", "--calibration-bins", content=str(args.calibration_bins))
        result = compare_archives(
            archive_group(args.a), archive_group(args.b), args.data, args.resamples, args.bootstrap_seed,
            args.batch_size, args.cuda_device, args.overrides, args.positive_label, args.save_predictions,
            args.calibration_bins, args.reliability_plot, (args.a, args.b),
        )
        print(format_comparison(result, args.a, args.b))
        if args.output_file:
            atomic_write(args.output_file, json.dumps(result, indent=2) + "\n")
            print(f"wrote {args.output_file}", file=sys.stderr)
        if args.save_predictions:
            saved = result["saved_predictions"]
            print(f"wrote {len(saved['a'])} + {len(saved['b'])} predictions file(s) under {args.save_predictions}",
                  file=sys.stderr)
