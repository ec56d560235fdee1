import gzip
import json

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import SentenceJsonlReader
from tests.conftest import FIXTURES


def tokens(instance):
    return [t.text for t in instance["tokens"]]


def write_jsonl(path, rows):
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return str(path)


class TestSentenceJsonlReader:
    def test_tokens_sentence_and_text(self, tmp_path):
        path = write_jsonl(tmp_path / "in.jsonl", [
            {"tokens": ["A", "fine", "film"], "label": "pos"},
            {"sentence": "It isn't good.", "label": 0},
            {"text": "Great.<br /><br />Really."},
        ])
        first, second, third = SentenceJsonlReader().read(path)
        assert tokens(first) == ["A", "fine", "film"] and first["label"].label == "pos"
        assert tokens(second) == ["It", "is", "n't", "good", "."] and second["label"].label == "0"
        assert tokens(third) == ["Great", ".", "Really", "."] and "label" not in third.fields

    def test_gzip_imdb_with_max_tokens_and_split(self):
        path = str(FIXTURES / "data" / "imdb" / "train.jsonl.gz")
        everything = list(SentenceJsonlReader(max_tokens=5).read(path))
        assert len(everything) == 24
        assert max(len(i["tokens"]) for i in everything) == 5
        assert not any("<" in t for i in everything for t in tokens(i))
        train = list(SentenceJsonlReader(split="train", validation_fraction=0.25).read(path))
        validation = list(SentenceJsonlReader(split="validation", validation_fraction=0.25).read(path))
        assert len(train) + len(validation) == 24 and validation

    @pytest.mark.parametrize(
        "line, message",
        [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "expected a JSON object"),
            ('{"label": "pos"}', "no text: expected one of the keys"),
            ('{"tokens": "a b"}', '"tokens" must be a list of strings'),
            ('{"tokens": ["a", 3]}', '"tokens" must be a list of strings'),
            ('{"sentence": 5}', '"sentence" must be a string'),
            ('{"sentence": "  "}', "the text has no tokens"),
            ('{"sentence": "ok", "label": [1]}', "'label' must be a string or an integer"),
        ],
    )
    def test_bad_lines_name_file_and_line(self, tmp_path, line, message):
        path = write_jsonl(tmp_path / "bad.jsonl", [{"sentence": "fine"}, line])
        with pytest.raises(InputError) as error:
            list(SentenceJsonlReader().read(path))
        assert str(error.value).startswith(f"{path}:2: ")
        assert message in str(error.value)

    def test_corrupt_gzip(self, tmp_path):
        path = tmp_path / "bad.jsonl.gz"
        data = gzip.compress(b'{"sentence": "fine"}\n' * 1000)
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(InputError, match="cannot read compressed data"):
            list(SentenceJsonlReader().read(str(path)))


def test_invalid_utf8_names_the_exact_line(tmp_path):
    path = tmp_path / "late.jsonl"
    path.write_bytes(b'{"sentence": "fine"}\n' * 5000 + b'{"sentence": "bad \xff"}\n')
    with pytest.raises(InputError) as error:
        list(SentenceJsonlReader().read(str(path)))
    assert str(error.value).startswith(f"{path}:5001: not valid UTF-8")
