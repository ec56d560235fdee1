"""
Per-token saliency from AllenNLP Interpret, for `POST /interpret`: how much each token counted
(`simple_gradient`, `integrated_gradient`, `smooth_gradient`: non-negative), or which way it
pushed (`signed_gradient`, `leave_one_out`: positive toward the predicted label, negative
against it), within a work budget.
"""
import math
import threading
import warnings
from typing import Any, Dict, List, Optional

import numpy
from allennlp.interpret.saliency_interpreters import (
    IntegratedGradient,
    SaliencyInterpreter,
    SimpleGradient,
    SmoothGradient,
)
from allennlp.nn import util
from allennlp.predictors import Predictor
from overrides import overrides


class AlignedSimpleGradient(SimpleGradient):
    """
    AllenNLP Interpret's `SimpleGradient` (gradient x input), with each token's gradient
    multiplied by that token's own vector. AllenNLP 2.10.1 keeps the embedding layer's
    output of the one-sentence batch as `output.squeeze(0)` and then reads it as
    `embeddings[0]`: the first token's vector, multiplied into every token's gradient. Here
    the batch dimension is kept, so `embeddings[0]` is the sentence, token by token.
    (Not registered: AllenNLP's "simple-gradient" is unchanged.)
    """

    @overrides
    def _register_hooks(self, embeddings_list: List, token_offsets: List):
        def keep_embeddings(module, inputs, output):
            # Shape: (1, num_tokens, embedding_dim)
            embeddings_list.append(output.clone().detach())

        def keep_offsets(module, inputs, outputs):
            offsets = util.get_token_offsets_from_text_field_inputs(inputs)
            if offsets is not None:
                token_offsets.append(offsets)

        return [
            self.predictor.get_interpretable_layer().register_forward_hook(keep_embeddings),
            self.predictor.get_interpretable_text_field_embedder().register_forward_hook(keep_offsets),
        ]


class SignedGradient(AlignedSimpleGradient):
    """
    Gradient x input keeping its sign: for each token, minus the dot product of the gradient of
    the loss of the predicted label with the token's vector, divided by the sum of the absolute
    values. Positive: the token pushed toward the predicted label (raising it lowers the loss).
    """

    @overrides
    def saliency_interpret_from_json(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        instance = self.predictor.json_to_labeled_instances(inputs)[0]
        embeddings: List = []
        offsets: List = []
        handles = self._register_hooks(embeddings, offsets)
        try:
            grads = self.predictor.get_gradients([instance])[0]
        finally:
            for handle in handles:
                handle.remove()
        embeddings.reverse()
        offsets.reverse()
        embeddings = self._aggregate_token_embeddings(embeddings, offsets)
        # Shape: (num_tokens,)
        signed = -numpy.sum(grads["grad_input_1"][0] * embeddings[0][0], axis=1)
        return {"instance_1": {"grad_input_1": _normalized(signed)}}


class LeaveOneOut(SaliencyInterpreter):
    """
    Leave-one-out occlusion: for each token, the predicted label's probability on the whole input
    minus its probability with that token deleted (one forward pass per token, run as one
    batch), divided by the sum of the absolute values. A one-token input is compared with
    chance (1 / the number of labels).
    """

    @overrides
    def saliency_interpret_from_json(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        tokens = list(inputs["tokens"])
        full = self.predictor.predict_json({"tokens": tokens})
        label = int(numpy.argmax(full["probs"]))
        if len(tokens) == 1:
            drops = numpy.array([full["probs"][label] - 1.0 / len(full["probs"])])
        else:
            without = self.predictor.predict_batch_json(
                [{"tokens": tokens[:i] + tokens[i + 1:]} for i in range(len(tokens))])
            drops = numpy.array([full["probs"][label] - output["probs"][label] for output in without])
        return {"instance_1": {"grad_input_1": _normalized(drops)}}


def _normalized(values: numpy.ndarray) -> List[float]:
    """`values` divided by the sum of their absolute values (zeros stay zeros)."""
    total = float(numpy.abs(values).sum())
    return [float(value) / total if total > 0 else 0.0 for value in values]


# The request's `"method"` -> AllenNLP Interpret's interpreter.
METHODS = {
    "simple_gradient": AlignedSimpleGradient,
    "integrated_gradient": IntegratedGradient,
    "smooth_gradient": SmoothGradient,
    "signed_gradient": SignedGradient,
    "leave_one_out": LeaveOneOut,
}
DEFAULT_METHOD = "simple_gradient"
# The methods whose values keep a sign (positive: toward the predicted label).
SIGNED = frozenset({"signed_gradient", "leave_one_out"})
# Passes through the model per token of input, for the work budget: a gradient method's passes
# are forward + backward (integrated and smooth gradients: AllenNLP's 10 steps and 10 samples).
# Leave-one-out runs one forward pass per token, as one batch: n^2 token-forwards, measured at
# about a tenth of the cost of as many token-passes of a gradient (docs/serving.md).
PASSES = {"simple_gradient": 1, "signed_gradient": 1, "integrated_gradient": 10, "smooth_gradient": 10}
LEAVE_ONE_OUT_SHARE = 10


def work(method: str, num_tokens: int) -> int:
    """The work of interpreting `num_tokens` tokens with `method`, in token-passes."""
    if method == "leave_one_out":
        return -(-num_tokens * num_tokens // LEAVE_ONE_OUT_SHARE)  # rounded up
    return num_tokens * PASSES[method]


class Saliency:
    """
    How much each token counted for the predicted label, by AllenNLP Interpret's
    `SimpleGradient` (gradient x input, the default; see `AlignedSimpleGradient`),
    `IntegratedGradient` or `SmoothGradient`:
    the gradients of the loss of the predicted label with respect to the `TextFieldEmbedder`'s
    output (or the word `Embedding` when it is the only embedder), one non-negative number per
    token, summing to 1. `SignedGradient` and `LeaveOneOut` keep the sign (`SIGNED`): their
    absolute values sum to 1.

    Interpreters register hooks and switch `requires_grad` on for every parameter while they
    run, so each runs under `lock` (the one the batcher holds during a forward pass).

    # Parameters

    predictor : `Predictor`
        A predictor with `json_to_labeled_instances` (`sentence_classifier_predictor`).
    lock : a lock, optional (default = a new `threading.Lock`)
        Held while an interpreter runs (the batcher's `FairLock`).
    """

    def __init__(self, predictor: Predictor, lock: Optional[Any] = None) -> None:
        self._interpreters: Dict[str, SaliencyInterpreter] = {
            name: interpreter(predictor) for name, interpreter in METHODS.items()
        }
        self._lock = lock or threading.Lock()

    def of_tokens(self, tokens: List[str], method: str = DEFAULT_METHOD) -> List[float]:
        """
        The saliency of each of `tokens` (as the model saw them: at most its `max_tokens`), in
        their order. A prediction whose gradient is zero everywhere gets zeros.
        """
        interpreter = self._interpreters[method]
        with self._lock, warnings.catch_warnings():
            # AllenNLP Interpret's backward hook on the embedding layer warns on every call.
            warnings.filterwarnings("ignore", message=".*non-full backward hook", category=UserWarning)
            result = interpreter.saliency_interpret_from_json({"tokens": list(tokens)})
        # Shape: (num_tokens,)
        scores = [float(value) for value in result["instance_1"]["grad_input_1"]]
        if len(scores) != len(tokens):
            raise RuntimeError(f"{method}: {len(scores)} saliency values for {len(tokens)} tokens")
        if not all(math.isfinite(value) for value in scores):
            return [0.0] * len(tokens)
        return scores
