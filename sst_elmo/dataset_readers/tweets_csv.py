import re
import string
from typing import Iterable, List

from allennlp.data import DatasetReader, Instance

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import csv_records
from sst_elmo.dataset_readers.classification_reader import ClassificationReader
from sst_elmo.dataset_readers.sharding import shard_rows

_URL = re.compile(r"https?://\S+|www\.\S+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DIGITS = re.compile(r"[0-9]")


@DatasetReader.register("tweets_csv")
class TweetsCsvReader(ClassificationReader):
    """
    Reads tweets from a CSV file with a header, by default the `id,label,tweet` layout of
    the "identify the sentiments" contest; a file without the label column (such as
    `unlabelled.csv`) yields instances without labels, for prediction.

    Each tweet goes through the cleaning of the ELMo feature-extraction tutorial, every step
    switchable: strip URLs, strip punctuation, lower-case, strip digits, squeeze whitespace.
    The tutorial's last step, spaCy lemmatisation, is left out on purpose: spaCy's and
    NLTK WordNet's lemmatisers both need a model download, and ELMo's character input
    does not need lemmas.

    A quoted field that runs over lines is an error naming its first line: in this data it is
    an unterminated quote, which would otherwise swallow every following row.

    Registered as a `DatasetReader` with name "tweets_csv".

    # Parameters

    text_column : `str`, optional (default = `"tweet"`)
    label_column : `str`, optional (default = `"label"`)
    id_column : `str`, optional (default = `"id"`)
        Keys the seeded validation `split` (see `ClassificationReader`); without it the
        line number is used.
    strip_urls, strip_punctuation, lowercase, strip_digits, squeeze_whitespace : `bool`, optional
        The cleaning steps, each on by default, applied in this order.
    **kwargs
        Passed to `ClassificationReader`.
    """

    def __init__(
        self,
        text_column: str = "tweet",
        label_column: str = "label",
        id_column: str = "id",
        strip_urls: bool = True,
        strip_punctuation: bool = True,
        lowercase: bool = True,
        strip_digits: bool = True,
        squeeze_whitespace: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self._text_column = text_column
        self._label_column = label_column
        self._id_column = id_column
        self._steps = [
            step
            for enabled, step in [
                (strip_urls, lambda text: _URL.sub(" ", text)),
                (strip_punctuation, lambda text: text.translate(_PUNCTUATION)),
                (lowercase, str.lower),
                (strip_digits, lambda text: _DIGITS.sub(" ", text)),
                (squeeze_whitespace, lambda text: " ".join(text.split())),
            ]
            if enabled
        ]

    def clean(self, text: str) -> str:
        """Applies the enabled cleaning steps to one tweet."""
        for step in self._steps:
            text = step(text)
        return text

    def _read(self, file_path: str) -> Iterable[Instance]:
        records = csv_records(file_path, multiline=False)  # tweets are one line each
        header = next(records, (1, []))[1]
        self._check_header(file_path, header)
        has_labels = self._label_column in header
        for line_number, fields in shard_rows(records):
            if len(fields) != len(header):
                more_or_fewer = "more" if len(fields) > len(header) else "fewer"
                raise InputError(f"{more_or_fewer} columns than the header", file_path, line_number)
            row = dict(zip(header, fields))
            if not self.in_split(row.get(self._id_column) or line_number):
                continue
            label = row[self._label_column].strip() if has_labels else None
            if has_labels and not label:
                raise InputError("empty label", file_path, line_number)
            text = row[self._text_column]
            yield self.instance_at(file_path, line_number, text, text, label)

    def _check_header(self, path: str, header: List[str]) -> None:
        if self._text_column not in header:
            raise InputError(
                f"no {self._text_column!r} column in the header {','.join(header)!r}", path, 1
            )

    def text_to_instance(self, text, label=None) -> Instance:  # type: ignore
        """Raw tweets are cleaned like the training data; token lists are used as they are."""
        if isinstance(text, str):
            text = self.clean(text)
        return super().text_to_instance(text, label)
