"""
Building the `_ElmoBiLm` that an `elmo_bilm` model trains: AllenNLP's own loader reads it from
a weight file, or from new random weights (`initial_weights`) written in the bilm-tf layout.
"""
import math
import os
import tempfile
from typing import Any, Dict, Optional

import numpy
import torch
from allennlp.modules.elmo import _ElmoBiLm

from sst_elmo.elmo.files.checks import check_weights
from sst_elmo.elmo.files.hdf5_layout import layout_shapes, write_options, write_weights


def initial_weights(options: Dict[str, Any], seed: int) -> Dict[str, numpy.ndarray]:
    """
    Random bilm-tf weights for a biLM to pre-train: standard-normal draws (float32) in the
    layout of `options`, scaled per dataset (see `sst_elmo.models.elmo_bilm.ElmoBiLm`).
    """
    rng = numpy.random.RandomState(seed)
    arrays = {
        key: rng.standard_normal(shape).astype(numpy.float32) for key, shape in layout_shapes(options).items()
    }
    for key, value in arrays.items():
        name = key.rsplit("/", 1)[-1]
        if name == "char_embed":
            value *= 0.5
        elif name.startswith("b_") or name == "B":
            value[...] = -2.0 if name == "b_carry" else 0.0
        elif name.startswith("W_cnn_"):
            _, width, char_dim, num = value.shape
            value *= math.sqrt(2.0 / (width * char_dim + width * num))
        else:  # a (fan_in, fan_out) matrix: W_transform, W_carry, W_proj, W_0, W_P_0
            value *= math.sqrt(2.0 / sum(value.shape))
    return arrays


def build_bilm(options: Dict[str, Any], weight_file: Optional[str] = None) -> _ElmoBiLm:
    """
    An `_ElmoBiLm` for `options`, loaded by AllenNLP from `weight_file`, or from random
    `initial_weights` written to a temporary file.
    """
    with tempfile.TemporaryDirectory(prefix="elmo_bilm_") as directory:
        options_path = os.path.join(directory, "options.json")
        write_options(options, options_path)
        if weight_file is not None:
            check_weights(options, weight_file, options_name="the model's options")
        else:
            seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
            weight_file = os.path.join(directory, "weights.hdf5")
            write_weights(initial_weights(options, seed), weight_file)
        return _ElmoBiLm(options_path, weight_file, requires_grad=True)
