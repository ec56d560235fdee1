"""
The bilm-tf weight-file layout that AllenNLP's `Elmo` reads, and writing files in it
(`sst_elmo.elmo.files.build` writes new random weights in it; `sst_elmo.testing.elmo` small
ones for tests).

Every ELMo `weights.hdf5` holds, for an `options.json` with `char_cnn` and `lstm` sections:

- `char_embed`: `(n_characters - 1, char_dim)` (row 0, padding, is added by AllenNLP)
- `CNN/W_cnn_i`: `(1, width_i, char_dim, num_filters_i)` and `CNN/b_cnn_i`: `(num_filters_i,)`
- `CNN_high_k/{W_transform, W_carry}`: `(n_filters, n_filters)`, `{b_transform, b_carry}`
- `CNN_proj/W_proj`: `(n_filters, projection_dim)`, `CNN_proj/b_proj`
- `RNN_d/RNN/MultiRNNCell/CellN/LSTMCell/W_0`: `(2 * projection_dim, 4 * dim)`, `B`: `(4 * dim,)`,
  `W_P_0`: `(dim, projection_dim)`, for direction d (0 forward, 1 backward) and layer N.
"""
import json
from typing import Dict, Tuple

import h5py
import numpy

from sst_elmo.common.file_utils import atomic_file, atomic_write


def lstm_cell_key(direction: int, layer: int) -> str:
    return f"RNN_{direction}/RNN/MultiRNNCell/Cell{layer}/LSTMCell"


def layout_shapes(options: dict) -> Dict[str, Tuple[int, ...]]:
    """Every dataset of the weight file for these options, with its shape."""
    cnn, lstm = options["char_cnn"], options["lstm"]
    char_dim = cnn["embedding"]["dim"]
    n_filters = sum(num for _, num in cnn["filters"])
    projection_dim, cell_dim = lstm["projection_dim"], lstm["dim"]
    shapes = {"char_embed": (cnn["n_characters"] - 1, char_dim)}
    for i, (width, num) in enumerate(cnn["filters"]):
        shapes[f"CNN/W_cnn_{i}"] = (1, width, char_dim, num)
        shapes[f"CNN/b_cnn_{i}"] = (num,)
    for k in range(cnn["n_highway"]):
        for part in ("transform", "carry"):
            shapes[f"CNN_high_{k}/W_{part}"] = (n_filters, n_filters)
            shapes[f"CNN_high_{k}/b_{part}"] = (n_filters,)
    shapes["CNN_proj/W_proj"] = (n_filters, projection_dim)
    shapes["CNN_proj/b_proj"] = (projection_dim,)
    for direction in (0, 1):
        for layer in range(lstm["n_layers"]):
            cell = lstm_cell_key(direction, layer)
            shapes[f"{cell}/W_0"] = (2 * projection_dim, 4 * cell_dim)
            shapes[f"{cell}/B"] = (4 * cell_dim,)
            shapes[f"{cell}/W_P_0"] = (cell_dim, projection_dim)
    return shapes


def write_weights(arrays: Dict[str, numpy.ndarray], path: str) -> None:
    """Writes the datasets to `path` atomically: a killed run leaves no half-written file."""
    with atomic_file(path, "w+b", sync=True) as handle, h5py.File(handle, "w") as out:
        for key, value in arrays.items():
            out.create_dataset(key, data=value)


def write_options(options: dict, path: str) -> None:
    """Writes an ELMo `options.json` atomically."""
    atomic_write(path, json.dumps(options, indent=2))

