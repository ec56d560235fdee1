"""
Writing a trained biLM (an `elmo_bilm` model, or any `ExportableBiLm`) in the bilm-tf file
layout that AllenNLP's `Elmo` reads (`sst_elmo.models.elmo_bilm.load_elmo_bilm` reads such
files back into an `elmo_bilm`).

`bilm_weights` inverts AllenNLP's loaders exactly (`_ElmoCharacterEncoder._load_char_embedding`,
`_load_cnn_weights`, `_load_highway`, `_load_projection` and `ElmoLstm.load_weights`):

- `char_embed`: AllenNLP prepends a zero row 0 (the id of padded tokens); it is dropped.
- `CNN/W_cnn_i`: torch `Conv1d` weights `(num, char_dim, width)` are transposed back to
  `(1, width, char_dim, num)`.
- `CNN_high_k`: AllenNLP's `Highway` keeps one `(2n, n)` matrix, transform rows first, then
  the carry rows negated (its gate multiplies the input, TensorFlow's the transform); both are
  transposed back (`tf.matmul(x, W)`) and the carry weights and bias negated again.
- `CNN_proj/W_proj`: transposed.
- LSTM cells: TensorFlow packs `[input; state]` weights into one `(in + hidden, 4 * cell)`
  matrix with gates in the order i, j (new memory), f, o, torch keeps two matrices with
  gates i, f, j, o; the blocks are swapped back, the matrices joined and transposed. The
  bias is `state_linearity.bias` with the same swap, and AllenNLP's loader added
  TensorFlow's run-time `forget_bias` of 1.0 to it, which is subtracted again. `W_P_0` is
  the transposed state projection.

Round trips are exact except the forget-gate bias, where AllenNLP's float32 `+ 1` on loading
rounds to the float32 spacing of `|b| + 1` (at most 1.2e-7 for |b| < 1).
"""
import json
import os
import shutil
import tempfile
from typing import Any, Dict, List, Protocol, Union

import h5py
import numpy
import torch
from allennlp.modules.elmo import Elmo, _ElmoBiLm

from sst_elmo.common.errors import InputError
from sst_elmo.elmo.files.hdf5_layout import layout_shapes, lstm_cell_key, write_weights

OPTIONS_NAME = "options.json"
WEIGHTS_NAME = "weights.hdf5"
VOCAB_NAME = "vocab.txt"
SOFTMAX_NAME = "softmax.hdf5"


class ExportableBiLm(Protocol):
    """
    What `export_elmo` needs of a trained biLM (the `elmo_bilm` model has it): the
    `_ElmoBiLm` it runs, its options, and its softmax with the token of each class. This module
    depends on the protocol, not on the model, so the ELMo utilities never import `models/`.
    """

    @property
    def bilm(self) -> _ElmoBiLm: ...

    @property
    def options(self) -> Dict[str, Any]: ...

    def class_tokens(self) -> List[str]: ...

    def softmax_parameters(self) -> Dict[str, torch.Tensor]: ...


def _numpy(tensor: torch.Tensor) -> numpy.ndarray:
    return tensor.detach().cpu().numpy().astype(numpy.float32)


def _contiguous(array: numpy.ndarray) -> numpy.ndarray:
    return numpy.ascontiguousarray(array, dtype=numpy.float32)


def bilm_weights(bilm: Union[ExportableBiLm, Elmo, _ElmoBiLm]) -> Dict[str, numpy.ndarray]:
    """
    The bilm-tf datasets (see `sst_elmo.elmo.files.hdf5_layout`) of a biLM: an `elmo_bilm` model
    (an `ExportableBiLm`), an `Elmo` or its `_ElmoBiLm`. Checked against the layout of its options.
    """
    if isinstance(bilm, Elmo):
        bilm = bilm._elmo_lstm
    elif not isinstance(bilm, _ElmoBiLm):
        bilm = bilm.bilm
    encoder = bilm._token_embedder
    options = encoder._options
    arrays: Dict[str, numpy.ndarray] = {}

    arrays["char_embed"] = _numpy(encoder._char_embedding_weights)[1:]
    for i, conv in enumerate(encoder._convolutions):
        # Shape: (num, char_dim, width) -> (1, width, char_dim, num)
        arrays[f"CNN/W_cnn_{i}"] = numpy.transpose(_numpy(conv.weight), (2, 1, 0))[None]
        arrays[f"CNN/b_cnn_{i}"] = _numpy(conv.bias)
    for k, layer in enumerate(encoder._highways._layers):
        weight, bias = _numpy(layer.weight), _numpy(layer.bias)
        n_filters = weight.shape[1]
        arrays[f"CNN_high_{k}/W_transform"] = weight[:n_filters].T
        arrays[f"CNN_high_{k}/W_carry"] = -weight[n_filters:].T
        arrays[f"CNN_high_{k}/b_transform"] = bias[:n_filters]
        arrays[f"CNN_high_{k}/b_carry"] = -bias[n_filters:]
    arrays["CNN_proj/W_proj"] = _numpy(encoder._projection.weight).T
    arrays["CNN_proj/b_proj"] = _numpy(encoder._projection.bias)

    lstm = bilm._elmo_lstm
    for layer, cells in enumerate(zip(lstm.forward_layers, lstm.backward_layers)):
        for direction, cell in enumerate(cells):
            c = cell.cell_size
            # Shape: (4 * cell, input + hidden), gates i, f, j, o -> i, j, f, o
            torch_weights = numpy.concatenate(
                [_numpy(cell.input_linearity.weight), _numpy(cell.state_linearity.weight)], axis=1
            )
            tf_weights = torch_weights.copy()
            tf_weights[c : 2 * c] = torch_weights[2 * c : 3 * c]
            tf_weights[2 * c : 3 * c] = torch_weights[c : 2 * c]
            torch_bias = _numpy(cell.state_linearity.bias)
            tf_bias = torch_bias.copy()
            tf_bias[c : 2 * c] = torch_bias[2 * c : 3 * c]
            tf_bias[2 * c : 3 * c] = torch_bias[c : 2 * c] - numpy.float32(1.0)
            key = lstm_cell_key(direction, layer)
            arrays[f"{key}/W_0"] = tf_weights.T
            arrays[f"{key}/B"] = tf_bias
            arrays[f"{key}/W_P_0"] = _numpy(cell.state_projection.weight).T

    arrays = {key: _contiguous(value) for key, value in arrays.items()}
    expected = layout_shapes(options)
    shapes = {key: value.shape for key, value in arrays.items()}
    if shapes != expected:
        wrong = sorted(set(shapes.items()) ^ set(expected.items()))
        raise ValueError(f"the biLM does not match the layout of its options: {wrong}")
    return arrays


