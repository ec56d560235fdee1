"""
The `sst-predict` subcommand: `allennlp predict` for JSONL input, with exact `file:line`
errors, bad lines skipped on request, and an output file that appears only when complete.

    allennlp sst-predict model.tar.gz input.jsonl [--output-file predictions.jsonl] [--skip-bad-lines]

Without `--output-file` the predictions go to standard output (the messages to standard error).
"""
import argparse
import gzip
import sys
from typing import Iterable, Iterator, TextIO, Tuple

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.archive_loading import add_archive_arguments, load_predictor
from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file, local_input, remove_partials

# Sentences per batch by default (AllenNLP's `predict` runs one at a time unless told).
DEFAULT_BATCH_SIZE = 64
# Input lines held in memory between checking and predicting; beyond this they are read again.
KEEP_CHECKED_ROWS = 200_000


@Subcommand.register("sst-predict")
class SstPredict(PluginSubcommand):
    """
    Predicts every line of a JSONL file (plain or `.gz`) with a model archive.

    Unlike `allennlp predict`, which drops blank lines before the predictor sees them and
    writes predictions as it goes: every error names the exact `file:line`; without
    `--skip-bad-lines` the whole input is checked first, so a bad line stops the command
    before any output exists; with it, each bad line is reported to stderr and the good
    lines are predicted. Lines are predicted in batches of similar length (windows of 64
    batches sorted by length) and written in input order. The output file is written to a
    temporary file and renamed when done; without `--output-file` the predictions go to
    standard output, still only after the whole input was checked.
    The archive's member paths are checked before it is extracted.

    Registered as a `Subcommand` with name "sst-predict".
    """

    description = (
        "Predict every line of a JSONL file with a model archive: exact file:line errors, "
        "optional skipping of bad lines, and no partial output file."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("archive_file", type=str, help="the model.tar.gz")
        subparser.add_argument("input_file", type=str, help="JSONL input (.gz too)")
        subparser.add_argument("--output-file", type=str, default=None,
                               help="where to write the predictions (default: standard output)")
        subparser.add_argument("--skip-bad-lines", action="store_true", help="report bad lines and go on")
        subparser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
            help=f"sentences per batch (default {DEFAULT_BATCH_SIZE}); batches are made of sentences of "
            "similar length, and the output keeps the input order",
        )
        add_archive_arguments(subparser, fast_elmo=False)

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _predict_from_args(args)


def input_lines(path: str) -> Iterator[Tuple[int, str]]:
    """`(line_number, line)` of each non-blank line; undecodable lines come as `InputError`s."""
    opener = gzip.open if path.endswith(".gz") else open
    line_number = 0
    with opener(local_input(path), "rb") as handle:
        try:
            for line_number, raw in enumerate(handle, start=1):  # noqa: B007
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    yield line_number, InputError(f"not valid UTF-8 ({error.reason})", path, line_number)
                    continue
                if line.strip():
                    yield line_number, line
        except (OSError, EOFError) as error:
            raise InputError(f"cannot read compressed data ({error})", path, line_number + 1) from None


def _predict_from_args(args: argparse.Namespace) -> None:
    predictor = load_predictor(args)
    predictor.skip_bad_lines = args.skip_bad_lines

    def rows() -> Iterator[dict]:
        for line_number, line in input_lines(args.input_file):
            if isinstance(line, InputError):
                if not args.skip_bad_lines:
                    raise line
                print(f"skipped {line}", file=sys.stderr)
                predictor.bad_lines.append(str(line))
                continue
            yield predictor.load_numbered_line(line, args.input_file, line_number)

    source: Iterable[dict] = rows()
    if not args.skip_bad_lines:
        checked = []  # the checked rows (tokenized) are kept for prediction, up to a limit
        for row in rows():  # check everything before any output exists
            if checked is not None:
                checked.append(row)
                if len(checked) > KEEP_CHECKED_ROWS:
                    checked = None  # a very large input is read and tokenized a second time
        source = rows() if checked is None else checked
    if args.output_file is None:
        written = _write_predictions(predictor, source, args.batch_size, sys.stdout)
        sys.stdout.flush()
    else:
        for leftover in remove_partials(args.output_file):
            print(f"removed {leftover}, left by a killed run", file=sys.stderr)
        with atomic_file(args.output_file, "w") as out:
            written = _write_predictions(predictor, source, args.batch_size, out)
    skipped = f" ({len(predictor.bad_lines)} bad lines skipped)" if predictor.bad_lines else ""
    where = "standard output" if args.output_file is None else args.output_file
    print(f"Wrote {written} predictions to {where}{skipped}.", file=sys.stderr)


def _write_predictions(predictor, source: Iterable[dict], batch_size: int, out: TextIO) -> int:
    """Writes the predictions of `source`'s rows to `out` in input order; returns how many."""
    written = 0
    for output in predictor.predict_rows(source, batch_size):
        text = predictor.dump_line(output)
        written += bool(text)
        out.write(text)
    return written
