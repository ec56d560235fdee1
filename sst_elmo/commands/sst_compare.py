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
(`sst_elmo.evaluation.significance`); and, last, a verdict in plain words: whether B is
better than A, worse, or not shown to differ. With `--positive-label L` it also gives each
side's F1 of label L and the bootstrap interval of its difference. Each side's expected
calibration error (`--calibration-bins`, default 10) comes from the probabilities of its answers
(`sst_elmo.evaluation.calibration`); `--reliability-plot FILE` draws both sides' reliability diagrams.

A side may also be a predictions file (`*.jsonl`) of a model that is not an archive, such as a
scikit-learn baseline: one JSON object a sentence, `{"tokens": [...], "label": gold,
"predicted": answer}` (optionally with `"probability"`, that of the answer), the sentences in
the order the archives' reader reads DATA
(`sst_elmo.evaluation.predictions.write_predictions`), gzipped when it is named
`*.jsonl.gz`; a directory of such files is a group of them. `--save-predictions DIR` writes
every run's answers there as `DIR/a/NAME.jsonl.gz` and `DIR/b/NAME.jsonl.gz`, so that a
comparison can be run again, or pooled with later seeds, without the archives. `--overrides`
applies to every archive as it is loaded, e.g. `'{"validation_dataset_reader.split":
"held_out"}'` to compare on held-out rows.

This module reads the arguments; the comparison is the evaluation room's
(`sst_elmo.evaluation.comparison`), which the lab's reports call too.
"""
import argparse
import json
import sys

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write
from sst_elmo.evaluation.calibration import DEFAULT_BINS
from sst_elmo.evaluation.comparison import SIGNIFICANCE_LEVEL, TERMS, compare_archives, format_comparison
from sst_elmo.evaluation.predictions import DEFAULT_BATCH_SIZE, archive_group
from sst_elmo.evaluation.significance import DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES


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