def softmax_weights(model: ExportableBiLm) -> Dict[str, numpy.ndarray]:
    """`softmax/W` `(n_vocab, projection_dim)` and `softmax/b` `(n_vocab,)`, rows as `vocab.txt`."""
    parameters = model.softmax_parameters()
    return {f"softmax/{name}": _contiguous(_numpy(value)) for name, value in parameters.items()}


def read_weights(path: str) -> Dict[str, numpy.ndarray]:
    """Every dataset of an hdf5 file, by its full key (e.g. `CNN/W_cnn_0`)."""
    arrays: Dict[str, numpy.ndarray] = {}
    with h5py.File(path, "r") as handle:
        handle.visititems(
            lambda key, item: arrays.__setitem__(key, item[...])
            if isinstance(item, h5py.Dataset)
            else None
        )
    return arrays


def export_elmo(
    model: ExportableBiLm,
    output_dir: str,
    overwrite: bool = False,
    float16: bool = False,
    softmax: bool = True,
) -> Dict[str, str]:
    """
    Writes `options.json`, `weights.hdf5` (readable by `allennlp.modules.elmo.Elmo`),
    `vocab.txt` (bilm-tf style: `<S>`, `</S>`, `<UNK>`, then the words) and `softmax.hdf5`
    (`softmax/W`, `softmax/b`, one row per `vocab.txt` line) to `output_dir`.

    `float16` stores every dataset in half precision (half the size): AllenNLP's loaders copy
    them into its float32 parameters unchanged, and ELMo vectors move by about 1e-3. `softmax`
    `False` leaves out `softmax.hdf5`, which only continued pre-training of the same vocabulary
    would read (`elmo_bilm` starts a new softmax over its own vocabulary).

    The files are written to a temporary directory beside `output_dir` that is then renamed,
    so `output_dir` is never left half-written. An existing `output_dir` is an error unless
    `overwrite`. Returns the path of each file by name.
    """
    output_dir = os.path.abspath(output_dir)
    if os.path.exists(output_dir) and not overwrite:
        raise InputError(
            "the output directory already exists (overwrite=True / --overwrite replaces it)",
            output_dir,
        )
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(output_dir)}.partial-")
    try:
        tokens = model.class_tokens()
        options = dict(model.options, n_tokens_vocab=len(tokens), bidirectional=True)
        with open(os.path.join(temporary, OPTIONS_NAME), "w", encoding="utf-8") as out:
            json.dump(options, out, indent=2)
        dtype = numpy.float16 if float16 else numpy.float32
        weights = {key: value.astype(dtype) for key, value in bilm_weights(model).items()}
        write_weights(weights, os.path.join(temporary, WEIGHTS_NAME))
        with open(os.path.join(temporary, VOCAB_NAME), "w", encoding="utf-8") as out:
            out.writelines(f"{token}\n" for token in tokens)
        if softmax:
            softmax_arrays = softmax_weights(model)
            if softmax_arrays["softmax/W"].shape[0] != len(tokens):
                raise ValueError("the softmax does not match the vocabulary")
            softmax_arrays = {key: value.astype(dtype) for key, value in softmax_arrays.items()}
            write_weights(softmax_arrays, os.path.join(temporary, SOFTMAX_NAME))
        _make_readable(temporary)
        _replace_directory(temporary, output_dir)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    names = (OPTIONS_NAME, WEIGHTS_NAME, VOCAB_NAME) + ((SOFTMAX_NAME,) if softmax else ())
    return {name: os.path.join(output_dir, name) for name in names}


def _make_readable(directory: str) -> None:
    """Gives the directory and its files the usual permissions (temporary ones are private)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o666 & ~umask)


def _replace_directory(source: str, target: str) -> None:
    if not os.path.exists(target):
        os.rename(source, target)
        return
    old = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.old-")
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(source, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_vocab(path: str) -> List[str]:
    """The tokens of a bilm-tf `vocab.txt`, one per line."""
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle]
