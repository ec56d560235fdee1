import json

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.predictors import Predictor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sst_elmo.common.errors import InputError
from sst_elmo.predictors.sentence_classifier import BAD_LINE
from tests.conftest import CONFIGS, FIXTURES


@pytest.fixture
def predictor(fixture_env):
    params = Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    return Predictor.by_name("sentence_classifier_predictor")(model.eval(), reader)


def test_both_input_forms(predictor):
    by_tokens = predictor.predict_json({"tokens": ["The", "film", "shines", "."]})
    by_sentence = predictor.predict_json({"sentence": "The film shines."})
    assert by_tokens["tokens"] == by_sentence["tokens"] == ["The", "film", "shines", "."]
    assert by_tokens["label"] == by_sentence["label"]
    assert set(by_tokens["label_probs"]) == {"0", "1", "2", "3", "4"}
    assert sum(by_tokens["label_probs"].values()) == pytest.approx(1.0, abs=1e-5)
    assert by_tokens["label_probs"] == pytest.approx(by_sentence["label_probs"], abs=1e-6)
    assert predictor.predict("The film shines.")["label"] == by_tokens["label"]


def test_batch_equals_single(predictor):
    inputs = [json.loads(line) for line in (FIXTURES / "sentences.jsonl").read_text().splitlines()]
    batch = predictor.predict_batch_json(inputs)
    assert [b["tokens"] for b in batch][1] == ["An", "awful", ",", "dull", "mess", "-LRB-", "really", "-RRB-", "."]
    for single_input, from_batch in zip(inputs, batch):
        single = predictor.predict_json(single_input)
        assert single["label_probs"] == pytest.approx(from_batch["label_probs"], abs=1e-5)


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"sentence": "fine"', "not valid JSON"),
        ('"just a string"', "expected a JSON object"),
        ('{"text_typo": "a"}', "no text: expected one of the keys"),
        ('{"tokens": [1, 2]}', '"tokens" must be a list of strings'),
    ],
)
def test_bad_line_gives_one_clear_error(predictor, line, message):
    assert predictor.load_line('{"sentence": "a good line"}') == {"sentence": "a good line"}
    with pytest.raises(InputError) as error:
        predictor.load_line(line)
    text = str(error.value)
    assert text.startswith("<predict input>:2: ") and message in text and "\n" not in text
    assert line[:20] in text


def test_empty_sentence(predictor):
    with pytest.raises(InputError, match="the text has no tokens"):
        predictor.predict_json({"sentence": "   "})


# Bad lines through the CLI: `allennlp predict` with skip_bad_lines, and `allennlp sst-predict`.

@pytest.fixture
def archive_path(tmp_path, predictor):
    """A model.tar.gz of the (untrained) `predictor` model, made in-process."""
    import torch
    from allennlp.models.archival import archive_model

    run = tmp_path / "run"
    run.mkdir()
    Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet")).to_file(str(run / "config.json"))
    predictor._model.vocab.save_to_files(str(run / "vocabulary"))
    torch.save(predictor._model.state_dict(), run / "best.th")
    archive_model(str(run))
    return str(run / "model.tar.gz")


MIXED = (
    b'{"sentence": "A fine film."}\n'
    b"\n"
    b'{"sentence": "broken\n'
    b'{"tokens": []}\n'
    b'{"tokens": ["Dull", "."]}\n'
    b'{"sentence": "caf\xe9"}\n'
    b'{"tokens": ["The", "end"]}\n'
)


def run_cli(monkeypatch, *args):
    import sys

    from allennlp.commands import main

    monkeypatch.setattr(sys, "argv", ["allennlp", *args])
    main()


def test_allennlp_predict_skips_bad_lines(archive_path, tmp_path, monkeypatch, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes(MIXED.replace(b"caf\xe9", b"cafe"))
    out = tmp_path / "out.jsonl"
    run_cli(monkeypatch, "predict", archive_path, str(source), "--output-file", str(out), "--silent",
            "--batch-size", "2", "--predictor-args", '{"skip_bad_lines": true}')
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["tokens"] for row in rows] == [["A", "fine", "film", "."], ["Dull", "."], ["cafe"], ["The", "end"]]
    reports = [line for line in capsys.readouterr().err.splitlines() if line.startswith("skipped")]
    # With the plugin, allennlp predict names the input file and its real line numbers (blank lines counted).
    assert [report.split(": ")[0] for report in reports] == [f"skipped {source}:3", f"skipped {source}:4"]
    assert "not valid JSON" in reports[0] and "the text has no tokens" in reports[1]


def test_sst_predict_skips_bad_lines_with_exact_line_numbers(archive_path, tmp_path, monkeypatch, capsys):
    source = tmp_path / "in.jsonl"
    source.write_bytes(MIXED)
    out = tmp_path / "out.jsonl"
    run_cli(monkeypatch, "sst-predict", archive_path, str(source), "--output-file", str(out),
            "--skip-bad-lines", "--batch-size", "2")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["tokens"] for row in rows] == [["A", "fine", "film", "."], ["Dull", "."], ["The", "end"]]
    err = capsys.readouterr().err
    reports = [line.split(": ")[0] for line in err.splitlines() if line.startswith("skipped")]
    assert reports == [f"skipped {source}:{n}" for n in (3, 4, 6)]
    assert "Wrote 3 predictions" in err and "(3 bad lines skipped)" in err


