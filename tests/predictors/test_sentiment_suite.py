"""
`allennlp checklist ARCHIVE sst-sentiment`: AllenNLP's sentiment suite run offline on a tiny
archive, with the labels of SST-2 and SST-5 summed into negative / neutral / positive.
"""
import json
import os
import subprocess
import sys

import numpy
import pytest
from allennlp.common.checks import ConfigurationError

from sst_elmo.predictors.sentiment_suite import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    SstSentimentSuite,
    group_matrix,
    label_groups_of,
    name_and_place_ruler,
    suite_sentences,
)
from tests.conftest import FIXTURES, build_archive

SST5_NAMES = {"0": "very negative", "1": "negative", "2": "neutral", "3": "positive", "4": "very positive"}


def test_sst2_labels_map_by_their_names_in_any_order():
    groups = label_groups_of(["1", "0"], {"0": "negative", "1": "positive"})
    assert groups == {"1": "positive", "0": "negative"}
    # Summed into [negative, neutral, positive]: SST-2's neutral column stays 0.
    confs = numpy.array([[0.9, 0.1], [0.2, 0.8]]) @ group_matrix(["1", "0"], groups)
    assert confs.tolist() == [[0.1, 0.0, 0.9], [0.8, 0.0, 0.2]]


def test_sst5_labels_sum_into_three_groups():
    labels = ["2", "3", "1", "4", "0"]  # the shipped sst5's vocabulary order
    groups = label_groups_of(labels, SST5_NAMES)
    assert groups == {"0": "negative", "1": "negative", "2": "neutral", "3": "positive", "4": "positive"}
    probs = numpy.array([[0.10, 0.20, 0.30, 0.15, 0.25]])
    confs = probs @ group_matrix(labels, groups)
    assert confs[0, NEGATIVE] == pytest.approx(0.30 + 0.25)
    assert confs[0, NEUTRAL] == pytest.approx(0.10)
    assert confs[0, POSITIVE] == pytest.approx(0.20 + 0.15)


def test_unnamed_sst_numbers_and_explicit_groups():
    assert label_groups_of(["4", "3", "2", "1", "0"]) == label_groups_of(["0", "1", "2", "3", "4"], SST5_NAMES)
    assert label_groups_of(["0", "1"]) == {"0": "negative", "1": "positive"}
    tweets = {"0": "not negative", "1": "negative"}
    with pytest.raises(ConfigurationError, match="label_groups"):
        label_groups_of(["0", "1"], tweets)  # "not negative" is not "positive": it must be said
    assert label_groups_of(["0", "1"], tweets, {"negative": ["1"], "positive": ["0"]}) == {
        "0": "positive", "1": "negative"}
    with pytest.raises(ConfigurationError, match="cannot tell"):
        label_groups_of(["0", "1", "2"], None, {"negative": ["0"], "positive": ["1"]})  # "2" in no group


