"""
Loading a PyTorch state dict (`weights.th`, `best.th`) or a training checkpoint without
running arbitrary code.

`torch.load` unpickles, and a pickle can call any function. PyTorch 1.12 (which AllenNLP
2.10.1 uses) has no `weights_only=True`, so `restricted_load` passes `torch.load` an
unpickler that resolves only the globals a state dict of tensors needs (`STATE_DICT_GLOBALS`;
storages are resolved by `torch.load` itself) and refuses anything else. Plain containers,
numbers and strings need no global. A training checkpoint (`training_state_*.th`: optimizer,
metric tracker and callback states) may also hold `TRAINING_STATE_GLOBALS`.
"""
import collections
import pickle
import types
from typing import Any, Callable, FrozenSet, Optional, Tuple, Union

import torch
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.quantization import dequantize_state_dict

STATE_DICT_GLOBALS: FrozenSet[Tuple[str, str]] = frozenset({
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "Size"),
})  # and every `torch.<dtype>`
TRAINING_STATE_GLOBALS: FrozenSet[Tuple[str, str]] = STATE_DICT_GLOBALS | {
    ("torch", "device"),
    ("numpy.core.multiarray", "scalar"),  # a metric kept as a numpy number
    ("numpy", "dtype"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
}
UNPICKLE_ERRORS = (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, AttributeError, TypeError)


def _unpickler(allowed: FrozenSet[Tuple[str, str]], what: str) -> types.SimpleNamespace:
    """A stand-in for the `pickle` module, for `torch.load(pickle_module=...)`, that resolves only `allowed`."""

    class RestrictedUnpickler(pickle.Unpickler):
        @overrides(check_signature=False)  # pickle.Unpickler.find_class is a C method
        def find_class(self, module: str, name: str):
            is_dtype = module == "torch" and isinstance(getattr(torch, name, None), torch.dtype)
            if (module, name) in allowed or is_dtype:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of {what}")

    return types.SimpleNamespace(
        Unpickler=RestrictedUnpickler, load=lambda handle, **kwargs: RestrictedUnpickler(handle, **kwargs).load(),
        __name__="sst_elmo_restricted_pickle",
    )


_restricted_pickle = _unpickler(STATE_DICT_GLOBALS, "a state dict")
_training_state_pickle = _unpickler(TRAINING_STATE_GLOBALS, "a training state")


def restricted_load(
    path: Union[str, Any], map_location: Union[str, Callable, None] = "cpu", name: Optional[str] = None,
    training_state: bool = False,
) -> Any:
    """
    `torch.load(path, map_location)` with the restricted unpickler (the training-state one if
    `training_state`); an `InputError` naming `name` (default `path`) for anything refused or unreadable.
    """
    module = _training_state_pickle if training_state else _restricted_pickle
    try:
        return torch.load(path, map_location=map_location, pickle_module=module)
    except UNPICKLE_ERRORS as error:
        what = "training state" if training_state else "plain state dict of tensors"
        raise InputError(f"not a {what} ({_one_line(error)})", name or str(path)) from None


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load_state_dict_safely(path: str, name: Optional[str] = None) -> "collections.OrderedDict[str, torch.Tensor]":
    """
    The state dict at `path` (on the CPU), or an `InputError` naming `name` (default `path`)
    if it holds anything else.
    """
    return check_state_dict(restricted_load(path, "cpu", name or path), name or path)


def check_state_dict(state: Any, name: str) -> "collections.OrderedDict[str, torch.Tensor]":
    """
    `state` if it is a dict of tensors, with weights stored in 8 bits turned back into float32
    (`sst_elmo.common.quantization.dequantize_state_dict`); else an `InputError` naming `name`.
    """
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError("not a plain state dict of tensors", name)
    try:
        dequantize_state_dict(state)
    except ValueError as error:
        raise InputError(f"int8 weights: {error}", name) from None
    return state
