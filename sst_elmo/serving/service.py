"""
`PredictionService`: what the HTTP endpoints do, without HTTP: check the inputs, predict them
through the `Batcher`, add saliency.
"""
import json
import threading
from typing import Any, Dict, List, Optional, Tuple

from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor

from sst_elmo.common.errors import InputError
from sst_elmo.serving import DEFAULT_MAX_BATCH_DELAY_MS, DEFAULT_MAX_BATCH_SIZE
from sst_elmo.serving.attack import MAX_ATTACK_WORK, Attacks, attack_work, checked_method
from sst_elmo.serving.batcher import Batcher
from sst_elmo.serving.saliency import DEFAULT_METHOD, METHODS, SIGNED, Saliency, work

# Where errors in a request's inputs point: `request:N` is the N-th input of a list.
REQUEST = "request"
# The most inputs in one request (a list); more is a 400.
MAX_INPUTS = 256
# The most inputs in one `/interpret` request (each runs its own backward passes).
MAX_INTERPRET_INPUTS = 16
# The most work (tokens x passes through the model, `saliency.work`) for one input of `/interpret`:
# 512 tokens with simple_gradient, 64 with integrated_gradient, 80 with leave_one_out. One input
# holds the model for up to about 0.75 s on a 2-core CPU with the shipped sst2 (docs/serving.md).
MAX_INTERPRET_WORK = 640
# Seconds a request waits for its prediction before giving up with a 503.
PREDICT_TIMEOUT = 60.0


class PredictionService:
    """
    Predictions and saliency for JSON inputs, checked first: `{"sentence": ...}` or
    `{"tokens": [...]}` (a `sentence_classifier_predictor`'s input), or a list of them.
    Bad inputs raise an `InputError` (one line, `request:N: what is wrong`) before any
    reaches the model, so one bad request never fails a batch of others.

    # Parameters

    predictor : `Predictor`
        A `sentence_classifier_predictor` (with `load_numbered_line` and `max_tokens`).
    max_batch_size : `int`, optional (default = `DEFAULT_MAX_BATCH_SIZE`, 32)
        Rows per forward pass (`1`: no batching).
    max_batch_delay_ms : `float`, optional (default = `DEFAULT_MAX_BATCH_DELAY_MS`, 5.0)
        How long a request waits for others to batch with.
    """

    def __init__(self, predictor: Predictor, max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
                 max_batch_delay_ms: float = DEFAULT_MAX_BATCH_DELAY_MS) -> None:
        if not hasattr(predictor, "load_numbered_line"):
            raise InputError(f"the predictor {type(predictor).__name__} has no load_numbered_line")
        self.predictor = predictor
        predictor.skip_bad_lines = False  # a bad input is the request's 400, never a silent marker
        self.batcher = Batcher(predictor.predict_batch_json, max_batch_size, max_batch_delay_ms)
        self.saliency = Saliency(predictor, self.batcher.lock)
        self._attacks: Optional[Attacks] = None  # made on the first /attack (a copy of the model)
        self._attacks_lock = threading.Lock()

    def checked(self, body: Any, limit: int = MAX_INPUTS) -> Tuple[List[JsonDict], bool]:
        """`(rows, is_list)`: the request's inputs checked and tokenized, or an `InputError`."""
        is_list = isinstance(body, list)
        items = body if is_list else [body]
        if is_list and not items:
            raise InputError("an empty list: expected at least one input", REQUEST)
        if len(items) > limit:
            raise InputError(f"{len(items)} inputs: at most {limit} in one request", REQUEST)
        rows = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise InputError("expected a JSON object", REQUEST, number, json.dumps(item)[:200])
            rows.append(self.predictor.load_numbered_line(json.dumps(item), REQUEST, number))
        return rows, is_list

    def predict(self, body: Any) -> Any:
        """What `allennlp predict` writes for each input: one output, or a list for a list."""
        with self.batcher.arriving():
            rows, is_list = self.checked(body)
            job = self.batcher.put(rows)
        outputs = job.result(PREDICT_TIMEOUT)
        return outputs if is_list else outputs[0]

    def interpret(self, body: Any) -> Any:
        """`predict`'s output plus `saliency` (one value per token) and `saliency_method`."""
        items = body if isinstance(body, list) else [body]
        if len(items) > MAX_INTERPRET_INPUTS:
            raise InputError(f"{len(items)} inputs: at most {MAX_INTERPRET_INPUTS} in one request", REQUEST)
        methods = [self._method(item.pop("method", DEFAULT_METHOD), number) if isinstance(item, dict)
                   else DEFAULT_METHOD for number, item in enumerate(items, start=1)]
        rows, is_list = self.checked(body, MAX_INTERPRET_INPUTS)
        for number, (row, method) in enumerate(zip(rows, methods), start=1):
            tokens = self.predictor._length(row)  # as the model will read it
            if work(method, tokens) > MAX_INTERPRET_WORK:
                raise InputError(f"{method} of {tokens} tokens is {work(method, tokens):,} token-passes: at most "
                                 f"{MAX_INTERPRET_WORK:,} (a shorter input, or simple_gradient)", REQUEST, number)
        outputs = self.batcher.submit(rows, timeout=PREDICT_TIMEOUT)
        # One input at a time holds the model (the batcher's fair lock), so predictions queued
        # meanwhile run between two inputs.
        for output, method in zip(outputs, methods):
            output["saliency"] = self.saliency.of_tokens(output["tokens"], method)
            output["saliency_method"] = method
            output["saliency_signed"] = method in SIGNED
        return outputs if is_list else outputs[0]

    def attack(self, body: Any) -> Any:
        """`predict`'s output of one input plus `attack` (`Attacks.attack`), within `MAX_ATTACK_WORK`."""
        if not isinstance(body, dict):
            raise InputError("expected one JSON object: /attack takes one input", REQUEST)
        method = checked_method(body.pop("method", None), 1)
        rows, _ = self.checked(body, 1)
        tokens = self.predictor._length(rows[0])
        if attack_work(tokens) > MAX_ATTACK_WORK:
            raise InputError(f"an attack of {tokens} tokens is {attack_work(tokens):,} token-passes: at most "
                             f"{MAX_ATTACK_WORK:,} (a shorter input)", REQUEST, 1)
        [output] = self.batcher.submit(rows, timeout=PREDICT_TIMEOUT)
        with self._attacks_lock:
            if self._attacks is None:
                self._attacks = Attacks(self.predictor)
        output["attack"] = self._attacks.attack(output["tokens"], method)
        return output

    @staticmethod
    def _method(value: Any, number: int) -> str:
        if not isinstance(value, str) or value not in METHODS:
            raise InputError(f'"method" must be one of {sorted(METHODS)}, not {value!r}'[:300], REQUEST, number)
        return value

    def health(self) -> Dict[str, Any]:
        """`{"status": "ok", "labels", "label_names", "max_tokens", "batching": {...}}`."""
        batcher = self.batcher
        return {
            "status": "ok",
            "labels": list(getattr(self.predictor, "labels", [])),
            "label_names": dict(getattr(self.predictor, "label_names", {})),
            "max_tokens": getattr(self.predictor, "max_tokens", None),
            "batching": {"max_batch_size": batcher.max_batch_size,
                         "max_batch_delay_ms": batcher.max_batch_delay * 1000.0, **batcher.stats},
        }

    def close(self, timeout: Optional[float] = None) -> None:
        self.batcher.close(timeout)