def test_suite_sentences_detokenizes_trees_and_keeps_text(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("(1 (2 It) (1 (2 does) (1 (1 n't) (2 (2 -LRB- really -RRB-) (2 work)))))\n\n"
                    "A plain sentence, as typed.\n")
    assert suite_sentences(str(path)) == ["It doesn't (really) work", "A plain sentence, as typed."]


def test_the_ruler_finds_names_and_places_but_not_words():
    data = ["John Smith made it in Chicago.", "Will it work?", "You will love it.", "Parker shot it in India."]
    docs = list(name_and_place_ruler(data).pipe(data))
    assert [(e.text, e.label_) for e in docs[0].ents] == [("John Smith", "PERSON"), ("Chicago", "GPE")]
    assert list(docs[1].ents) == []  # "will" is a word of the data (and a stop word)
    # Parker is a city and a first name: a person; India is a country and a first name: a place.
    assert [(e.text, e.label_) for e in docs[3].ents] == [("Parker", "PERSON"), ("India", "GPE")]


def checklist_data(tmp_path):
    """The fixture trees and a few sentences with names, places and numbers for the NER tests."""
    path = tmp_path / "sentences.txt"
    trees = (FIXTURES / "data/sst/dev.txt").read_text()
    path.write_text(trees + "John Smith made a great film in Chicago in 1999.\n"
                    "Mary Johnson is awful in this 120 minute mess set in Boston.\n")
    return path


def run_checklist(monkeypatch, archive, *args):
    from allennlp.commands import main

    monkeypatch.setattr(sys, "argv", ["allennlp", "checklist", str(archive), "sst-sentiment", *args])
    main()


def test_allennlp_checklist_runs_the_suite_offline_on_a_tiny_archive(tmp_path, fixture_env, monkeypatch):
    run = build_archive(tmp_path / "run", config="sst2_lstm.jsonnet")
    results, summary = tmp_path / "results.json", tmp_path / "summary.txt"
    args = {"data_file": str(checklist_data(tmp_path)), "results_file": str(results)}
    run_checklist(monkeypatch, run / "model.tar.gz", "--task-suite-args", json.dumps(args),
                  "--max-examples", "2", "--output-file", str(summary))
    tests = json.loads(results.read_text())
    by_capability = {}
    for name, test in tests.items():
        by_capability.setdefault(test["capability"], set()).add(name)
        assert test["test_cases_run"] == min(2, test["test_cases"])
        assert test["failure_rate"] is None or 0 <= test["failure_rate"] <= 1
    assert by_capability["NER"] == {"Change names", "Change locations", "Change numbers"}
    assert {"Punctuation", "Typos", "2 Typos", "Contractions", "Add random urls and handles"} <= by_capability[
        "Robustness"]
    assert {"Simple negations: negative", "Simple negations: I thought x was positive, but it was not"} == (
        by_capability["Negation"])
    assert {"Vocabulary", "Temporal", "Fairness"} <= set(by_capability)
    text = summary.read_text()
    assert 'Capability: "Negation"' in text and "Fails (rate)" in text


def predictions_and_confidences(run, sentences):
    from allennlp.predictors import Predictor

    predictor = Predictor.from_path(str(run / "model.tar.gz"))
    suite = SstSentimentSuite(add_default_tests=False)
    preds, confs = suite._prediction_and_confidence_scores(predictor)(sentences)
    probs = numpy.array([output["probs"] for output in predictor.predict_batch_json(
        [{"sentence": sentence} for sentence in sentences])])
    return predictor, preds, confs, probs


def test_the_suite_reads_an_sst5_archive_as_three_classes(tmp_path, fixture_env):
    sentences = ["A wonderful film.", "An awful mess.", "It is long."]
    predictor, preds, confs, probs = predictions_and_confidences(
        build_archive(tmp_path / "run", config="sst5_lstm.jsonnet", seed=3), sentences)
    column = {label: i for i, label in enumerate(predictor.labels)}
    assert set(column) == {"0", "1", "2", "3", "4"}
    numpy.testing.assert_allclose(confs[:, NEGATIVE], probs[:, column["0"]] + probs[:, column["1"]])
    numpy.testing.assert_allclose(confs[:, NEUTRAL], probs[:, column["2"]])
    numpy.testing.assert_allclose(confs[:, POSITIVE], probs[:, column["3"]] + probs[:, column["4"]])
    assert preds.tolist() == confs.argmax(axis=1).tolist()


def test_the_suite_reads_an_sst2_archive_as_two_classes(tmp_path, fixture_env):
    _, preds, confs, probs = predictions_and_confidences(
        build_archive(tmp_path / "run", config="sst2_lstm.jsonnet"), ["A wonderful film.", "An awful mess."])
    assert confs[:, NEUTRAL].tolist() == [0.0, 0.0]
    assert sorted(confs[:, [NEGATIVE, POSITIVE]].ravel().tolist()) == sorted(probs.ravel().tolist())
    assert set(preds.tolist()) <= {NEGATIVE, POSITIVE}


SAME_TESTS = """
import json, sst_elmo
from sst_elmo.predictors.sentiment_suite import SstSentimentSuite
tests = SstSentimentSuite(num_test_cases=5).suite.tests
print(json.dumps([tests[name].data for name in ["Intensifiers", "Used to, but now", "Protected: religion"]]))
"""


def test_one_seed_builds_the_same_tests_in_every_process():
    # CheckList's Editor went through a template's keys in hash order (scripts/vendor/checklist/README.md).
    processes = [subprocess.Popen([sys.executable, "-c", SAME_TESTS], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
                 for seed in ("1", "2")]  # both at once
    (out1, err1), (out2, err2) = (process.communicate(timeout=300) for process in processes)
    assert [process.returncode for process in processes] == [0, 0], err1[-2000:] + err2[-2000:]
    assert out1.splitlines()[-1] == out2.splitlines()[-1]


def test_one_seed_builds_the_same_tests(tmp_path):
    data = suite_sentences(str(checklist_data(tmp_path)))
    first, second, other = (SstSentimentSuite(data=data, seed=seed, num_test_cases=10).suite.tests
                            for seed in (0, 0, 1))
    assert first["Sentiment-laden words in context"].data == second["Sentiment-laden words in context"].data
    assert first["Typos"].data == second["Typos"].data
    assert first["Protected: race"].data != other["Protected: race"].data
    # Each group of tests is seeded on its own: other sentences (other NER and Robustness draws)
    # leave the templated tests as they were.
    fewer = SstSentimentSuite(data=data[:3], seed=0, num_test_cases=10).suite.tests
    for name in ["Simple negations: negative", "Used to, but now", "Protected: race", "Intensifiers"]:
        assert fewer[name].data == first[name].data

