"""
Weights stored in 8 bits: symmetric int8 with one scale per row, for shipping a classifier whose
word-embedding matrix would not fit otherwise (a 300d fastText embedding of SST's 18,844 words
is 11 MB in float16, 5.7 MB in int8).

`quantize_state_dict` replaces each large two-dimensional float tensor `KEY` by an int8 tensor
`KEY` and its row scales `KEY + SCALE_SUFFIX` (float32, shape `(rows, 1)`): row `i` is
`int8[i] * scale[i]`, with `scale[i] = max |row i| / 127`, so an entry moves by at most half a
step, `scale[i] / 2`. `dequantize_state_dict` undoes it into float32 tensors.
`dequantize_on_load` registers that as a `load_state_dict` pre-hook on a module, so the model
loads such weights on every path that calls `load_state_dict` (AllenNLP's `Model.load`, the
plugin's safe archive loading); a model without the hook refuses them (AllenNLP reports the
scale entries as unexpected keys) rather than loading integers as weights.
"""
from typing import Any, Dict, List, Mapping, MutableMapping, Optional, Tuple

import torch

# Not "KEY.something": torch's strict loading would file that under KEY's own module and let a
# model without the hook load the integers silently; "KEY_int8_scale" is an unexpected key there.
SCALE_SUFFIX = "_int8_scale"
# Smaller matrices (the classification layer, scalar mixes) stay as they are: a few KB, and the
# most sensitive to rounding.
DEFAULT_MIN_ELEMENTS = 10_000


def quantize_tensor(tensor: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """
    `tensor` (2-D, float) as int8 values and float32 row scales, `tensor ≈ values * scales`.

    # Shape: tensor (rows, columns) -> values (rows, columns) int8, scales (rows, 1) float32
    """
    if tensor.dim() != 2 or not tensor.is_floating_point():
        raise ValueError(f"only 2-D float tensors are quantized, not {tuple(tensor.shape)} {tensor.dtype}")
    matrix = tensor.detach().float()
    scales = matrix.abs().amax(dim=1, keepdim=True) / 127
    values = (matrix / scales.clamp(min=torch.finfo(torch.float32).tiny)).round().clamp(-127, 127)
    return values.to(torch.int8), scales


def quantize_state_dict(
    state: Mapping[str, torch.Tensor], min_elements: Optional[int] = None
) -> Dict[str, torch.Tensor]:
    """
    A copy of `state` with every float tensor of two dimensions and at least `min_elements`
    (default `DEFAULT_MIN_ELEMENTS`) entries stored as int8 plus row scales (`KEY` and
    `KEY + SCALE_SUFFIX`); the rest unchanged.
    """
    min_elements = DEFAULT_MIN_ELEMENTS if min_elements is None else min_elements
    result: Dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.endswith(SCALE_SUFFIX):
            raise ValueError(f"{key}: the state dict is already quantized")
        if tensor.is_floating_point() and tensor.dim() == 2 and tensor.numel() >= min_elements:
            result[key], result[key + SCALE_SUFFIX] = quantize_tensor(tensor)
        else:
            result[key] = tensor
    return result


def quantized_keys(state: Mapping[str, Any]) -> List[str]:
    """The keys of `state` stored as int8 (those with a `SCALE_SUFFIX` companion)."""
    return [key[: -len(SCALE_SUFFIX)] for key in state if key.endswith(SCALE_SUFFIX)]


def dequantize_state_dict(state: MutableMapping[str, torch.Tensor], prefix: str = "") -> None:
    """
    Replaces, in place, each int8 tensor under `prefix` that has row scales by its float32
    value, and drops the scales. A scale without its int8 tensor (or the reverse mismatch of
    shapes) is a `ValueError` naming the key.
    """
    for key in [key for key in quantized_keys(state) if key.startswith(prefix)]:
        scales = state.pop(key + SCALE_SUFFIX)
        values = state.get(key)
        if values is None or values.dtype != torch.int8 or values.dim() != 2 \
                or tuple(scales.shape) != (values.shape[0], 1):
            found = "nothing" if values is None else f"{tuple(values.shape)} {values.dtype}"
            raise ValueError(
                f"{key}: int8 row scales {tuple(scales.shape)} without a matching int8 matrix ({found})"
            )
        state[key] = values.float() * scales.float()


def _dequantize_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    dequantize_state_dict(state_dict, prefix)


def dequantize_on_load(module: torch.nn.Module) -> None:
    """Lets `module.load_state_dict` read int8 weights written by `quantize_state_dict`."""
    module._register_load_state_dict_pre_hook(_dequantize_hook)
