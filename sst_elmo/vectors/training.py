"""
Training static word vectors with gensim and writing them where AllenNLP reads them.

`build_word_vectors` is what `allennlp word-vectors` runs: it writes the corpus of the
pre-training configs (`sst_elmo.vectors.corpus`), trains gensim's `FastText` (CBOW with
character n-grams, the default) or `Word2Vec` on it, and writes `OUTPUT/vectors.txt.gz` in the
GloVe text format (`word v1 v2 ...`, no header) that `embedding.pretrained_file` reads, with
every word of the vocabulary and, for `FastText`, a vector built from character n-grams for
every task word the vocabulary lacks, so that no word of the task starts random. It also writes
`OUTPUT/card.json` (how the vectors were made, read by `configs/lib/words.libsonnet` for the
dimension) and `OUTPUT/README.md`, the same for people.

With `workers=1` the vectors are the same bytes on every run (a fixed seed, one thread);
more workers are faster but not reproducible.
"""
import datetime
import gzip
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy

from sst_elmo.common.cpu import machine_description
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file, atomic_write, file_sha256
from sst_elmo.vectors.corpus import task_words, write_corpus

logger = logging.getLogger(__name__)

ALGORITHMS = ("fasttext", "word2vec")
VECTORS_FILE = "vectors.txt.gz"
CARD_FILE = "card.json"
README_FILE = "README.md"


