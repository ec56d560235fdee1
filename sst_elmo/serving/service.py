"""
`PredictionService`: what the HTTP endpoints do, without HTTP: check the inputs, predict them
through the `Batcher`, add saliency.
"""
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from allennlp.common.util import JsonDict
from allennlp.predictors import Predictor

from sst_elmo.common.errors import InputError
from sst_elmo.modules.token_embedders.cached_elmo import read_only_activation_caches
from sst_elmo.serving import (
    DEFAULT_MAX_BATCH_DELAY_MS,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT,
)
from sst_elmo.serving.attack import MAX_ATTACK_WORK, Attacks, attack_work, checked_method
from sst_elmo.serving.batcher import Batcher, FairLock
from sst_elmo.serving.explanation_gate import ExplanationGate
from sst_elmo.serving.request_checks import REQUEST, RequestError
from sst_elmo.serving.saliency import DEFAULT_METHOD, METHODS, SIGNED, Saliency, work

# The most inputs in one request (a list); more is a 400.
MAX_INPUTS = 256
# The most inputs in one `/interpret` request (each runs its own backward passes).
MAX_INTERPRET_INPUTS = 16
# The most work (tokens x passes through the model, `saliency.work`) for one input of `/interpret`:
# 512 tokens with simple_gradient, 64 with integrated_gradient, 80 with leave_one_out. One input
# holds the model for up to about 0.75 s on a 2-core CPU with the shipped sst2 (docs/serving.md).
MAX_INTERPRET_WORK = 640
# What the service calls on its predictor besides AllenNLP's `Predictor` API (a
# `SentenceClassifierPredictor` has them all).
SERVED_PREDICTOR_API = ("check_line", "row_length", "with_model_copy")
# Seconds a request waits for its prediction before giving up with a 503.
PREDICT_TIMEOUT = 60.0
# How the explanation methods are named in messages for people (as the page names them).
METHOD_NAMES = {"signed_gradient": "signed gradient", "leave_one_out": "leave-one-out",
                "simple_gradient": "simple gradient", "integrated_gradient": "integrated gradient",
                "smooth_gradient": "smooth gradient"}


def most_tokens(method: str) -> int:
    """The longest input (in tokens) that `method` may explain within `MAX_INTERPRET_WORK`."""
    return max(count for count in range(1, MAX_INTERPRET_WORK + 1) if work(method, count) <= MAX_INTERPRET_WORK)


def too_long_to_explain(method: str, tokens: int, number: int, is_list: bool) -> RequestError:
    """The error of an input of `tokens` tokens over the work budget of `method`, in plain words."""
    what = f"Input {number}" if is_list else "This text"
    advice = "Try a shorter text"
    if method != "signed_gradient" and work("signed_gradient", tokens) <= MAX_INTERPRET_WORK:
        advice += ", or the signed gradient method"
    return RequestError(
        f"{what} is too long to explain with {METHOD_NAMES[method]} ({tokens:,} words; at most "
        f"{most_tokens(method):,}). {advice}.", code="too_long_to_explain", input=number, method=method,
        tokens=tokens, max_tokens=most_tokens(method), work=work(method, tokens), max_work=MAX_INTERPRET_WORK)


