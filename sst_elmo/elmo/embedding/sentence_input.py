"""
Reading the sentences of a text, JSONL or CSV file for `allennlp elmo-embed`, each with the
line it came from; any bad line raises an `InputError` naming the file and line.
"""
import os
from dataclasses import dataclass
from typing import Iterator, List

from allennlp.common.checks import ConfigurationError

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import csv_with_header, numbered_lines
from sst_elmo.data.tokenizers import TreebankTokenizer
from sst_elmo.dataset_readers.sentence_jsonl import parse_json_line, row_text
from sst_elmo.dataset_readers.tweets_csv import clean_tweet

FORMATS = ("text", "jsonl", "csv")
DEFAULT_COLUMN = "tweet"
_EXTENSIONS = {".txt": "text", ".jsonl": "jsonl", ".csv": "csv"}


@dataclass
class Sentence:
    """
    One sentence of the input.

    # Parameters

    index : `int`
        0-based index of its line in the input file; `str(index)` is its HDF5 key.
    text : `str`
        The text as in the input (a `tokens` list joined with spaces); the key of
        `sentence_to_index`.
    tokens : `List[str]`
        What ELMo embeds, never empty.
    """

    index: int
    text: str
    tokens: List[str]


def infer_format(path: str) -> str:
    """The input format of `path` from its extension (`.txt`, `.jsonl`, `.csv`, each also `.gz`)."""
    name = str(path).lower()
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    extension = os.path.splitext(name)[1]
    if extension not in _EXTENSIONS:
        raise ConfigurationError(
            f"cannot tell the format of {path} from its extension: "
            f"pass --format ({', '.join(FORMATS)})"
        )
    return _EXTENSIONS[extension]


def read_sentences(path: str, input_format: str, column: str = DEFAULT_COLUMN, tokenized: bool = False,
                   clean_tweets: bool = False) -> Iterator[Sentence]:
    """
    Streams the sentences of an input file. Blank lines are skipped (they keep their line
    index, so keys still name input lines); anything malformed, including a sentence without
    tokens, raises an `InputError` naming the file and line.

    # Parameters

    path : `str`
        Plain or `.gz`, local or a URL (see `sst_elmo.common.file_utils.decoded_lines`).
    input_format : `str`
        `"text"`: one sentence per line. `"jsonl"`: one JSON object per line with
        `"tokens"` (used as they are), `"sentence"` or `"text"`. `"csv"`: a header and the
        text in `column`.
    column : `str`, optional (default = `"tweet"`)
        The CSV column with the text.
    tokenized : `bool`, optional (default = `False`)
        Split text on whitespace instead of with the `TreebankTokenizer`.
    clean_tweets : `bool`, optional (default = `False`)
        Clean CSV text like the `tweets_csv` reader (`TweetsCsvReader.clean`) before
        tokenizing.
    """
    if input_format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, not {input_format!r}")
    treebank = TreebankTokenizer()

    def tokenize(text: str) -> List[str]:
        if tokenized:
            return text.split()
        return [token.text for token in treebank.tokenize(text)]

    def sentence(line_number: int, text: str, tokens: List[str], content: str) -> Sentence:
        if not tokens:
            raise InputError("the text has no tokens", path, line_number, content)
        return Sentence(line_number - 1, text, tokens)

    if input_format == "text":
        for line_number, line in numbered_lines(path):
            text = line.strip()
            yield sentence(line_number, text, tokenize(text), line)
    elif input_format == "jsonl":
        for line_number, line in numbered_lines(path):
            value = row_text(parse_json_line(line, path, line_number), path, line_number, line)
            if isinstance(value, list):
                yield sentence(line_number, " ".join(value), list(value), line)
            else:
                yield sentence(line_number, value, tokenize(value), line)
    else:
        _, rows = csv_with_header(path, required_columns=[column])
        for line_number, row in rows:
            text = row[column]
            yield sentence(line_number, text, tokenize(clean_tweet(text) if clean_tweets else text), text)
