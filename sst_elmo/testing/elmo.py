"""
A tiny biLM for tests and speed measurements: its options (`TINY_OPTIONS`) and random weights
in the bilm-tf layout of `sst_elmo.elmo.files.hdf5_layout`.
"""
import os
from typing import Dict, Tuple

import numpy

from sst_elmo.elmo.files.hdf5_layout import layout_shapes, write_options, write_weights

# A biLM small enough for unit tests: 3 filters, 1 highway layer, LSTM 16 -> 8, 2 layers.
TINY_OPTIONS = {
    "lstm": {
        "cell_clip": 3,
        "use_skip_connections": True,
        "n_layers": 2,
        "proj_clip": 3,
        "projection_dim": 8,
        "dim": 16,
    },
    "char_cnn": {
        "embedding": {"dim": 4},
        "filters": [[1, 4], [2, 8], [3, 16]],
        "n_highway": 1,
        "n_characters": 262,
        "max_characters_per_token": 50,
        "activation": "relu",
    },
}


def random_weights(options: dict, seed: int = 0, scale: float = 0.3) -> Dict[str, numpy.ndarray]:
    """Random float32 weights in the layout of `options`: standard-normal draws times `scale`."""
    rng = numpy.random.RandomState(seed)
    return {
        key: (rng.standard_normal(shape) * scale).astype(numpy.float32)
        for key, shape in layout_shapes(options).items()
    }


def write_random_elmo(
    directory: str, options: dict = TINY_OPTIONS, seed: int = 0, scale: float = 0.3
) -> Tuple[str, str]:
    """Writes `options.json` and a random `weights.hdf5` (`random_weights`) to `directory`; returns their paths."""
    options_path = os.path.join(directory, "options.json")
    weights_path = os.path.join(directory, "weights.hdf5")
    write_options(options, options_path)
    write_weights(random_weights(options, seed, scale), weights_path)
    return options_path, weights_path
