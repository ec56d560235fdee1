"""
The `sst-calibrate` subcommand: temperature scaling (Guo et al., ICML 2017) of a classifier
archive, fitted on validation data.

    allennlp sst-calibrate models/sst2/model.tar.gz ../shared/data/sst/dev.txt -o sst2-calibrated.tar.gz

It reads DATA with the archive's validation reader (so `2-class` SST drops the neutral
sentences, as in training), computes the logits of every labelled sentence, and fits one
temperature `T > 0` that minimises the negative log-likelihood of `softmax(logits / T)`
(`sst_elmo.evaluation.calibration.fit_temperature`: a bounded search, deterministic). It writes a
new archive: the same members and the same weights, with `"temperature": T` in the model
section of `config.json` (an argument of `lstm_classifier`, so the archive loads through the
plugin's safe loading like any other). Every prediction of the new archive (`allennlp predict`,
`evaluate`, `sst-predict`, `sst-serve`) then has the probabilities `softmax(logits / T)`; no
label changes. An archive that has a temperature already is fitted again from its raw logits.
`--temperature T` sets `T` instead of fitting one (`--temperature 1`: the trained probabilities).

It prints the NLL, the expected calibration error (`--bins` equal-width bins, default 10), the
mean confidence and the accuracy on DATA before and after; `--plot FILE` writes their
reliability diagram (a PNG). An existing output file is replaced only with `--force`; the
archive is written whole or not at all (`atomic_file`), its bytes a function of the input and
`T` (no time stamps are added).

This module reads the arguments; the calibration is the evaluation room's
(`sst_elmo.evaluation.archive_calibration`).
"""
import argparse

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.archive_loading import resolve_archive
from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.evaluation.archive_calibration import DEFAULT_BATCH_SIZE, calibrate, check_temperature, format_report
from sst_elmo.evaluation.calibration import DEFAULT_BINS


@Subcommand.register("sst-calibrate")
class SstCalibrate(PluginSubcommand):
    """
    Fits a temperature (temperature scaling) on validation data and writes a new archive whose
    probabilities are `softmax(logits / T)`.

    Registered as a `Subcommand` with name "sst-calibrate".
    """

    description = (
        "Calibrate a classifier's probabilities: fit one temperature T on validation data "
        "(minimum NLL) and write a new archive whose probabilities are softmax(logits / T)."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("archive_file", help="a model.tar.gz, or a shipped classifier's name (sst2)")
        subparser.add_argument("data", help="labelled validation data, read with the archive's validation reader")
        subparser.add_argument("-o", "--output-file", required=True, help="the calibrated archive to write")
        subparser.add_argument("--force", action="store_true", help="replace an existing output file")
        subparser.add_argument("--bins", type=int, default=DEFAULT_BINS,
                               help=f"equal-width bins of the calibration error (default {DEFAULT_BINS})")
        subparser.add_argument("--plot", metavar="FILE", help="also write a reliability diagram (PNG) here")
        subparser.add_argument("--temperature", type=float, metavar="T",
                               help="set this temperature instead of fitting one (1: the trained probabilities)")
        subparser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        subparser.add_argument("--cuda-device", type=int, default=-1)

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        if args.bins < 1:
            raise InputError("must be at least 1", "--bins", content=str(args.bins))
        check_temperature(args.temperature)
        report = calibrate(resolve_archive(args.archive_file), args.data, args.output_file, args.force, args.bins,
                           args.plot, args.batch_size, args.cuda_device, args.temperature)
        print(format_report(report))
