"""
Mixing a biLM's layers: the fixed scalar-mix parameters with which AllenNLP's `Elmo` gives
the top layer alone (the `top_layer_only` of the project's ELMo embedders).
"""
from typing import List


def top_layer_mix(options: dict) -> List[float]:
    """
    Fixed scalar-mix parameters that select the top layer of a biLM with these options: one
    weight for the character layer and each of the `lstm.n_layers` LSTM layers, all but the
    last so negative that their softmax weight is 0.
    """
    return [-9e10] * int(options["lstm"]["n_layers"]) + [1.0]
