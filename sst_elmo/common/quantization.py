"""
Weights stored in 8 bits: symmetric int8 with one scale per row, for shipping a classifier whose
word-embedding matrix would not fit otherwise (a 300d fastText embedding of SST's 18,844 words
is 11 MB in float16, 5.7 MB in int8).

`quantize_state_dict` replaces each large two-dimensional float tensor `KEY` by an int8 tensor
`KEY` and its row scales `KEY + SCALE_SUFFIX` (float32, shape `(rows, 1)`): row `i` is
`int8[i] * scale[i]`, with `scale[i] = max |row i| / 127`, so an entry moves by at most half a
step, `scale[i] / 2`, which is 1/254 of its row's largest value. A frozen ELMo biLM inside the
model (`_elmo_lstm`: models that run the biLM rather than read its activation cache) is left as
it is: its outputs must stay those of its weight file, which the cache is keyed by.

`dequantize_state_dict` undoes it into float32 tensors. The plugin's reader of state dicts
(`sst_elmo.safety.safe_unpickle.check_state_dict`, behind every `weights.th` the plugin loads)
calls it, so any model loads such weights; an int8 tensor without its scales, or scales that
do not fit it, are refused there.
"""
from typing import Dict, List, Mapping, MutableMapping, Optional, Sequence, Tuple

import torch

# Not "KEY.something": torch's strict loading would file that under KEY's own module and let a
# loader that skips `dequantize_state_dict` load the integers silently; "KEY_int8_scale" is an
# unexpected key there.
SCALE_SUFFIX = "_int8_scale"
# Smaller matrices (the classification layer, scalar mixes) stay as they are: a few KB, and the
# most sensitive to rounding.
DEFAULT_MIN_ELEMENTS = 10_000
# Keys left as they are: the frozen biLM of `elmo_token_embedder` / `stateless_elmo`.
KEEP_MARKERS = ("_elmo_lstm.",)


def quantize_tensor(tensor: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """
    `tensor` (2-D, float, finite) as int8 values and float32 row scales, `tensor ≈ values * scales`.

    # Shape: tensor (rows, columns) -> values (rows, columns) int8, scales (rows, 1) float32
    """
    if tensor.dim() != 2 or not tensor.is_floating_point():
        raise ValueError(f"only 2-D float tensors are quantized, not {tuple(tensor.shape)} {tensor.dtype}")
    matrix = tensor.detach().float()
    if not torch.isfinite(matrix).all():
        raise ValueError("the matrix holds NaN or infinite values")
    scales = matrix.abs().amax(dim=1, keepdim=True) / 127
    values = (matrix / scales.clamp(min=torch.finfo(torch.float32).tiny)).round().clamp(-127, 127)
    return values.to(torch.int8), scales


def quantize_state_dict(
    state: Mapping[str, torch.Tensor], min_elements: Optional[int] = None, keep: Sequence[str] = KEEP_MARKERS
) -> Dict[str, torch.Tensor]:
    """
    A copy of `state` with every float tensor of two dimensions and at least `min_elements`
    (default `DEFAULT_MIN_ELEMENTS`) entries stored as int8 plus row scales (`KEY` and
    `KEY + SCALE_SUFFIX`), except keys containing one of `keep`; the rest unchanged.
    """
    min_elements = DEFAULT_MIN_ELEMENTS if min_elements is None else min_elements
    result: Dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.endswith(SCALE_SUFFIX) or tensor.dtype == torch.int8:
            raise ValueError(f"{key}: the state dict is already quantized")
        if (tensor.is_floating_point() and tensor.dim() == 2 and tensor.numel() >= min_elements
                and not any(marker in key for marker in keep)):
            try:
                result[key], result[key + SCALE_SUFFIX] = quantize_tensor(tensor)
            except ValueError as error:
                raise ValueError(f"{key}: {error}") from None
        else:
            result[key] = tensor
    return result


def quantized_keys(state: Mapping[str, torch.Tensor]) -> List[str]:
    """The keys of `state` stored as int8 (those with a `SCALE_SUFFIX` companion)."""
    return [key[: -len(SCALE_SUFFIX)] for key in state if key.endswith(SCALE_SUFFIX)]


def dequantize_state_dict(state: MutableMapping[str, torch.Tensor]) -> None:
    """
    Replaces, in place, each int8 tensor and its row scales by its float32 value. A `ValueError`
    naming the key for an int8 tensor without scales, scales without their int8 matrix or of
    another shape, and scales that are negative or not finite.
    """
    for key in quantized_keys(state):
        scales = state.pop(key + SCALE_SUFFIX)
        values = state.get(key)
        if values is None or values.dtype != torch.int8 or values.dim() != 2 \
                or tuple(scales.shape) != (values.shape[0], 1):
            found = "nothing" if values is None else f"{tuple(values.shape)} {values.dtype}"
            raise ValueError(
                f"{key}: int8 row scales {tuple(scales.shape)} without a matching int8 matrix ({found})"
            )
        if not scales.is_floating_point() or not torch.isfinite(scales).all() or (scales < 0).any():
            raise ValueError(f"{key}: int8 row scales must be finite numbers >= 0")
        state[key] = values.float() * scales.float()
    for key, tensor in state.items():
        if tensor.dtype == torch.int8:
            raise ValueError(f"{key}: an int8 tensor without its row scales ({key + SCALE_SUFFIX})")
