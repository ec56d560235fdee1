import json

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.predictors import Predictor

from sst_elmo.common.errors import InputError
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
