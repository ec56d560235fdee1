"""
Loading a PyTorch state dict (`weights.th`, `best.th`) without running arbitrary code.

`torch.load` unpickles, and a pickle can call any function. PyTorch 1.12 (which AllenNLP
2.10.1 uses) has no `weights_only=True`, so `load_state_dict_safely` passes `torch.load` an
unpickler that resolves only what a state dict of tensors needs and refuses anything else.
"""
import collections
import pickle
import types
from typing import Optional

import torch
from overrides import overrides

from sst_elmo.common.errors import InputError

_ALLOWED = {
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "Size"),
}


class _StateDictUnpickler(pickle.Unpickler):
    @overrides(check_signature=False)  # pickle.Unpickler.find_class is a C method
    def find_class(self, module: str, name: str):
        is_dtype = module == "torch" and isinstance(getattr(torch, name, None), torch.dtype)
        if (module, name) in _ALLOWED or is_dtype:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of a state dict")


_restricted_pickle = types.SimpleNamespace(
    Unpickler=_StateDictUnpickler, load=lambda handle, **kwargs: _StateDictUnpickler(handle, **kwargs).load(),
    __name__="sst_elmo_restricted_pickle",
)


def load_state_dict_safely(path: str, name: Optional[str] = None) -> "collections.OrderedDict[str, torch.Tensor]":
    """
    The state dict at `path` (on the CPU), or an `InputError` naming `name` (default `path`)
    if it holds anything else.
    """
    name = name or path
    try:
        state = torch.load(path, map_location="cpu", pickle_module=_restricted_pickle)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, AttributeError) as error:
        raise InputError(f"not a plain state dict of tensors ({error})", name) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError("not a plain state dict of tensors", name)
    return state
