"""
The `elmo-embed` subcommand: the ELMo vectors of every sentence of a file, written to HDF5,
like AllenNLP 0.9's `allennlp elmo` (which AllenNLP 2.x removed).

    $ allennlp elmo-embed sentences.txt vectors.hdf5 \\
        --options-file options.json --weight-file weights.hdf5 --output average

    $ allennlp elmo-embed tweets.csv features.hdf5 --column tweet --clean-tweets \\
        --options-file options.json --weight-file weights.hdf5 \\
        --output pooled --layers all --pooling mean,max --standardize
"""
import argparse
import logging
from typing import Optional

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.elmo.embedding.embedding_writer import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CHUNK_SIZE,
    LAYER_COMBINATIONS,
    OUTPUT_MODES,
    SentenceFeatures,
    embed_file,
)
from sst_elmo.elmo.embedding.sentence_input import DEFAULT_COLUMN, FORMATS

logger = logging.getLogger(__name__)


@Subcommand.register("elmo-embed")
class ElmoEmbed(PluginSubcommand):
    """
    Writes the ELMo vectors of every sentence of a text, JSONL or CSV file to an HDF5 file:
    one dataset per sentence, keyed by the 0-based index of its input line, and a
    `sentence_to_index` JSON map from sentence text to key.

    The biLM's state is reset for every batch, so a sentence's vectors depend on the sentence
    alone. The output appears only when complete (work goes to `OUTPUT.partial`, flushed
    after every batch); rerunning an interrupted command finishes the `.partial`.
    See `sst_elmo.elmo.embedding.embedding_writer.embed_file`.

    Registered as a `Subcommand` with name "elmo-embed".
    """

    description = (
        "Write the ELMo vectors of every sentence of a file (one sentence per line, "
        "JSONL or CSV) to an HDF5 file, one dataset per sentence keyed by its 0-based "
        "line index. Interrupted runs resume from OUTPUT.partial."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("input_file", type=str, help="the sentences (.txt, .jsonl, .csv, also .gz)")
        subparser.add_argument("output_file", type=str, help="the HDF5 file to write")
        subparser.add_argument("--options-file", type=str, required=True, help="the ELMo options (JSON)")
        subparser.add_argument("--weight-file", type=str, required=True, help="the ELMo weights (HDF5)")
        subparser.add_argument(
            "--format",
            dest="input_format",
            choices=FORMATS,
            default=None,
            help="the input format; by default from the extension of INPUT_FILE",
        )
        subparser.add_argument(
            "--column",
            type=str,
            default=DEFAULT_COLUMN,
            help="the CSV column with the text",
        )
        subparser.add_argument(
            "--clean-tweets",
            action="store_true",
            help="clean CSV text like the tweets_csv reader (URLs, punctuation, case, digits)",
        )
        subparser.add_argument(
            "--tokenized",
            action="store_true",
            help="the text is tokenized: split it on whitespace (default: Penn Treebank tokenization)",
        )
        subparser.add_argument(
            "--output",
            dest="output_mode",
            choices=OUTPUT_MODES,
            default="all",
            help="all: every layer (n_layers, n_tokens, dim); top: the top layer (n_tokens, dim); "
            "average: the mean of the layers (n_tokens, dim); mean-pooled: its mean over tokens (dim,); "
            "pooled: one vector per sentence from --layers, --combine and --pooling",
        )
        subparser.add_argument(
            "--layers",
            default=None,
            help="with --output pooled: 'all' (default), 'top' or layer indices such as '1,2' "
            "(0 the character layer, -1 the top)",
        )
        subparser.add_argument(
            "--combine",
            choices=LAYER_COMBINATIONS,
            default=None,
            help="with --output pooled: concatenate the chosen layers (default) or average them",
        )
        subparser.add_argument(
            "--pooling",
            default=None,
            help="with --output pooled: 'mean' (default), 'max' or 'mean,max' (concatenated) over the tokens",
        )
        subparser.add_argument(
            "--standardize",
            action="store_true",
            help="with one vector per sentence (pooled, mean-pooled): store each standardised per "
            "dimension over the file; the mean and sd go to the attributes feature_mean and feature_scale",
        )
        subparser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="sentences per batch")
        subparser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help="sentences read, sorted by length and batched together",
        )
        subparser.add_argument("--cuda-device", type=int, default=-1, help="the GPU to use; -1 for the CPU")

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _embed_from_args(args)


def _features(args: argparse.Namespace) -> Optional[SentenceFeatures]:
    """`SentenceFeatures` from --layers, --combine and --pooling; `None` when none is given."""
    given = {"layers": args.layers, "combine": args.combine, "pooling": args.pooling}
    if all(value is None for value in given.values()):
        return None
    if args.output_mode != "pooled":
        named = ", ".join(f"--{name}" for name, value in given.items() if value is not None)
        raise ConfigurationError(f"{named} need --output pooled, not --output {args.output_mode}")
    return SentenceFeatures.parse(args.layers or "all", args.combine or "concatenate", args.pooling or "mean")


def _embed_from_args(args: argparse.Namespace) -> None:
    report = embed_file(
        args.input_file,
        args.output_file,
        args.options_file,
        args.weight_file,
        input_format=args.input_format,
        column=args.column,
        output_mode=args.output_mode,
        batch_size=args.batch_size,
        cuda_device=args.cuda_device,
        tokenized=args.tokenized,
        clean_tweets=args.clean_tweets,
        chunk_size=args.chunk_size,
        features=_features(args),
        standardize=args.standardize,
    )
    resumed = f" ({report.reused} from an unfinished run)" if report.reused else ""
    print(f"Wrote the ELMo vectors of {report.total} sentences{resumed} to {report.path}.")
