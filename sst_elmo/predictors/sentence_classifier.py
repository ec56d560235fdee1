from typing import List

from allennlp.common.util import JsonDict
from allennlp.data import Instance
from allennlp.predictors.predictor import Predictor

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers.sentence_jsonl import parse_json_line, text_of


@Predictor.register("sentence_classifier_predictor")
class SentenceClassifierPredictor(Predictor):
    """
    Predicts the label of a sentence with an `lstm_classifier` (or any model with the same
    outputs).

    Input, one JSON object per line: `{"tokens": ["a", "fine", "film"]}` (used as they are)
    or `{"sentence": "A fine film."}` (tokenized like the training data). Output:
    `{"label": ..., "label_probs": {label: probability}, "tokens": [...]}` plus the model's
    `logits` and `probs`.

    A line that is not a JSON object with one of those keys raises one `InputError` naming
    the line number and content (line numbers count the lines this predictor has read).

    Registered as a `Predictor` with name "sentence_classifier_predictor".
    """

    _lines_read = 0

    def load_line(self, line: str) -> JsonDict:
        self._lines_read += 1
        row = parse_json_line(line, "<predict input>", self._lines_read)
        text_of(row, "<predict input>", self._lines_read, line)
        return row

    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        text = text_of(json_dict, "<predict input>")
        try:
            return self._dataset_reader.text_to_instance(text)
        except ValueError as error:
            raise InputError(str(error), "<predict input>", content=str(text)) from None

    def predict_instance(self, instance: Instance) -> JsonDict:
        output = super().predict_instance(instance)
        output["tokens"] = [token.text for token in instance["tokens"]]
        return output

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = super().predict_batch_instance(instances)
        for output, instance in zip(outputs, instances):
            output["tokens"] = [token.text for token in instance["tokens"]]
        return outputs
