import csv
import re
import string
from typing import Iterable, Iterator, Tuple

from allennlp.data import DatasetReader, Instance

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import open_text
from sst_elmo.dataset_readers.classification_reader import ClassificationReader

_URL = re.compile(r"https?://\S+|www\.\S+")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_DIGITS = re.compile(r"[0-9]")


class _Rows:
    """Iterates a CSV file as `(line_number, row)`, turning csv errors into `InputError`s."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __iter__(self) -> Iterator[Tuple[int, dict]]:
        with open_text(self.path) as handle:
            rows = csv.DictReader(handle)
            try:
                for row in rows:
                    yield rows.line_num, row
            except csv.Error as error:
                raise InputError(f"malformed CSV ({error})", self.path, rows.line_num) from None
            except UnicodeDecodeError as error:
                raise InputError(
                    f"not valid UTF-8 ({error.reason})", self.path, rows.line_num + 1
                ) from None


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
        has_labels = None
        for line_number, row in self.shard_iterable(_Rows(file_path)):
            if has_labels is None:
                has_labels = self._check_header(file_path, row)
            if None in row or None in row.values():
                more_or_fewer = "more" if None in row else "fewer"
                raise InputError(f"{more_or_fewer} columns than the header", file_path, line_number)
            if not self.in_split(row.get(self._id_column) or line_number):
                continue
            label = row[self._label_column].strip() if has_labels else None
            if has_labels and not label:
                raise InputError("empty label", file_path, line_number)
            text = row[self._text_column]
            yield self.instance_at(file_path, line_number, text, text, label)

    def _check_header(self, path: str, row: dict) -> bool:
        columns = [column for column in row if column is not None]
        if self._text_column not in columns:
            raise InputError(
                f"no {self._text_column!r} column in the header {','.join(columns)!r}", path, 1
            )
        return self._label_column in columns

    def text_to_instance(self, text, label=None) -> Instance:  # type: ignore
        """Raw tweets are cleaned like the training data; token lists are used as they are."""
        if isinstance(text, str):
            text = self.clean(text)
        return super().text_to_instance(text, label)