@dataclass
class VectorSettings:
    """
    How to train the vectors (gensim's names in brackets).

    # Parameters

    algorithm : `str`, optional (default = `"fasttext"`)
        `"fasttext"` (character n-grams of 3 to 6, so unseen words get vectors) or `"word2vec"`.
    dim : `int`, optional (default = `300`)
        The vectors' dimension (`vector_size`).
    window : `int`, optional (default = `5`)
        Context words on each side.
    min_count : `int`, optional (default = `3`)
        Words rarer than this get no vector of their own.
    epochs : `int`, optional (default = `5`)
        Passes over the corpus.
    seed : `int`, optional (default = `0`)
        The random seed.
    workers : `int`, optional (default = `1`)
        Training threads; only 1 gives the same vectors on every run.
    lowercase : `bool`, optional (default = `True`)
        Lowercase the corpus and the task words (as the classifier's indexer does for them).
    skipgram : `bool`, optional (default = `False`)
        Skip-gram (`sg=1`) instead of CBOW.
    """

    algorithm: str = "fasttext"
    dim: int = 300
    window: int = 5
    min_count: int = 3
    epochs: int = 5
    seed: int = 0
    workers: int = 1
    lowercase: bool = True
    skipgram: bool = False

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm {self.algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        for name in ("dim", "window", "min_count", "epochs", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")


def train_model(corpus_file: str, settings: VectorSettings, total_words: int, report_delay: float = 30.0):
    """A gensim `FastText` or `Word2Vec` model trained on `corpus_file` (one sentence a line)."""
    from gensim.models import FastText, Word2Vec

    model_class = FastText if settings.algorithm == "fasttext" else Word2Vec
    model = model_class(
        vector_size=settings.dim,
        window=settings.window,
        min_count=settings.min_count,
        sg=int(settings.skipgram),
        seed=settings.seed,
        workers=settings.workers,
    )
    model.build_vocab(corpus_file=corpus_file)
    model.train(
        corpus_file=corpus_file,
        total_words=total_words,
        total_examples=model.corpus_count,
        epochs=settings.epochs,
        report_delay=report_delay,
    )
    return model


def vectors_to_write(wv, cover: Sequence[str]) -> Tuple[List[str], Dict[str, int]]:
    """
    The words to write: the vocabulary in its order, then each task word that it lacks and
    that has a vector from character n-grams (FastText), in sorted order; and the counts of
    task words covered by the vocabulary, by n-grams and not at all.
    """
    words = [word for word in wv.index_to_key if not any(c.isspace() for c in word)]
    in_vocabulary = set(words)
    ngram_words = []
    missing = 0
    for word in sorted(set(cover) - in_vocabulary):
        if not word or any(c.isspace() for c in word):
            continue
        if getattr(wv, "bucket", 0):  # FastText: every word has character n-grams
            ngram_words.append(word)
        else:
            missing += 1
    covered = {
        "task_words": len(set(cover)),
        "in_vocabulary": len(set(cover) & in_vocabulary),
        "from_subwords": len(ngram_words),
        "missing": missing,
    }
    return words + ngram_words, covered


def write_glove_text(path: str, words: Sequence[str], vector_of: Callable[[str], numpy.ndarray]) -> None:
    """Writes `word v1 v2 ...` lines (6 significant digits), gzip, atomically and reproducibly."""
    with atomic_file(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as handle:
            for word in words:
                values = " ".join(f"{value:.6g}" for value in vector_of(word).tolist())
                handle.write(f"{word} {values}\n".encode())


def _check_output(output_dir: str, force: bool) -> None:
    names = (VECTORS_FILE, CARD_FILE, README_FILE)
    existing = [name for name in names if os.path.exists(os.path.join(output_dir, name))]
    if existing and not force:
        raise InputError(
            f"already holds {', '.join(existing)}; --force replaces {'them' if len(existing) > 1 else 'it'}",
            output_dir,
        )
    if existing:
        logger.warning("replacing %s in %s (--force)", ", ".join(existing), output_dir)


def build_word_vectors(
    configs: Sequence[str],
    output_dir: str,
    settings: VectorSettings,
    cover_configs: Sequence[str] = (),
    force: bool = False,
    keep_corpus: bool = False,
    progress: Callable[[str], None] = logger.info,
    command: Optional[str] = None,
) -> Dict[str, object]:
    """
    Trains vectors on the text of the pre-training `configs` and writes `vectors.txt.gz`,
    `card.json` and `README.md` to `output_dir`; returns the card. With `keep_corpus` the
    tokenized corpus stays as `output_dir/corpus.txt.gz`. `command` is how the card says the
    vectors were made (default: the `allennlp word-vectors` command of these arguments).
    """
    _check_output(output_dir, force)
    os.makedirs(output_dir, exist_ok=True)
    started = time.monotonic()
    cover = sorted(task_words(cover_configs, settings.lowercase)) if cover_configs else []
    if cover_configs:
        progress(f"task words: {len(cover):,} distinct words in the data of {', '.join(cover_configs)}")
    work = tempfile.mkdtemp(prefix="word-vectors-", dir=output_dir)
    try:
        corpus_file = os.path.join(work, "corpus.txt")
        stats = write_corpus(configs, corpus_file, settings.lowercase, progress)
        progress(f"corpus: {stats.sentences:,} sentences, {stats.tokens:,} tokens; training {settings.algorithm}")
        model = train_model(corpus_file, settings, stats.tokens)
        words, covered = vectors_to_write(model.wv, cover)
        progress(f"writing {len(words):,} vectors of dimension {settings.dim}")
        vectors_path = os.path.join(output_dir, VECTORS_FILE)
        write_glove_text(vectors_path, words, model.wv.get_vector)
        if keep_corpus:
            with open(corpus_file, "rb") as source, atomic_file(os.path.join(output_dir, "corpus.txt.gz")) as raw:
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as target:
                    shutil.copyfileobj(source, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    card = make_card(configs, cover_configs, settings, stats, model, words, covered, vectors_path, started)
    card["command"] = command or " ".join(
        ["allennlp word-vectors", *configs, "-o", output_dir, *(f"--cover {c}" for c in cover_configs)]
    )
    atomic_write(os.path.join(output_dir, CARD_FILE), json.dumps(card, indent=2) + "\n")
    atomic_write(os.path.join(output_dir, README_FILE), card_markdown(card))
    return card


def make_card(  # noqa: PLR0913 - the facts of one run
    configs, cover_configs, settings, stats, model, words, covered, vectors_path, started
) -> Dict[str, object]:
    """The facts of `card.json`: corpus, settings, vocabulary, coverage, time, machine, checksum."""
    import gensim

    return {
        "dim": settings.dim,
        "lowercase": settings.lowercase,
        "settings": asdict(settings),
        "corpus": {"configs": list(configs), "sentences": stats.sentences, "tokens": stats.tokens,
                   "sources": stats.sources},
        "vocabulary": len(model.wv.index_to_key),
        "words_written": len(words),
        "coverage": {"configs": list(cover_configs), **covered},
        "file": VECTORS_FILE,
        "bytes": os.path.getsize(vectors_path),
        "sha256": file_sha256(vectors_path),
        "minutes": round((time.monotonic() - started) / 60, 1),
        "machine": machine_description(),
        "date": datetime.date.today().isoformat(),
        "gensim": gensim.__version__,
    }


def card_markdown(card: Dict[str, object]) -> str:
    """`README.md`: the card for people."""
    settings = card["settings"]
    corpus = card["corpus"]
    coverage = card["coverage"]
    lines = [
        f"# Word vectors: {settings['algorithm']}, {card['dim']} dimensions",  # type: ignore[index]
        "",
        f"Trained by `{card['command']}` on {card['date']} ({card['machine']}; {card['minutes']} minutes, "
        f"gensim {card['gensim']}).",
        "",
        "| | |",
        "|---|---|",
        f"| corpus | {corpus['sentences']:,} sentences, {corpus['tokens']:,} tokens "  # type: ignore[index]
        f"({'lowercased' if card['lowercase'] else 'cased'}) |",
        f"| settings | {', '.join(f'{k} {v}' for k, v in settings.items())} |",  # type: ignore[union-attr]
        f"| vocabulary | {card['vocabulary']:,} words (min count {settings['min_count']}) |",  # type: ignore[index]
        f"| task words | {coverage['task_words']:,}: {coverage['in_vocabulary']:,} in the vocabulary, "  # type: ignore[index]
        f"{coverage['from_subwords']:,} from character n-grams, {coverage['missing']:,} without a vector |",
        f"| file | `{card['file']}`, {card['bytes']:,} bytes, sha256 `{card['sha256']}` |",
        "",
        "Sources:",
        "",
    ]
    for source in corpus["sources"]:  # type: ignore[index]
        lines.append(f"- `{source['config']}`: {source['sentences']:,} sentences, {source['tokens']:,} tokens")
    return "\n".join(lines) + "\n"
