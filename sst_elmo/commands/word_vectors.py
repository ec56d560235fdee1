"""
The `word-vectors` subcommand: static word vectors trained on the text a pre-training config
reads, in the GloVe text format that `embedding.pretrained_file` reads.

    $ allennlp word-vectors configs/pretrain/imdb_continue.jsonnet -o models/words-imdb \\
        --cover configs/sst5_lstm.jsonnet

writes `models/words-imdb/vectors.txt.gz`, `card.json` and `README.md`; any config then uses
them with `SST_ELMO_WORDS=imdb` (`configs/lib/words.libsonnet`). `--recipe imdb` (or
`tweets`) is that command for the project's named vectors (`sst_elmo.vectors.recipes`).
"""
import argparse
import logging
import os
import shlex
import sys

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.vectors.recipes import RECIPES, recipe_paths

logger = logging.getLogger(__name__)


@Subcommand.register("word-vectors")
class WordVectors(PluginSubcommand):
    """
    Trains static word vectors (gensim's FastText or Word2Vec) on the training text of one or
    more pre-training configs, with a vector for every word of the task data named by
    `--cover`. See `sst_elmo.vectors.training.build_word_vectors`.

    Registered as a `Subcommand` with name "word-vectors".
    """

    description = (
        "Train static word vectors (gensim FastText, or Word2Vec) on the text that pre-training "
        "configs read (same readers, tokenizer, sentence splitting and held-out split), and write "
        "OUTPUT/vectors.txt.gz in the GloVe text format, with a card (card.json, README.md)."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("configs", nargs="*", help="pre-training configs (text_corpus readers) to read")
        subparser.add_argument("-o", "--output-dir", help="where to write the vectors and card")
        subparser.add_argument(
            "--recipe", choices=sorted(RECIPES),
            help="the configs, cover and output (SST_ELMO_MODELS/words-NAME) of the vectors that configs "
            "choose with SST_ELMO_WORDS=NAME",
        )
        subparser.add_argument(
            "--cover", action="append", default=[], metavar="CONFIG",
            help="a classifier config whose train, validation and test data every word of must get a "
            "vector (FastText builds the missing ones from character n-grams); repeatable",
        )
        subparser.add_argument("--algorithm", choices=["fasttext", "word2vec"], default="fasttext")
        subparser.add_argument("--dim", type=int, default=300, help="the vectors' dimension (default 300)")
        subparser.add_argument("--window", type=int, default=5, help="context words on each side (default 5)")
        subparser.add_argument("--min-count", type=int, default=3, help="rarer words get no vector (default 3)")
        subparser.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
        subparser.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")
        subparser.add_argument(
            "--workers", type=int, default=1,
            help="training threads (default 1: the same vectors on every run; more is faster, not reproducible)",
        )
        subparser.add_argument("--skipgram", action="store_true", help="skip-gram instead of CBOW")
        subparser.add_argument(
            "--cased", dest="lowercase", action="store_false",
            help="keep the case of words (default: lowercase, as the configs' indexers do for these vectors)",
        )
        subparser.add_argument("--force", action="store_true", help="replace vectors already in OUTPUT_DIR")
        subparser.add_argument(
            "--keep-corpus", action="store_true", help="keep the tokenized corpus as OUTPUT_DIR/corpus.txt.gz"
        )

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        word_vectors_from_args(args)


def _progress(message: str) -> None:
    print(f"word-vectors: {message}", file=sys.stderr, flush=True)


def word_vectors_from_args(args: argparse.Namespace) -> None:
    from sst_elmo.vectors.training import VectorSettings, build_word_vectors

    try:
        settings = VectorSettings(
            algorithm=args.algorithm, dim=args.dim, window=args.window, min_count=args.min_count,
            epochs=args.epochs, seed=args.seed, workers=args.workers, lowercase=args.lowercase,
            skipgram=args.skipgram,
        )
    except ValueError as error:
        raise SystemExit(f"word-vectors: {error}") from None
    if args.recipe:
        if args.configs or args.cover:
            raise SystemExit("word-vectors: --recipe names its own configs and --cover; give one or the other")
        paths = recipe_paths(args.recipe)
        args.configs, args.cover = paths["configs"], paths["cover"]
        args.output_dir = args.output_dir or os.path.join(os.environ["SST_ELMO_MODELS"], f"words-{args.recipe}")
    elif not args.configs or not args.output_dir:
        raise SystemExit("word-vectors: give pre-training configs and -o OUTPUT_DIR, or --recipe NAME")
    logging.getLogger("gensim").setLevel(logging.INFO)
    card = build_word_vectors(
        args.configs, args.output_dir, settings, cover_configs=args.cover, force=args.force,
        keep_corpus=args.keep_corpus, progress=_progress,
        command=" ".join(["allennlp", *map(shlex.quote, sys.argv[1:])]),
    )
    coverage = card["coverage"]
    print(
        f"Wrote {card['words_written']:,} vectors of dimension {card['dim']} to {args.output_dir} "
        f"({card['corpus']['tokens']:,} tokens, {card['minutes']} min); task words: "  # type: ignore[index]
        f"{coverage['in_vocabulary']:,} in the vocabulary, {coverage['from_subwords']:,} from n-grams, "  # type: ignore[index]
        f"{coverage['missing']:,} without a vector"  # type: ignore[index]
    )
