"""
The fuzz properties. The default suite (and so CI) runs each with a small budget,
`CI_EXAMPLES` derandomized examples (seconds in all); the full fuzz run, 200 generated inputs
per reader and for the predictor with a fixed seed (`derandomize`), takes a few minutes, so it
runs only when asked:

    SST_ELMO_FUZZ=1 .venv/bin/python -m pytest tests/test_fuzz.py tests/dataset_readers/test_properties.py \
        --hypothesis-show-statistics

`SST_ELMO_FUZZ_EXAMPLES=N` sets the examples per property of either run.

With SST_ELMO_FUZZ=1 the reader properties of `tests/dataset_readers/test_properties.py` (any
bytes, lines, trees, JSON and CSV given to every reader are read or stop with one `InputError`
naming the file and line) run 200 derandomized examples each too. This file adds: nothing is
dropped silently (a file of N well-formed rows gives exactly N instances), and with
`skip_bad_lines` every line given to the predictor is either predicted or reported.
"""
import csv
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sst_elmo.common.errors import InputError
from tests.dataset_readers.test_properties import read_or_fail_clearly

pytestmark = pytest.mark.fuzz
FUZZING = bool(os.environ.get("SST_ELMO_FUZZ"))
FULL_EXAMPLES, CI_EXAMPLES = 200, 25
FUZZ = settings(
    max_examples=int(os.environ.get("SST_ELMO_FUZZ_EXAMPLES", FULL_EXAMPLES if FUZZING else CI_EXAMPLES)),
    derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def read(name, content: bytes):
    """`read_or_fail_clearly` of the property tests: the instances, or `None` after a checked `InputError`."""
    return read_or_fail_clearly(name, content)


words = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20)


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["0", "1"]), words), min_size=1, max_size=12))
def test_tweets_no_row_is_lost(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "label", "tweet"])
    for i, (label, text) in enumerate(rows):  # the csv module cannot write NUL; lines break only quoted
        writer.writerow([f"id{i}", label, text.replace("\n", " ").replace("\r", " ").replace("\x00", "")])
    instances = read("tweets_csv_labels", out.getvalue().encode("utf-8"))
    assert instances is None or len(instances) == len(rows)


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({"sentence": words, "label": st.sampled_from(["a", "b"])}), min_size=1,
                     max_size=12), crlf=st.booleans(), bom=st.booleans())
def test_jsonl_no_row_is_lost(rows, crlf, bom):
    content = ("\r\n" if crlf else "\n").join(json.dumps(row) for row in rows).encode("utf-8")
    instances = read("sentence_jsonl", (b"\xef\xbb\xbf" if bom else b"") + content)
    if instances is not None:
        assert len(instances) == len(rows)
        assert [i["label"].label for i in instances] == [row["label"] for row in rows]


tree_words = st.text(st.characters(blacklist_characters="() \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029",
                                   blacklist_categories=["Cs", "Zs"]), min_size=1, max_size=8)


@FUZZ
@given(rows=st.lists(st.tuples(st.integers(0, 4), st.lists(tree_words, min_size=1, max_size=5)), min_size=1,
                     max_size=10))
def test_trees_no_sentence_is_lost(rows):
    lines = [f"({label} " + " ".join(f"(2 {word})" for word in leaves) + ")" for label, leaves in rows]
    instances = read("sst_trees_sentences", "\n".join(lines).encode("utf-8"))
    if instances is not None:
        assert [[t.text for t in i["tokens"]] for i in instances] == [leaves for _, leaves in rows]


@pytest.fixture(scope="module")
def predictor():
    from allennlp.common import Params
    from allennlp.data import DatasetReader, Vocabulary
    from allennlp.models import Model
    from allennlp.predictors import Predictor

    from tests.conftest import CONFIGS, FIXTURES

    os.environ.update(SST_ELMO_GLOVE="6B.50d", SST_ELMO_GLOVE_FILE=str(FIXTURES / "glove.50d.txt"))
    params = Params.from_file(str(CONFIGS / "sst5_lstm.jsonnet"))
    reader = DatasetReader.from_params(params.pop("validation_dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    return Predictor.by_name("sentence_classifier_predictor")(model.eval(), reader)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | words,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(words, children, max_size=3),
    max_leaves=8,
)
lines = (
    st.dictionaries(st.sampled_from(["tokens", "sentence", "text", "label", "id"]), json_values | st.lists(words),
                    max_size=3).map(json.dumps)
    | st.text(max_size=80)
    | words.map(lambda text: json.dumps({"sentence": text}))
)


@FUZZ
@given(batch=st.lists(lines.filter(lambda line: line.strip()), min_size=1, max_size=6))
def test_predictor_every_line_is_predicted_or_reported(predictor, batch):
    predictor.skip_bad_lines, predictor.bad_lines, predictor._lines_read = True, [], 0
    rows = [predictor.load_line(line) for line in batch]
    outputs = predictor.predict_batch_json(rows)
    written = [predictor.dump_line(output) for output in outputs]
    assert sum(bool(text) for text in written) + len(predictor.bad_lines) == len(batch)
    for text in filter(None, written):
        row = json.loads(text)
        assert len(row["labels"]) == len(row["probs"]) and row["label"] in row["labels"]
    predictor.skip_bad_lines, predictor._lines_read = False, 0
    for line in batch:
        try:
            predictor.predict_json(predictor.load_line(line))
        except InputError as error:
            assert str(error).startswith("<predict input>:") and "\n" not in str(error)
