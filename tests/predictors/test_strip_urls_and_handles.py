"""The predictor's `strip_urls_and_handles` option: URLs and @handles removed before tokenizing."""
import pytest

from sst_elmo.dataset_readers.tweets_csv import strip_urls_and_handles
from sst_elmo.predictors.sentence_classifier import SentenceClassifierPredictor


@pytest.mark.parametrize("text, stripped", [
    ("@bob https://t.co/Ab3xYz A fine film. www.example.com", "A fine film."),
    ("A fine film @bob_99 !", "A fine film !"),
    ("write to a@b.com about it", "write to a@b.com about it"),  # an e-mail address is no handle
    ("https://t.co/Ab3xYz", ""),
])
def test_strip_urls_and_handles(text, stripped):
    assert strip_urls_and_handles(text) == stripped


def test_the_option_predicts_as_if_they_were_not_there(lstm_predictor):
    stripping = SentenceClassifierPredictor(lstm_predictor._model, lstm_predictor._dataset_reader,
                                            strip_urls_and_handles=True)
    clean = stripping.predict_json({"sentence": "A fine film."})
    noisy = {"sentence": "@bob A fine film. https://t.co/Ab3xYz"}
    assert stripping.predict_json(noisy)["tokens"] == clean["tokens"] == ["A", "fine", "film", "."]
    assert stripping.predict_json(noisy)["probs"] == pytest.approx(clean["probs"])
    assert "bob" in lstm_predictor.predict_json(noisy)["tokens"]  # off by default
    # The lines of `predict` and `sst-predict` are tokenized once, stripped too.
    row = stripping.load_numbered_line('{"sentence": "@bob A fine film."}', "in.jsonl", 1)
    assert row.checked_tokens == ["A", "fine", "film", "."]
    # A sentence of nothing else is read as it is rather than refused as empty.
    assert stripping.predict_json({"sentence": "@bob"})["tokens"] == lstm_predictor.predict_json(
        {"sentence": "@bob"})["tokens"]
