import copy
import logging
import sys
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple, Union

import numpy
from allennlp.common.util import JsonDict, lazy_groups_of
from allennlp.data import DatasetReader, Instance
from allennlp.data.fields import LabelField, MetadataField
from allennlp.models import Model
from allennlp.predictors.predictor import Predictor
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.data.text_cleaning import strip_urls_and_handles
from sst_elmo.dataset_readers.sentence_jsonl import parse_json_line, row_text
from sst_elmo.predictors.vocabulary_reach import OUT_OF_REACH_THRESHOLD, VocabularyReach, reader_token_indexers

logger = logging.getLogger(__name__)

PREDICT_INPUT = "<predict input>"
# Tokens kept per input when the reader sets no `max_tokens` (ELMo's cost grows with length).
DEFAULT_MAX_TOKENS = 512
TRUNCATED = "_sst_elmo_truncated"
# A raw text is read up to `max_tokens` x this many characters (cut at a space, `cut_text`) before
# it is tokenized, so a megabyte sentence costs no more than its first tokens: English averages
# about 6 characters a token, so the cut leaves a real text several times the tokens the model keeps.
CHARACTERS_PER_TOKEN = 20
# What `load_line` returns for a skipped bad line; its output is written as nothing.
BAD_LINE = "_sst_elmo_bad_line"


def cut_text(text: str, limit: int) -> Tuple[str, bool]:
    """
    `(text, False)` if `text` has at most `limit` characters (the white space around it not
    counted), else `(head, True)`: its first `limit` characters without the word the cut falls
    in (up to the last white space within them, or all `limit` when there is none).
    """
    if len(text) <= limit or len(text.strip()) <= limit:
        return text, False
    text = text.strip()
    head = text[:limit]
    if not text[limit].isspace():
        kept = head.rsplit(None, 1)
        head = kept[0] if len(kept) == 2 else head
    return head, True


class CheckedRow(dict):
    """
    An input row as `load_numbered_line` returns it: the same JSON object (equal to it,
    serialisable as it), carrying the tokens it was checked with, so each line is tokenized
    once. No JSON input can set `checked_tokens`.
    """

    checked_tokens: Optional[List[str]] = None


