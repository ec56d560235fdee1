"""
Property-based tests: whatever bytes a reader is given, it either reads them or raises one
`InputError` of the form `file:line: message`; nothing hangs or escapes as another error.
"""
import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import SentenceJsonlReader, SstTreesReader, TextCorpusReader, TweetsCsvReader

NO_INSTANCES = "no instances: the file is empty, or none of its rows is in the configured split"
# 50 random examples in the default suite (which CI runs; docs/reliability.md gives the time it takes); the fuzz
# run (SST_ELMO_FUZZ=1, see tests/test_fuzz.py) runs 200, derandomized. SST_ELMO_FUZZ_EXAMPLES=N sets either.
FUZZING = bool(os.environ.get("SST_ELMO_FUZZ"))
PROPERTY = settings(
    max_examples=int(os.environ.get("SST_ELMO_FUZZ_EXAMPLES", 200 if FUZZING else 50)),
    derandomize=FUZZING, deadline=None if FUZZING else 2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

READERS = {
    "sst_trees": (lambda: SstTreesReader(use_subtrees=True), ".txt"),
    "sst_trees_2class": (lambda: SstTreesReader(granularity="2-class"), ".txt"),
    "sst_trees_sentences": (SstTreesReader, ".txt"),
    "tweets_csv": (TweetsCsvReader, ".csv"),
    "tweets_csv_labels": (lambda: TweetsCsvReader(labels=["0", "1"]), ".csv"),
    "sentence_jsonl": (SentenceJsonlReader, ".jsonl"),
    "sentence_jsonl_split": (lambda: SentenceJsonlReader(split="validation", validation_fraction=0.5), ".jsonl"),
    "text_corpus": (lambda: TextCorpusReader(max_sentence_length=5), ".txt"),
}


def read_or_fail_clearly(name, content: bytes):
    """Reads `content` with reader `name`; returns the instances, or checks the `InputError`."""
    make_reader, suffix = READERS[name]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"input{suffix}"
        path.write_bytes(content)
        try:
            instances = list(make_reader().read(str(path)))
        except InputError as error:
            message = str(error)
            if message == f"{path}: {NO_INSTANCES}":
                return []
            assert re.match(re.escape(str(path)) + r":\d+: \S", message), message
            assert "\n" not in message
            line = int(message[len(str(path)) + 1 :].split(":", 1)[0])
            assert 1 <= line <= max(content.count(b"\n") + 1, 1)
            return None
    for instance in instances:
        assert len(instance["tokens"]) > 0
        assert all(isinstance(token.text, str) for token in instance["tokens"])
    return instances


lines = st.lists(st.text(max_size=30), max_size=8).map(lambda rows: "\n".join(rows).encode("utf-8"))
tree_text = st.text(alphabet="()01234567 ab\t", max_size=40)
trees = st.lists(tree_text, max_size=6).map(lambda rows: "\n".join(rows).encode("utf-8"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
json_rows = st.dictionaries(
    st.sampled_from(["tokens", "sentence", "text", "label", "id", "other"]), json_values, max_size=4
)
jsonl = st.lists(json_rows | json_values, max_size=6).map(
    lambda rows: "\n".join(json.dumps(row) for row in rows).encode("utf-8")
)
csv_field = st.text(alphabet='ab ,"\n\r1#', max_size=12)
csv_content = st.lists(st.lists(csv_field, max_size=4), max_size=6).map(
    lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8")
)
tweets = st.tuples(
    st.lists(st.sampled_from(["id", "label", "tweet", "x"]), max_size=4, unique=True), csv_content
).map(lambda pair: (",".join(pair[0]) + "\n").encode() + pair[1])


@pytest.mark.parametrize("name", sorted(READERS))
@PROPERTY
@given(content=st.binary(max_size=200))
def test_random_bytes(name, content):
    read_or_fail_clearly(name, content)


@pytest.mark.parametrize("name", sorted(READERS))
@PROPERTY
@given(content=lines)
def test_random_text_lines(name, content):
    read_or_fail_clearly(name, content)


@PROPERTY
@given(content=trees)
def test_unbalanced_and_unlabelled_trees(content):
    for name in ("sst_trees", "sst_trees_2class"):
        read_or_fail_clearly(name, content)


@PROPERTY
@given(content=jsonl)
def test_json_rows_with_non_string_tokens_and_labels(content):
    for name in ("sentence_jsonl", "sentence_jsonl_split"):
        read_or_fail_clearly(name, content)


@PROPERTY
@given(content=tweets)
def test_csv_with_wrong_columns_and_quotes(content):
    read_or_fail_clearly("tweets_csv", content)


@PROPERTY
@given(blank_lines=st.integers(0, 5), junk=st.binary(max_size=20))
def test_invalid_utf8_names_its_line(blank_lines, junk):
    # A good first line, blank lines, then a line with a byte that is never UTF-8 (0xff).
    first = {"sst_trees": b"(2 a)", "sentence_jsonl": b'{"sentence": "a"}', "text_corpus": b"a"}
    for name, good in first.items():
        data = good + b"\n" + b"\n" * blank_lines + b"\xff" + junk + b"\n(2 b)\n"
        with pytest.raises(InputError, match=rf"input\.\w+:{2 + blank_lines}: not valid UTF-8"):
            make_reader, suffix = READERS[name]
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / f"input{suffix}"
                path.write_bytes(data)
                list(make_reader().read(str(path)))


LONG = ["word"] * 10_000
LONG_INPUTS = {
    "sst_trees": "(3 " + " ".join("(2 word)" for _ in LONG) + ")",
    "sst_trees_2class": "(3 " + " ".join("(2 word)" for _ in LONG) + ")",
    "sentence_jsonl": json.dumps({"tokens": LONG, "label": 1}),
    "sentence_jsonl_split": json.dumps({"sentence": " ".join(LONG)}),
    "tweets_csv": "id,label,tweet\n1,0," + " ".join(LONG),
    "tweets_csv_labels": "id,label,tweet\n1,0," + " ".join(LONG),
    "sst_trees_sentences": "(3 " + " ".join("(2 word)" for _ in LONG) + ")",
    "text_corpus": " ".join(LONG),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_10000_token_sentence(name):
    instances = read_or_fail_clearly(name, LONG_INPUTS[name].encode())
    if name == "text_corpus":  # cut into chunks of max_sentence_length=5
        assert len(instances) == 2000
    elif name == "sentence_jsonl_split":  # a hash split: the one line is in it or not
        assert len(instances) <= 1 and all(len(i["tokens"]) == 10_000 for i in instances)
    else:
        assert len(instances[0]["tokens"]) == 10_000
