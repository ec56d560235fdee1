"""
The text to train static word vectors on, and the task words they must cover.

`write_corpus` reads what the `text_corpus` readers of pre-training configs read (their
`train_data_path`, the same held-out split, tokenizer and sentence splitting as the biLM's
training), and writes it one sentence a line, tokens separated by spaces: the `corpus_file`
format that gensim trains from in several passes without tokenizing again. `task_words` reads
the data files of classifier configs with their own readers, so that the vectors cover every
token that the classifier will look up.
"""
import gzip
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from allennlp.common import Params
from allennlp.data import DatasetReader
from allennlp.data.fields import TextField

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

logger = logging.getLogger(__name__)

# A progress line every this many sentences while the corpus is written.
PROGRESS_EVERY = 100_000


@dataclass
class CorpusStats:
    """What `write_corpus` wrote: per source file and in all."""

    sentences: int = 0
    tokens: int = 0
    sources: List[Dict[str, object]] = field(default_factory=list)


def corpus_reader(config_file: str, overrides: str = "") -> Tuple[TextCorpusReader, Any]:
    """The `text_corpus` reader of a pre-training config and its `train_data_path`."""
    params = Params.from_file(config_file, overrides)
    reader_params = params.pop("dataset_reader", None)
    if reader_params is None or reader_params.get("type") != "text_corpus":
        raise InputError("not a pre-training config: its dataset_reader is not a text_corpus reader", config_file)
    reader_params.pop("token_indexers", None)
    reader = DatasetReader.from_params(reader_params)
    assert isinstance(reader, TextCorpusReader)
    return reader, params.pop("train_data_path")


def _lines(
    configs: Sequence[str], lowercase: bool, stats: CorpusStats, progress: Callable[[str], None]
) -> Iterator[str]:
    started = time.monotonic()
    for config_file in configs:
        reader, paths = corpus_reader(config_file)
        source = {"config": config_file, "files": paths, "sentences": 0, "tokens": 0}
        for words in reader.token_lists(paths):
            words = [word for word in words if word.strip()]
            if not words:
                continue
            source["sentences"] += 1  # type: ignore[operator]
            source["tokens"] += len(words)  # type: ignore[operator]
            stats.sentences += 1
            stats.tokens += len(words)
            if stats.sentences % PROGRESS_EVERY == 0:
                progress(
                    f"corpus: {stats.sentences:,} sentences, {stats.tokens:,} tokens "
                    f"({time.monotonic() - started:.0f} s)"
                )
            line = " ".join(words)
            yield line.lower() if lowercase else line
        stats.sources.append(source)


def write_corpus(
    configs: Sequence[str],
    path: str,
    lowercase: bool = True,
    progress: Callable[[str], None] = logger.info,
) -> CorpusStats:
    """
    Writes the training text of the pre-training `configs` to `path` (gzip if it ends in
    `.gz`), one sentence a line, tokens separated by a space, lowercased with `lowercase`.
    """
    stats = CorpusStats()
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in _lines(configs, lowercase, stats, progress):
            handle.write(line + "\n")
    if stats.sentences == 0:
        raise InputError("the configs' training data holds no sentence", ", ".join(configs))
    return stats


def _instance_words(instances: Iterable, field_name: str = "tokens") -> Iterator[str]:
    for instance in instances:
        text_field = instance.fields.get(field_name)
        if isinstance(text_field, TextField):
            yield from (token.text for token in text_field.tokens)


def task_words(config_files: Sequence[str], lowercase: bool = True, overrides: str = "") -> Counter:
    """
    Every token (with its count) of the train, validation and test data of classifier configs,
    read by each config's own readers (`validation_dataset_reader` for validation and test),
    lowercased with `lowercase`.
    """
    counts: Counter = Counter()
    for config_file in config_files:
        params = Params.from_file(config_file, overrides)
        reader_params = params.pop("dataset_reader")
        validation_params = params.pop("validation_dataset_reader", None) or reader_params.duplicate()
        reader = DatasetReader.from_params(reader_params.duplicate())
        validation_reader = DatasetReader.from_params(validation_params)
        for key, chosen in (
            ("train_data_path", reader),
            ("validation_data_path", validation_reader),
            ("test_data_path", validation_reader),
        ):
            data_path: Optional[str] = params.get(key, None)
            if data_path is None:
                continue
            for word in _instance_words(chosen.read(data_path)):
                counts[word.lower() if lowercase else word] += 1
    return counts
