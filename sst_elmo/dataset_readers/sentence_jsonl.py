import json
import re
from typing import Iterable, List, Optional, Union

from allennlp.data import DatasetReader, Instance
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import numbered_lines
from sst_elmo.dataset_readers.classification_reader import ClassificationReader
from sst_elmo.dataset_readers.sharding import shard_rows

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
TEXT_KEYS = ("tokens", "sentence", "text")


@DatasetReader.register("sentence_jsonl")
class SentenceJsonlReader(ClassificationReader):
    """
    Reads one JSON object per line (plain or `.gz`), with the text under one of

    - `"tokens"`: a list of token strings, used as they are;
    - `"sentence"` or `"text"`: raw text, tokenized by the reader's tokenizer
      (PTB tokenization by default). IMDB-style `<br />` markup becomes a space.

    (exactly one of them) and an optional `"label"` (a string or an integer, not `true` or
    `false`). Rows keep their `"id"`, if any, to key the seeded validation `split`.

    Registered as a `DatasetReader` with name "sentence_jsonl".

    # Parameters

    label_key : `str`, optional (default = `"label"`)
    strip_html_breaks : `bool`, optional (default = `True`)
        Replace `<br />` (and `<br>`) with a space before tokenizing.
    **kwargs
        Passed to `ClassificationReader`.
    """

    def __init__(self, label_key: str = "label", strip_html_breaks: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self._label_key = label_key
        self._strip_html_breaks = strip_html_breaks

    @overrides
    def _read(self, file_path: str) -> Iterable[Instance]:
        for line_number, line in shard_rows(numbered_lines(file_path)):
            row = parse_json_line(line, file_path, line_number)
            if not self.in_split(row.get("id", line_number)):
                continue
            text = row_text(row, file_path, line_number, line)
            label = row.get(self._label_key)
            if isinstance(label, bool) or (label is not None and not isinstance(label, (str, int))):
                raise InputError(
                    f"{self._label_key!r} must be a string or an integer", file_path, line_number, line
                )
            yield self.instance_at(file_path, line_number, line, text, label)

    @overrides
    def text_to_instance(  # type: ignore
        self, text: Union[str, List[str]], label: Optional[Union[str, int]] = None
    ) -> Instance:
        if isinstance(text, str) and self._strip_html_breaks:
            text = _HTML_BREAK.sub(" ", text)
        return super().text_to_instance(text, label)


def parse_json_line(line: str, path: Optional[str] = None, line_number: Optional[int] = None) -> dict:
    """Parses one JSONL line into an object, or raises an `InputError` at `path:line`."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON ({error.msg})", path, line_number, line) from None
    if not isinstance(row, dict):
        raise InputError("expected a JSON object", path, line_number, line)
    return row


def row_text(
    row: dict, path: Optional[str] = None, line_number: Optional[int] = None, line: str = ""
) -> Union[str, List[str]]:
    """The `tokens` list, or the `sentence`/`text` string, of one input object, checked."""
    keys = [key for key in TEXT_KEYS if key in row]
    if not keys:
        raise InputError(f"no text: expected one of the keys {TEXT_KEYS}", path, line_number, line)
    if len(keys) > 1:
        raise InputError(f"give only one of the keys {TEXT_KEYS}, not {keys}", path, line_number, line)
    key = keys[0]
    value = row[key]
    if key == "tokens":
        if not isinstance(value, list) or not all(isinstance(token, str) for token in value):
            raise InputError('"tokens" must be a list of strings', path, line_number, line)
    elif not isinstance(value, str):
        raise InputError(f'"{key}" must be a string', path, line_number, line)
    return value
