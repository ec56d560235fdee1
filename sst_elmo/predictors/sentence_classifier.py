import logging
import sys
from typing import List, Optional

from allennlp.common.util import JsonDict
from allennlp.data import DatasetReader, Instance
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers.sentence_jsonl import parse_json_line, text_of

logger = logging.getLogger(__name__)

PREDICT_INPUT = "<predict input>"
# What `load_line` returns for a skipped bad line; its output is written as nothing.
BAD_LINE = "_sst_elmo_bad_line"


@Predictor.register("sentence_classifier_predictor")
class SentenceClassifierPredictor(Predictor):
    """
    Predicts the label of a sentence with an `lstm_classifier` (or any model with the same
    outputs).

    Input, one JSON object per line: `{"tokens": ["a", "fine", "film"]}` (used as they are)
    or `{"sentence": "A fine film."}` (tokenized like the training data). Output:
    `{"label": ..., "label_probs": {label: probability}, "tokens": [...]}` plus the model's
    `logits` and `probs`.

    A line that is not a JSON object with one of those keys, or has no tokens, raises one
    `InputError` naming the line number and content. Under `allennlp predict` line numbers
    count the non-blank lines (AllenNLP drops blank lines before the predictor sees them);
    `allennlp sst-predict` gives the exact `file:line`.

    Registered as a `Predictor` with name "sentence_classifier_predictor".

    # Parameters

    skip_bad_lines : `bool`, optional (default = `False`)
        Report each bad line to stderr as `file:line: error` and go on, writing nothing for
        it, instead of stopping. With `allennlp predict`: `--predictor-args '{"skip_bad_lines": true}'`.
    """

    def __init__(
        self, model: Model, dataset_reader: DatasetReader, frozen: bool = True, skip_bad_lines: bool = False
    ) -> None:
        super().__init__(model, dataset_reader, frozen)
        self.skip_bad_lines = skip_bad_lines
        self.bad_lines: List[str] = []
        self._lines_read = 0

    def load_line(self, line: str) -> JsonDict:
        self._lines_read += 1
        return self.load_numbered_line(line, PREDICT_INPUT, self._lines_read)

    def load_numbered_line(self, line: str, path: str, line_number: int) -> JsonDict:
        """
        Parses and checks one input line (as far as building its `Instance`). A bad line raises
        an `InputError` at `path:line_number`, or with `skip_bad_lines` is reported and returned
        as a marker whose prediction is written as nothing.
        """
        try:
            row = parse_json_line(line, path, line_number)
            text_of(row, path, line_number, line)
            self._instance_at(row, path, line_number, line)
        except InputError as error:
            if not self.skip_bad_lines:
                raise
            self.bad_lines.append(str(error))
            print(f"skipped {error}", file=sys.stderr)
            return {BAD_LINE: str(error)}
        return row

    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    def _instance_at(
        self, json_dict: JsonDict, path: str, line_number: Optional[int] = None, content: Optional[str] = None
    ) -> Instance:
        text = text_of(json_dict, path, line_number, content or "")
        try:
            return self._dataset_reader.text_to_instance(text)
        except ValueError as error:
            raise InputError(str(error), path, line_number, content or str(text)) from None

    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        return self._instance_at(json_dict, PREDICT_INPUT)

    def predict_json(self, inputs: JsonDict) -> JsonDict:
        if BAD_LINE in inputs:
            return dict(inputs)
        return super().predict_json(inputs)

    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        good = [row for row in inputs if BAD_LINE not in row]
        outputs = iter(super().predict_batch_json(good) if good else [])
        return [dict(row) if BAD_LINE in row else next(outputs) for row in inputs]

    def dump_line(self, outputs: JsonDict) -> str:
        return "" if BAD_LINE in outputs else super().dump_line(outputs)

    def predict_instance(self, instance: Instance) -> JsonDict:
        output = super().predict_instance(instance)
        output["tokens"] = [token.text for token in instance["tokens"]]
        return output

    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        outputs = super().predict_batch_instance(instances)
        for output, instance in zip(outputs, instances):
            output["tokens"] = [token.text for token in instance["tokens"]]
        return outputs