def test_sst_predict_fails_before_writing_anything(archive_path, tmp_path, monkeypatch):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"sentence": "fine"}\n' * 50 + b"\n" + b'{"text_typo": "x"}\n')
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError) as error:
        run_cli(monkeypatch, "sst-predict", archive_path, str(source), "--output-file", str(out),
                "--batch-size", "4")
    assert str(error.value).startswith(f"{source}:52: no text")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "run"]
    source.write_bytes(b'{"sentence": "fine"}\n')
    (tmp_path / "out.jsonl.k1ll3d.partial").write_text("left by a SIGKILL")
    run_cli(monkeypatch, "sst-predict", archive_path, str(source), "--output-file", str(out))
    assert len(out.read_text().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl", "run"]


# Properties: any line either predicts or raises one InputError naming its line.

PROPERTY = settings(max_examples=50, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
_values = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.lists(
    st.text(max_size=6) | st.integers() | st.none(), max_size=5
)
_lines = (
    st.dictionaries(st.sampled_from(["tokens", "sentence", "text", "label"]), _values, max_size=3).map(json.dumps)
    | st.text(max_size=40)
)


@PROPERTY
@given(line=_lines)
def test_any_line_predicts_or_names_its_line(predictor, line):
    predictor._lines_read = 0
    try:
        row = predictor.load_line(line)
    except InputError as error:
        assert str(error).startswith("<predict input>:1: ") and "\n" not in str(error)
        return
    output = predictor.predict_json(row)
    assert output["tokens"] and output["label"] in output["label_probs"]


@PROPERTY
@given(lines=st.lists(_lines.filter(lambda line: line.strip()), max_size=6))
def test_skipping_never_raises_and_keeps_the_good_lines(predictor, lines):
    predictor.skip_bad_lines = True
    rows = [predictor.load_line(line) for line in lines]
    outputs = [predictor.dump_line(output) for output in predictor.predict_batch_json(rows)] if rows else []
    good = [row for row in rows if BAD_LINE not in row]
    assert sum(bool(text) for text in outputs) == len(good)


def test_max_tokens_applies_at_prediction_time(predictor):
    from sst_elmo.predictors.sentence_classifier import DEFAULT_MAX_TOKENS

    assert predictor.max_tokens == DEFAULT_MAX_TOKENS  # the sst5_elmo reader sets none
    for row in ({"tokens": ["word"] * 50_000}, {"sentence": "word " * 50_000}):
        output = predictor.predict_json(row)
        assert len(output["tokens"]) == DEFAULT_MAX_TOKENS and output["truncated"] is True
    batch = predictor.predict_batch_json([{"tokens": ["a"] * 600}, {"sentence": "short"}])
    assert [(len(o["tokens"]), o["truncated"]) for o in batch] == [(DEFAULT_MAX_TOKENS, True), (1, False)]
    predictor.max_tokens = 3
    assert predictor.predict_json({"sentence": "one two three"})["truncated"] is False


def test_raw_text_starting_with_a_bracket_is_text_not_a_tree(predictor):
    output = predictor.predict_json({"sentence": "(Spoilers ahead) A gorgeous, witty film."})
    assert output["tokens"][:4] == ["-LRB-", "Spoilers", "ahead", "-RRB-"]
    assert predictor.load_numbered_line('{"sentence": "(3 (2 looks) (3 like a tree))"}', "in.jsonl", 1)


def test_outputs_name_the_label_of_each_number(predictor):
    """`probs` and `logits` are in vocabulary order; `labels` gives that order."""
    output = predictor.predict_json({"sentence": "A fine film."})
    vocabulary = predictor._model.vocab.get_index_to_token_vocabulary("labels")
    assert output["labels"] == [vocabulary[i] for i in range(len(vocabulary))]
    assert output["labels"] != sorted(output["labels"])  # the fixture's vocabulary is not in label order
    assert len(output["probs"]) == len(output["logits"]) == len(output["labels"])
    by_label = dict(zip(output["labels"], output["probs"]))
    assert by_label == pytest.approx(output["label_probs"])


MIXED_LENGTHS = [
    {"sentence": "A long , slow and rather dull film that never finds its feet at all ."},
    {"tokens": ["Fine", "."]},
    {"sentence": "Good."},
    {"sentence": "The cast is fine , the script is not ."},
]


def test_a_read_line_is_tokenized_once_and_left_json(predictor, monkeypatch):
    lines = [json.dumps(row) for row in MIXED_LENGTHS]
    calls = []
    tokenize = predictor._dataset_reader.tokenize
    monkeypatch.setattr(predictor._dataset_reader, "tokenize", lambda text: calls.append(text) or tokenize(text))
    rows = [predictor.load_line(line) for line in lines]
    outputs = predictor.predict_batch_json(rows)
    assert len(calls) == 3  # the three "sentence" rows, each once
    assert rows == MIXED_LENGTHS and [json.loads(json.dumps(row)) for row in rows] == MIXED_LENGTHS
    fresh = predictor.predict_batch_json([dict(row) for row in MIXED_LENGTHS])
    assert [o["tokens"] for o in outputs] == [o["tokens"] for o in fresh]
    for output, expected in zip(outputs, fresh):
        assert output["probs"] == pytest.approx(expected["probs"], abs=1e-6)


def test_batches_run_sorted_by_length_and_keep_the_input_order(predictor, monkeypatch):
    seen = []
    run = predictor.predict_batch_instance
    monkeypatch.setattr(predictor, "predict_batch_instance",
                        lambda instances: seen.append([len(i["tokens"]) for i in instances]) or run(instances))
    outputs = predictor.predict_batch_json([dict(row) for row in MIXED_LENGTHS])
    assert seen == [sorted(seen[0])]
    assert [len(o["tokens"]) for o in outputs] == [16, 2, 2, 10]
    for row, output in zip(MIXED_LENGTHS, outputs):
        assert predictor.predict_json(dict(row))["probs"] == pytest.approx(output["probs"], abs=1e-5)


def test_predict_rows_batches_similar_lengths_in_input_order(predictor, monkeypatch):
    lines = [json.dumps(row) for row in MIXED_LENGTHS * 3]
    rows = [predictor.load_numbered_line(line, "in.jsonl", n) for n, line in enumerate(lines)]
    rows.insert(5, {BAD_LINE: "in.jsonl:6: bad"})
    batches = []
    run = predictor.predict_batch_json
    monkeypatch.setattr(predictor, "predict_batch_json", lambda batch: batches.append(batch) or run(batch))
    outputs = list(predictor.predict_rows(rows, batch_size=4))
    lengths = [[len(o["tokens"]) for o in run(batch) if BAD_LINE not in o] for batch in batches]
    assert lengths[:3] == [[2, 2, 2, 2], [2, 2, 10, 10], [10, 16, 16, 16]]  # one window, sorted
    assert [BAD_LINE in o for o in outputs] == [i == 5 for i in range(13)]
    expected = [len(o["tokens"]) for o in run([dict(row) for row in MIXED_LENGTHS * 3])]
    assert [len(o["tokens"]) for o in outputs if BAD_LINE not in o] == expected


def test_outputs_name_their_label_from_the_readers_label_names(lstm_predictor):
    output = lstm_predictor.predict_json({"sentence": "A fine film ."})
    names = {"0": "very negative", "1": "negative", "2": "neutral", "3": "positive", "4": "very positive"}
    assert output["label_name"] == names[output["label"]]
    lstm_predictor.label_names = {}
    assert "label_name" not in lstm_predictor.predict_json({"sentence": "A fine film ."})


def test_label_names_must_name_known_labels():
    import pytest
    from allennlp.common.checks import ConfigurationError

    from sst_elmo.dataset_readers.tweets_csv import TweetsCsvReader

    with pytest.raises(ConfigurationError, match=r"name \['2'\], which are not among its labels"):
        TweetsCsvReader(labels=["0", "1"], label_names={"0": "a", "2": "b"})


# The API the server uses (`sst_elmo.serving.service`), public and documented.
def test_check_line_raises_for_a_bad_line_whatever_skip_bad_lines_says(predictor):
    predictor.skip_bad_lines = True
    with pytest.raises(InputError, match=r"^request:3: .*no tokens"):
        predictor.check_line(json.dumps({"sentence": " "}), "request", 3)
    assert BAD_LINE in predictor.load_numbered_line(json.dumps({"sentence": " "}), "request", 3)  # skipped here
    row = predictor.check_line(json.dumps({"sentence": "A fine film ."}), "request", 1)
    assert row == {"sentence": "A fine film ."}
    assert predictor.predict_json(row)["tokens"] == ["A", "fine", "film", "."]


def test_row_length_counts_the_tokens_the_model_reads(predictor):
    predictor.max_tokens = 3
    short = predictor.check_line(json.dumps({"tokens": ["a", "b"]}), "request", 1)
    long = predictor.check_line(json.dumps({"sentence": "one two three four five"}), "request", 2)
    assert predictor.row_length(short) == 2
    assert predictor.row_length(long) == 3 == len(predictor.predict_json(long)["tokens"])  # truncated
    assert predictor.row_length({"sentence": "not checked"}) == 3


def test_with_model_copy_runs_a_copy_of_the_model_with_the_same_settings(predictor):
    predictor.max_tokens = 7
    copied = predictor.with_model_copy()
    assert copied.model is not predictor.model and copied.max_tokens == 7 and copied.labels == predictor.labels
    assert all(a is not b for a, b in zip(copied.model.parameters(), predictor.model.parameters()))
    row = {"sentence": "The film shines ."}
    assert copied.predict_json(row)["probs"] == pytest.approx(predictor.predict_json(row)["probs"], abs=1e-6)
