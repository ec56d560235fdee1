"""
Adversarial attacks for `POST /attack`, from AllenNLP Interpret as the AllenNLP demo has them:
input reduction (remove words while the label stays: which words the model needs) and HotFlip
(swap words for others from the vocabulary until the label flips).
"""
import threading
import warnings
from typing import Any, Dict, List, Optional

from allennlp.interpret.attackers import Attacker, Hotflip, InputReduction
from allennlp.predictors import Predictor

from sst_elmo.common.errors import InputError

METHODS = ("input_reduction", "hotflip")
DEFAULT_METHOD = "input_reduction"
# Words HotFlip may swap in: the most frequent of the model's word vocabulary.
HOTFLIP_VOCABULARY = 5000
# The most work of one attack, in token-passes: both attacks take up to one pass per word, each
# over the whole input, so the work is the square of its length (40 tokens at most).
MAX_ATTACK_WORK = 1600


def attack_work(num_tokens: int) -> int:
    return num_tokens * num_tokens


class Attacks:
    """
    Input reduction and HotFlip on a copy of `predictor`'s model, under a lock of their own:
    an attack runs many passes through the model in one AllenNLP call, and on the copy it holds
    up no prediction (they share the CPU only). HotFlip builds its embedding matrix of
    `HOTFLIP_VOCABULARY` words on its first use.

    # Parameters

    predictor : `Predictor`
        A `sentence_classifier_predictor`; its model is copied (`with_model_copy`) unless `copy_model`
        is false (the server gives its own copy, which saliency shares).
    lock : a lock, optional (default = a new `threading.Lock`)
        Held while an attack runs.
    copy_model : `bool`, optional (default = `True`)
    """

    def __init__(self, predictor: Predictor, lock: Optional[Any] = None, copy_model: bool = True) -> None:
        self._predictor = predictor.with_model_copy() if copy_model else predictor
        self._lock = lock or threading.Lock()
        self._attackers: Dict[str, Attacker] = {}

    def _attacker(self, method: str) -> Attacker:
        if method not in self._attackers:
            if method == "hotflip":
                attacker = Hotflip(self._predictor, vocab_namespace="tokens", max_tokens=HOTFLIP_VOCABULARY)
                if self._predictor.model.vocab.get_vocab_size("tokens") <= 2:
                    raise InputError("hotflip needs a model with word vectors (a 'tokens' vocabulary)", "request")
                attacker.initialize()
            else:
                attacker = InputReduction(self._predictor, beam_size=1)
            self._attackers[method] = attacker
        return self._attackers[method]

    def attack(self, tokens: List[str], method: str = DEFAULT_METHOD) -> Dict[str, Any]:
        """
        `{"method", "tokens", "label", "label_name"?, "changed"}`: the attacked tokens and the
        model's label for them (input reduction keeps the label; HotFlip's `changed` says whether
        it flipped it).
        """
        with self._lock, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-full backward hook", category=UserWarning)
            result = self._attacker(method).attack_from_json({"tokens": list(tokens)}, "tokens", "grad_input_1")
            final = list(result["final"][0])
            before = self._predictor.predict_json({"tokens": list(tokens)})
            after = self._predictor.predict_json({"tokens": final}) if final else before
        output: Dict[str, Any] = {"method": method, "tokens": final, "label": after["label"],
                                  "changed": after["label"] != before["label"]}
        if "label_name" in after:
            output["label_name"] = after["label_name"]
        return output


def checked_method(value: Optional[Any], number: int) -> str:
    if value is None:
        return DEFAULT_METHOD
    if not isinstance(value, str) or value not in METHODS:
        raise InputError(f'"method" must be one of {list(METHODS)}, not {value!r}'[:300], "request", number)
    return value
