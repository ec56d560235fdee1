"""
URLs and @handles removed before tokenizing: by the `sst_trees` reader's tokenizer (on by
default, SST has none) and by the predictor's `strip_urls_and_handles` option (any archive).
"""
import pytest

from sst_elmo.data.text_cleaning import strip_urls_and_handles
from sst_elmo.data.tokenizers import TreebankTokenizer
from sst_elmo.dataset_readers.sst_trees import SstTreesReader
from sst_elmo.predictors.sentence_classifier import SentenceClassifierPredictor

NOISY = {"sentence": "@bob A fine film. https://t.co/Ab3xYz"}


@pytest.mark.parametrize("text, stripped", [
    ("@bob https://t.co/Ab3xYz A fine film. www.example.com", "A fine film."),
    ("A fine film @bob_99 !", "A fine film !"),
    ("write to a@b.com about it", "write to a@b.com about it"),  # an e-mail address is no handle
    ("https://t.co/Ab3xYz", ""),
])
def test_strip_urls_and_handles(text, stripped):
    assert strip_urls_and_handles(text) == stripped


def test_the_tokenizer_option_and_the_sst_reader_s_default():
    words = lambda tokenizer, text: [token.text for token in tokenizer.tokenize(text)]  # noqa: E731
    assert words(TreebankTokenizer(strip_urls_and_handles=True), NOISY["sentence"]) == ["A", "fine", "film", "."]
    assert "@" in words(TreebankTokenizer(), NOISY["sentence"])  # off by default for the tokenizer
    assert words(TreebankTokenizer(strip_urls_and_handles=True), "@bob") == ["@", "bob"]  # nothing else: kept
    text_of = lambda reader: [t.text for t in reader.text_to_instance(NOISY["sentence"])["tokens"]]  # noqa: E731
    assert text_of(SstTreesReader()) == ["A", "fine", "film", "."]  # on for SST's raw text
    assert "bob" in text_of(SstTreesReader(tokenizer=TreebankTokenizer()))  # a config can keep them


def test_an_sst_model_predicts_as_if_they_were_not_there(lstm_predictor):
    clean = lstm_predictor.predict_json({"sentence": "A fine film."})
    assert lstm_predictor.predict_json(NOISY)["tokens"] == clean["tokens"] == ["A", "fine", "film", "."]
    assert lstm_predictor.predict_json(NOISY)["probs"] == pytest.approx(clean["probs"])


def test_the_predictor_option_does_it_for_a_reader_that_keeps_them(lstm_predictor):
    reader = lstm_predictor._dataset_reader
    keeping = SstTreesReader(token_indexers=reader._token_indexers, tokenizer=TreebankTokenizer())
    plain = SentenceClassifierPredictor(lstm_predictor._model, keeping)
    stripping = SentenceClassifierPredictor(lstm_predictor._model, keeping, strip_urls_and_handles=True)
    clean = stripping.predict_json({"sentence": "A fine film."})
    assert stripping.predict_json(NOISY)["tokens"] == clean["tokens"] == ["A", "fine", "film", "."]
    assert stripping.predict_json(NOISY)["probs"] == pytest.approx(clean["probs"])
    assert "bob" in plain.predict_json(NOISY)["tokens"]  # off by default
    # The lines of `predict` and `sst-predict` are tokenized once, stripped too.
    row = stripping.load_numbered_line('{"sentence": "@bob A fine film."}', "in.jsonl", 1)
    assert row.checked_tokens == ["A", "fine", "film", "."]
    # A sentence of nothing else is read as it is rather than refused as empty.
    alone = {"sentence": "@bob"}
    assert stripping.predict_json(alone)["tokens"] == plain.predict_json(alone)["tokens"]
