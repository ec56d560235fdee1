"""
A sentence far over the model's `max_tokens`, sent to a real server on loopback: it is cut
before it is tokenized (`CHARACTERS_PER_TOKEN`), so a megabyte costs about what its first
tokens cost, and the answer is the first `max_tokens` tokens, flagged `truncated`.
"""
import json
import time

from sst_elmo.predictors.sentence_classifier import CHARACTERS_PER_TOKEN, cut_text
from sst_elmo.serving.service import PredictionService
from tests.serving.conftest import serving
from tests.serving.test_http import call

WORDS = "A gorgeous , witty , seductive movie . "  # 8 tokens
MEGABYTE = 1_000_000
# Seconds a megabyte sentence may take to answer, upload included. Measured on a 2-core AMD EPYC
# shared with other work (load average 6): 0.24-0.47 s with the cut; 20.6 s for the words without
# it (tokenized twice: checked, then predicted); one 1 MB word, cut, took 3.2 s while the
# tokenizer's address rule was quadratic (tests/data/test_treebank_tokenizer.py), uncut hours.
BOUND = 2.0


def test_a_megabyte_sentence_is_cut_before_tokenizing_and_answered_quickly(lstm_predictor):
    limit = lstm_predictor.max_tokens
    sentence = (WORDS * (MEGABYTE // len(WORDS) + 1))[:MEGABYTE]
    start_of_it = WORDS * (limit // 8 + 2)  # more than `limit` tokens
    expected = lstm_predictor._dataset_reader.tokenize(start_of_it)[:limit]
    with serving(PredictionService(lstm_predictor, max_batch_delay_ms=2), max_body=2 * MEGABYTE) as url:
        for body, tokens in (({"sentence": sentence}, expected),
                             ({"sentence": "a" * MEGABYTE}, ["a" * (limit * CHARACTERS_PER_TOKEN)])):
            start = time.perf_counter()
            status, _, data = call(url, "POST", "/predict", body)
            seconds = time.perf_counter() - start
            output = json.loads(data)
            assert status == 200, data[:300]
            assert output["truncated"] is True and output["tokens"] == tokens
            assert seconds < BOUND, f"{seconds:.1f} s for a sentence of {MEGABYTE:,} characters"


def test_a_cut_sentence_is_flagged_even_with_few_tokens(lstm_predictor):
    limit = lstm_predictor.max_tokens * CHARACTERS_PER_TOKEN
    output = lstm_predictor.predict_json({"sentence": "fine" + " " * limit + "film"})
    assert output["tokens"] == ["fine"] and output["truncated"] is True  # "film" was never read
    within = " " * limit + "fine film" + " " * limit  # the white space around it is not counted
    assert lstm_predictor.predict_json({"sentence": within})["truncated"] is False


def test_cut_text_keeps_whole_words():
    assert cut_text("a fine film", 11) == ("a fine film", False)
    assert cut_text("  a fine film  ", 11) == ("  a fine film  ", False)  # white space around is not counted
    assert cut_text("a fine film", 8) == ("a fine", True)  # "fi" of "film" dropped
    assert cut_text("a fine film", 6) == ("a fine", True)  # the cut falls on a space
    assert cut_text("abcdefgh", 4) == ("abcd", True)  # no space: a hard cut