@Predictor.register("sentence_classifier_predictor")
class SentenceClassifierPredictor(Predictor):
    """
    Predicts the label of a sentence with an `lstm_classifier` (or any model with the same
    outputs).

    Input, one JSON object per line: `{"tokens": ["a", "fine", "film"]}` (used as they are)
    or `{"sentence": "A fine film."}` (raw text, tokenized like the training data; never read
    as a tree, even when it starts with `(`). Output:
    `{"label": ..., "label_name": ..., "label_probs": {label: probability}, "labels": [...],
    "logits": [...], "probs": [...], "tokens": [...], "truncated": bool}`: `logits` and `probs`
    are in the order of `labels`; `tokens` are the tokens the model saw, at most `max_tokens`;
    `label_name` is the reader's `label_names` for the label (only when the archive has them).
    For a model that reads word ids or ELMo characters, the output also has `unknown_share`
    (the share of the words among `tokens` that the model cannot read: out of its word
    vocabulary, or, for ELMo, mostly outside the Latin script), `unknown_tokens` and
    `out_of_reach` (the share is above `out_of_reach_threshold`), with `"warning": "most of
    these words are unknown to this model"` when it is (see `vocabulary_reach.VocabularyReach`).

    A line that is not a JSON object with one of those keys, or has no tokens, raises one
    `InputError` naming the line number and content. `allennlp predict` (through
    `sst_elmo.commands.allennlp_predict`) and `allennlp sst-predict` read lines with
    `load_numbered_line`, which gives the exact `file:line`; blank lines are skipped.

    Speed: a line read with `load_line` (as `allennlp predict` and `sst-predict` do) is
    tokenized once, and `predict_batch_json` runs its batch sorted by length (outputs in input
    order). `allennlp predict` runs one sentence at a time unless given `--batch-size`;
    `allennlp sst-predict` batches and sorts by default (see docs/speed.md).

    What `allennlp sst-serve` uses besides AllenNLP's `Predictor` API: `check_line` (a bad
    input is always its request's error, whatever `skip_bad_lines` says), `row_length` (the
    tokens the model reads for a checked input, which the limits on explanations count),
    `model` and `with_model_copy` (the model that explanations run on).

    Registered as a `Predictor` with name "sentence_classifier_predictor".

    # Parameters

    skip_bad_lines : `bool`, optional (default = `False`)
        Report each bad line to stderr as `file:line: error` and go on, writing nothing for
        it, instead of stopping. With `allennlp predict`: `--predictor-args '{"skip_bad_lines": true}'`.
    max_tokens : `int`, optional (default = the reader's `max_tokens`, else `DEFAULT_MAX_TOKENS`)
        Keep only the first `max_tokens` tokens of each input (`"truncated": true` in its output).
        A `sentence` is first cut to `max_tokens` x `CHARACTERS_PER_TOKEN` (20) characters, at a
        space (`cut_text`), so a very long one is never tokenized whole.
    out_of_reach_threshold : `float`, optional (default = `0.5`)
        An output whose `unknown_share` is above this is `"out_of_reach": true`, with a `warning`.
    strip_urls_and_handles : `bool`, optional (default = `False`)
        Remove URLs and @handles from a `sentence` before it is tokenized
        (`sst_elmo.data.text_cleaning.strip_urls_and_handles`), for an archive whose reader keeps
        them. A model trained on SST trees does it anyway: the `sst_trees` reader's tokenizer
        drops them by default. `--predictor-args '{"strip_urls_and_handles": true}'`.
    """

    def __init__(
        self,
        model: Model,
        dataset_reader: DatasetReader,
        frozen: bool = True,
        skip_bad_lines: bool = False,
        max_tokens: Optional[int] = None,
        out_of_reach_threshold: float = OUT_OF_REACH_THRESHOLD,
        strip_urls_and_handles: bool = False,
    ) -> None:
        super().__init__(model, dataset_reader, frozen)
        self.skip_bad_lines = skip_bad_lines
        self.strip_urls_and_handles = strip_urls_and_handles
        self.max_tokens = max_tokens or getattr(dataset_reader, "_max_tokens", None) or DEFAULT_MAX_TOKENS
        namespace = getattr(model, "_label_namespace", "labels")
        by_index = model.vocab.get_index_to_token_vocabulary(namespace)
        self.labels = [by_index[index] for index in range(len(by_index))]  # the order of logits and probs
        # The names a person reads (the reader's `label_names`, kept in the archive's config).
        self.label_names: Dict[str, str] = dict(getattr(dataset_reader, "label_names", None) or {})
        self.reach = VocabularyReach(model.vocab, reader_token_indexers(dataset_reader), out_of_reach_threshold)
        self.bad_lines: List[str] = []
        self._lines_read = 0

    @overrides
    def load_line(self, line: str) -> JsonDict:
        self._lines_read += 1
        return self.load_numbered_line(line, PREDICT_INPUT, self._lines_read)

    def load_numbered_line(self, line: str, path: str, line_number: int) -> JsonDict:
        """
        Parses and checks one input line (as far as building its `Instance`): `check_line`, but
        with `skip_bad_lines` a bad line is reported and returned as a marker whose prediction
        is written as nothing, instead of raising its `InputError`.
        """
        try:
            return self.check_line(line, path, line_number)
        except InputError as error:
            if not self.skip_bad_lines:
                raise
            self.bad_lines.append(str(error))
            print(f"skipped {error}", file=sys.stderr)
            return {BAD_LINE: str(error)}

    def check_line(self, line: str, path: str, line_number: int) -> JsonDict:
        """
        Parses and checks one input line (as far as building its `Instance`) and returns it as a
        `CheckedRow` (for `predict_batch_json`, `predict_rows` and `row_length`). A bad line
        always raises an `InputError` at `path:line_number`, whatever `skip_bad_lines` says: the
        check of a server, where a bad input is its request's error and never a skipped line.
        """
        row = parse_json_line(line, path, line_number)
        row_text(row, path, line_number, line)
        instance = self._instance_at(row, path, line_number, line)
        row = CheckedRow(row)
        if TRUNCATED not in instance.fields:  # a truncated row is tokenized again, to mark it
            row.checked_tokens = [token.text for token in instance["tokens"]]  # type: ignore[attr-defined]
        return row

    def row_length(self, row: JsonDict) -> int:
        """
        The number of tokens the model reads for `row` (from `check_line` or
        `load_numbered_line`): its checked tokens; `max_tokens` for a row whose tokens are not
        known (truncated, a skipped bad line, or not checked). What the server's limits on the
        work of an explanation count.
        """
        tokens = getattr(row, "checked_tokens", None)
        return len(tokens) if tokens is not None else self.max_tokens

    @property
    def model(self) -> Model:
        """The model this predictor runs."""
        return self._model

    def with_model_copy(self) -> "SentenceClassifierPredictor":
        """
        This predictor over a copy of its model (`copy.deepcopy`), its settings (`max_tokens`,
        labels, label names, reader) as they are: for work that must neither wait for nor change
        the model that predicts, such as the server's explanations (AllenNLP's interpreters hook
        the embedder and switch `requires_grad` on while they run).
        """
        copied = copy.copy(self)
        copied._model = copy.deepcopy(self._model)
        return copied

    def predict(self, sentence: str) -> JsonDict:
        return self.predict_json({"sentence": sentence})

    @classmethod
    @overrides(check_signature=False)
    def from_path(cls, archive_path: str, predictor_name: Optional[str] = None, cuda_device: int = -1,
                  dataset_reader_to_load: str = "validation", frozen: bool = True, import_plugins: bool = True,
                  overrides: Union[str, Dict[str, Any]] = "", **kwargs) -> Predictor:
        """
        `Predictor.from_path`, with the archive loaded by `safe_load_archive` (member paths and
        config types checked, weights read by the restricted unpickler).
        """
        from sst_elmo.safety.archive_safety import safe_load_archive

        archive = safe_load_archive(archive_path, cuda_device=cuda_device, overrides=overrides)
        return Predictor.from_archive(archive, predictor_name, dataset_reader_to_load, frozen, **kwargs)

    def _instance_at(
        self, json_dict: JsonDict, path: str, line_number: Optional[int] = None, content: Optional[str] = None
    ) -> Instance:
        text = getattr(json_dict, "checked_tokens", None) or row_text(json_dict, path, line_number, content or "")
        cut = False
        if isinstance(text, str):  # its tokens past the limit are never read
            text, cut = cut_text(text, self.max_tokens * CHARACTERS_PER_TOKEN)
        if isinstance(text, str) and self.strip_urls_and_handles:
            text = strip_urls_and_handles(text) or text  # a text of nothing else is kept as it is
        if isinstance(text, list):
            text = text[: self.max_tokens + 1]  # one more than kept, to mark the output truncated
        try:
            instance = self._dataset_reader.text_to_instance(text)
            tokens = [token.text for token in instance["tokens"]]  # type: ignore[attr-defined]
            if len(tokens) > self.max_tokens or cut:
                instance = self._dataset_reader.text_to_instance(tokens[: self.max_tokens])
                instance.fields[TRUNCATED] = MetadataField(True)  # taken out again before the model
            return instance
        except ValueError as error:
            raise InputError(str(error), path, line_number, content or str(text)) from None

    def _describe(self, output: JsonDict, instance: Instance, truncated: bool) -> JsonDict:
        if self.label_names:
            output["label_name"] = self.label_names.get(str(output.get("label")), str(output.get("label")))
        output["labels"] = list(self.labels)
        output["tokens"] = [token.text for token in instance["tokens"]]  # type: ignore[attr-defined]
        output["truncated"] = truncated
        output.update(self.reach.describe(output["tokens"]))
        return output

    @overrides
    def _json_to_instance(self, json_dict: JsonDict) -> Instance:
        return self._instance_at(json_dict, PREDICT_INPUT)

    @overrides
    def predict_json(self, inputs: JsonDict) -> JsonDict:
        return self.predict_batch_json([inputs])[0]

    @overrides
    def predict_batch_json(self, inputs: List[JsonDict]) -> List[JsonDict]:
        """
        The predictions of `inputs`, in their order; the model runs them sorted by length
        (fewer padded positions when batches are large).
        """
        good = [row for row in inputs if BAD_LINE not in row]
        instances = self._batch_json_to_instances(good)
        order = sorted(range(len(instances)), key=lambda i: len(instances[i]["tokens"]))  # type: ignore[arg-type]
        by_position: List[JsonDict] = [{}] * len(instances)
        if instances:
            for i, output in zip(order, self.predict_batch_instance([instances[i] for i in order])):
                by_position[i] = output
        outputs = iter(by_position)
        return [dict(row) if BAD_LINE in row else next(outputs) for row in inputs]

    def predict_rows(
        self, rows: Iterable[JsonDict], batch_size: int, window_batches: int = 64
    ) -> Iterator[JsonDict]:
        """
        The predictions of `rows` (from `load_numbered_line`), in their order, computed in
        batches of `batch_size` rows of similar length: each window of `window_batches`
        batches is sorted by length first, so a batch pads little. Memory holds one window.
        """
        for window in lazy_groups_of(iter(rows), batch_size * window_batches):
            order = sorted(range(len(window)), key=lambda i: self.row_length(window[i]))
            outputs: List[JsonDict] = [{}] * len(window)
            for begin in range(0, len(order), batch_size):
                batch = order[begin : begin + batch_size]
                for i, output in zip(batch, self.predict_batch_json([window[i] for i in batch])):
                    outputs[i] = output
            yield from outputs

    @overrides
    def dump_line(self, outputs: JsonDict) -> str:
        return "" if BAD_LINE in outputs else super().dump_line(outputs)

    @overrides
    def json_to_labeled_instances(self, inputs: JsonDict) -> List[Instance]:
        """The input as an `Instance` labelled with the model's prediction (for AllenNLP Interpret)."""
        instance = self._json_to_instance(inputs)
        return self.predictions_to_labeled_instances(instance, self.predict_instance(instance))

    @overrides
    def predictions_to_labeled_instances(
        self, instance: Instance, outputs: Dict[str, numpy.ndarray]
    ) -> List[Instance]:
        """`instance` with a `label` field holding the predicted label (as `TextClassifierPredictor`)."""
        labeled = instance.duplicate()
        labeled.fields.pop(TRUNCATED, None)
        labeled.add_field("label", LabelField(int(numpy.argmax(outputs["probs"])), skip_indexing=True))
        return [labeled]

    @overrides
    def predict_instance(self, instance: Instance) -> JsonDict:
        return self.predict_batch_instance([instance])[0]

    @overrides
    def predict_batch_instance(self, instances: List[Instance]) -> List[JsonDict]:
        truncated = [instance.fields.pop(TRUNCATED, None) is not None for instance in instances]
        outputs = super().predict_batch_instance(instances)
        return [self._describe(*row) for row in zip(outputs, instances, truncated)]
