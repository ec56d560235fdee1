"""
Per-token saliency from AllenNLP Interpret, for `POST /interpret`.
"""
import math
import threading
import warnings
from typing import Dict, List, Optional

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


# The request's `"method"` -> AllenNLP Interpret's interpreter.
METHODS = {
    "simple_gradient": AlignedSimpleGradient,
    "integrated_gradient": IntegratedGradient,
    "smooth_gradient": SmoothGradient,
}
DEFAULT_METHOD = "simple_gradient"


class Saliency:
    """
    How much each token counted for the predicted label, by AllenNLP Interpret's
    `SimpleGradient` (gradient x input, the default; see `AlignedSimpleGradient`),
    `IntegratedGradient` or `SmoothGradient`:
    the gradients of the loss of the predicted label with respect to the `TextFieldEmbedder`'s
    output (or the word `Embedding` when it is the only embedder), one non-negative number per
    token, summing to 1.

    Interpreters register hooks and switch `requires_grad` on for every parameter while they
    run, so each runs under `lock` (the one the batcher holds during a forward pass).

    # Parameters

    predictor : `Predictor`
        A predictor with `json_to_labeled_instances` (`sentence_classifier_predictor`).
    lock : `threading.Lock`, optional
        Held while an interpreter runs.
    """

    def __init__(self, predictor: Predictor, lock: Optional[threading.Lock] = None) -> None:
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
