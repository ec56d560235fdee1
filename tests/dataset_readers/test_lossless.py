"""Readers never lose or shift data silently: each case is read correctly or is one `file:line` error."""
import csv
import gzip
import io
import json

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import SentenceJsonlReader, SstTreesReader, TextCorpusReader, TweetsCsvReader


def tweets_file(path, rows, bom=False):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "label", "tweet"])
    writer.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return str(path)


def test_an_unterminated_quote_is_an_error_not_a_swallowed_file(tmp_path):
    rows = [[str(i), "0", f"tweet {i}"] for i in range(1, 1000)]
    path = tweets_file(tmp_path / "t.csv", rows)
    assert len(list(TweetsCsvReader().read(path))) == 999
    lines = (tmp_path / "t.csv").read_text().splitlines()
    lines[5] = '5,0,"an unterminated quote'
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    unterminated = r"t\.csv:6: a quoted field runs over lines 6-1000 \(an unterminated quote\?\)"
    with pytest.raises(InputError, match=unterminated):
        list(TweetsCsvReader().read(path))


def test_a_byte_order_mark_does_not_rename_the_id_column_or_move_the_split(tmp_path):
    rows = [[f"id{i}", str(i % 2), f"tweet number {i}"] for i in range(40)]
    plain = tweets_file(tmp_path / "plain.csv", rows)
    marked = tweets_file(tmp_path / "bom.csv", rows, bom=True)
    for split in ("train", "validation"):
        reader = TweetsCsvReader(split=split, validation_fraction=0.3)
        texts = [[t.text for t in i["tokens"]] for i in reader.read(plain)]
        assert texts == [[t.text for t in i["tokens"]] for i in reader.read(marked)] and texts
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + b'{"sentence": "fine", "label": "pos"}\r\n')
    instance = next(iter(SentenceJsonlReader().read(str(tmp_path / "bom.jsonl"))))
    assert [t.text for t in instance["tokens"]] == ["fine"]


def test_labels_outside_the_declared_set_are_errors(tmp_path):
    path = tweets_file(tmp_path / "t.csv", [["1", "0", "fine"], ["2", "positive", "odd"]])
    assert len(list(TweetsCsvReader().read(path))) == 2  # no label set declared: any label
    with pytest.raises(InputError, match=r"t\.csv:3: label 'positive' is not one of the configured labels"):
        list(TweetsCsvReader(labels=["0", "1"]).read(path))
    (tmp_path / "l.jsonl").write_text('{"text": "a", "label": "pos"}\n{"text": "b", "label": 2}\n')
    with pytest.raises(InputError, match=r"l\.jsonl:2: label '2' is not one of"):
        list(SentenceJsonlReader(labels=["neg", "pos"]).read(str(tmp_path / "l.jsonl")))


def test_a_nul_byte_inside_a_word_is_an_error(tmp_path):
    (tmp_path / "trees.txt").write_text("(3 (2 fine) (3 tree))\n(3 (2 bad\x00word) (3 tree))\n")
    with pytest.raises(InputError, match=r"trees\.txt:2: the token 'bad\\x00word' has a control character"):
        list(SstTreesReader().read(str(tmp_path / "trees.txt")))


@pytest.mark.parametrize(
    "row, message",
    [
        ({"tokens": ["a"], "sentence": "b"}, "give only one of the keys"),
        ({"sentence": "a", "label": True}, "'label' must be a string or an integer"),
    ],
)
def test_ambiguous_jsonl_rows_are_errors(tmp_path, row, message):
    (tmp_path / "in.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match=message):
        list(SentenceJsonlReader().read(str(tmp_path / "in.jsonl")))


@pytest.mark.parametrize(
    "reader, name, content",
    [
        (SentenceJsonlReader, "empty.jsonl", b""),
        (SentenceJsonlReader, "blank.jsonl.gz", gzip.compress(b"\n\n", mtime=0)),
        (SstTreesReader, "empty.txt", b""),
        (TweetsCsvReader, "header_only.csv", b"id,label,tweet\n"),
        (TextCorpusReader, "empty.txt", b"\n"),
        (lambda: SentenceJsonlReader(split="validation", validation_fraction=0.01), "one.jsonl",
         b'{"id": "x", "text": "a"}\n'),
    ],
)
def test_a_file_with_no_instances_is_an_error_naming_it(tmp_path, reader, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as error:
        list(reader().read(str(tmp_path / name)))
    assert str(error.value) == f"{tmp_path / name}: no instances: the file is empty, or none of its rows is in " \
                               "the configured split"


@pytest.mark.parametrize("reader", [SentenceJsonlReader, SstTreesReader, TweetsCsvReader, TextCorpusReader])
def test_a_missing_file_or_a_directory_is_one_line(tmp_path, reader):
    with pytest.raises(InputError, match=r"nope: no such file$"):
        list(reader().read(str(tmp_path / "nope")))
    with pytest.raises(InputError, match="is a directory, not a file"):
        list(reader().read(str(tmp_path)))


def test_an_unlabelled_training_set_is_named_as_such():
    from allennlp.common.checks import ConfigurationError
    from allennlp.data import Vocabulary
    from allennlp.modules.text_field_embedders import BasicTextFieldEmbedder
    from allennlp.modules.token_embedders import Embedding

    from sst_elmo.models.lstm_classifier import LstmClassifier

    vocab = Vocabulary({"tokens": {"a": 1}})
    embedder = BasicTextFieldEmbedder({"tokens": Embedding(embedding_dim=4, num_embeddings=3)})
    with pytest.raises(ConfigurationError, match="the vocabulary has no labels .* unlabelled file"):
        LstmClassifier(vocab, embedder)
