from typing import Iterable, List

from allennlp.data import DatasetReader, Instance
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import csv_with_header
from sst_elmo.dataset_readers.classification_reader import ClassificationReader
from sst_elmo.dataset_readers.sharding import shard_rows

# Distinct labels listed, at most, when a label is not in the configured `labels`.
SHOWN_FILE_LABELS = 20


@DatasetReader.register("text_csv")
class TextCsvReader(ClassificationReader):
    """
    Reads labelled texts from a CSV file with a header row, with any column names and any
    label strings (`neg`/`pos`, `0`/`1`, ...): the reader for "your own CSV"
    (`configs/csv_classifier.jsonnet`). A file without the label column yields instances
    without labels, for prediction. Texts are tokenized by the reader's tokenizer as they are
    (no cleaning); a quoted text may run over several lines.

    A label that is not in `labels` is an error that names the file, the line, the configured
    labels and the labels that the file's label column holds.

    Registered as a `DatasetReader` with name "text_csv".

    # Parameters

    text_column : `str`, optional (default = `"text"`)
        The header's name of the column that holds the texts.
    label_column : `str`, optional (default = `"label"`)
        The header's name of the column that holds the labels.
    id_column : `str`, optional (default = `"id"`)
        Keys the seeded validation `split` (see `ClassificationReader`) when the file has it;
        without it the line number is used.
    **kwargs
        Passed to `ClassificationReader`.
    """

    # Whether a quoted field may run over lines (tweets are one line each: there it is an error).
    multiline = True

    def __init__(
        self, text_column: str = "text", label_column: str = "label", id_column: str = "id", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self._text_column = text_column
        self._label_column = label_column
        self._id_column = id_column

    @overrides
    def _read(self, file_path: str) -> Iterable[Instance]:
        header, rows = csv_with_header(file_path, required_columns=[self._text_column], multiline=self.multiline)
        has_labels = self._label_column in header
        for line_number, row in shard_rows(rows):
            if not self.in_split(row.get(self._id_column) or line_number):
                continue
            label = row[self._label_column].strip() if has_labels else None
            if has_labels and not label:
                raise InputError(f"empty label (column {self._label_column!r})", file_path, line_number)
            if label is not None and self._labels is not None and label not in self._labels:
                raise InputError(self.unknown_label(label, self.file_labels(file_path)), file_path, line_number)
            text = row[self._text_column]
            yield self.instance_at(file_path, line_number, text, text, label)

    def file_labels(self, file_path: str) -> List[str]:
        """The distinct values of the label column of `file_path` (the first `SHOWN_FILE_LABELS`)."""
        _, rows = csv_with_header(file_path, multiline=self.multiline)
        found: List[str] = []
        try:
            for _, row in rows:
                label = row.get(self._label_column, "").strip()
                if label and label not in found:
                    found.append(label)
                    if len(found) == SHOWN_FILE_LABELS:
                        break
        except InputError:  # a malformed row further on: the labels up to it
            pass
        return sorted(found)