class PredictionService:
    """
    Predictions and saliency for JSON inputs, checked first: `{"sentence": ...}` or
    `{"tokens": [...]}` (a `sentence_classifier_predictor`'s input), or a list of them.
    Bad inputs raise an `InputError` (one line, `request:N: what is wrong`) before any
    reaches the model, so one bad request never fails a batch of others.

    # Parameters

    predictor : `Predictor`
        A `sentence_classifier_predictor` (`SentenceClassifierPredictor`: the service uses its
        `check_line`, `row_length` and `with_model_copy`). Its `skip_bad_lines` is
        left as it is: the service checks every input with `check_line`, so a bad input is
        always the request's error, never a skipped line.
    max_batch_size : `int`, optional (default = `DEFAULT_MAX_BATCH_SIZE`, 32)
        Rows per forward pass (`1`: no batching).
    max_batch_delay_ms : `float`, optional (default = `DEFAULT_MAX_BATCH_DELAY_MS`, 5.0)
        How long a request waits for others to batch with.
    max_explanations_in_flight : `int`, optional (default = `DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT`)
        `/interpret` and `/attack` requests computed at once (`ExplanationGate`; `0`: no limit);
        one more is refused with a 429.
    """

    def __init__(self, predictor: Predictor, max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
                 max_batch_delay_ms: float = DEFAULT_MAX_BATCH_DELAY_MS,
                 max_explanations_in_flight: int = DEFAULT_MAX_EXPLANATIONS_IN_FLIGHT) -> None:
        missing = [name for name in SERVED_PREDICTOR_API if not hasattr(predictor, name)]
        if missing:
            raise InputError(f"the predictor {type(predictor).__name__} has no {'/'.join(missing)} (a "
                             "sentence_classifier_predictor has)")
        self.predictor = predictor
        # Requests never grow an ELMo activation cache on disk: hits are read, misses not stored.
        read_only_activation_caches(predictor.model)
        self.batcher = Batcher(predictor.predict_batch_json, max_batch_size, max_batch_delay_ms)
        # Explanations (their predictions too) run on a copy of the model under a lock of their
        # own (AllenNLP's interpreters switch `requires_grad` on and hook the embedder while they
        # run): a prediction never waits for one, they share the CPU only. The gate bounds how
        # many requests wait for that lock, each holding a request thread.
        self._explaining = predictor.with_model_copy()
        self._explain_lock = FairLock()
        self.saliency = Saliency(self._explaining, self._explain_lock)
        self._attacks = Attacks(self._explaining, self._explain_lock, copy_model=False)
        self.explanations = ExplanationGate(max_explanations_in_flight)

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
            rows.append(self.predictor.check_line(json.dumps(item), REQUEST, number))
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
        lengths = [self.predictor.row_length(row) for row in rows]  # as the model will read them
        for number, (tokens, method) in enumerate(zip(lengths, methods), start=1):
            if work(method, tokens) > MAX_INTERPRET_WORK:
                raise too_long_to_explain(method, tokens, number, is_list)
        with self.explanations.admitted("/interpret", sum(map(work, methods, lengths))):
            outputs = [self._explained(row, method) for row, method in zip(rows, methods)]
        return outputs if is_list else outputs[0]

    def _prediction_on_the_copy(self, row: JsonDict) -> JsonDict:
        with self._explain_lock:
            return self._explaining.predict_batch_json([row])[0]

    def _explained(self, row: JsonDict, method: str) -> JsonDict:
        """One input's prediction and saliency, on the copy of the model (its lock taken for each in turn)."""
        output = self._prediction_on_the_copy(row)
        output["saliency"] = self.saliency.of_tokens(output["tokens"], method)
        output["saliency_method"] = method
        output["saliency_signed"] = method in SIGNED
        return output

    def attack(self, body: Any) -> Any:
        """`predict`'s output of one input plus `attack` (`Attacks.attack`), within `MAX_ATTACK_WORK`."""
        if not isinstance(body, dict):
            raise InputError("expected one JSON object: /attack takes one input", REQUEST)
        method = checked_method(body.pop("method", None), 1)
        rows, _ = self.checked(body, 1)
        tokens = self.predictor.row_length(rows[0])
        if attack_work(tokens) > MAX_ATTACK_WORK:
            most = int(MAX_ATTACK_WORK ** 0.5)
            raise RequestError(f"This text is too long to attack ({tokens:,} words; at most {most}). Try a "
                               "shorter text.", code="too_long_to_attack", input=1, method=method, tokens=tokens,
                               max_tokens=most, work=attack_work(tokens), max_work=MAX_ATTACK_WORK)
        with self.explanations.admitted("/attack", attack_work(tokens)):
            output = self._prediction_on_the_copy(rows[0])
            output["attack"] = self._attacks.attack(output["tokens"], method)
        return output

    @staticmethod
    def _method(value: Any, number: int) -> str:
        if not isinstance(value, str) or value not in METHODS:
            raise InputError(f'"method" must be one of {sorted(METHODS)}, not {value!r}'[:300], REQUEST, number)
        return value

    def health(self) -> Dict[str, Any]:
        """`{"status": "ok", "labels", "label_names", "max_tokens", "batching": {...}, "explanations": {...}}`."""
        batcher = self.batcher
        return {
            "status": "ok",
            "labels": list(getattr(self.predictor, "labels", [])),
            "label_names": dict(getattr(self.predictor, "label_names", {})),
            "max_tokens": getattr(self.predictor, "max_tokens", None),
            "batching": {"max_batch_size": batcher.max_batch_size,
                         "max_batch_delay_ms": batcher.max_batch_delay * 1000.0, **batcher.stats},
            "explanations": {"max_in_flight": self.explanations.limit, "in_flight": self.explanations.in_flight,
                             "refused": self.explanations.refused},
        }

    def observe_batches(self, callback: Optional[Callable[[int], None]]) -> None:
        """
        Calls `callback(rows)` after each forward pass of the predictions, with its number of
        rows (the server's `sst_serve_batch_rows` histogram); `None` stops it. One callback at a
        time: a new one replaces the last.
        """
        self.batcher.on_batch = callback

    def close(self, timeout: Optional[float] = None) -> None:
        self.batcher.close(timeout)
