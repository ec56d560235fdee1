"""
Loading archives and checkpoints safely in every AllenNLP command of a process that has
imported `sst_elmo`, not only in the project's own commands.

AllenNLP 2.10.1's `load_archive` (behind `allennlp predict`, `evaluate`, `checklist`,
`Predictor.from_path`, a `from_archive` model in a training config and the `pretrained`
initializer) builds whatever `type` its `config.json` names, importing and calling a dotted
path such as `"subprocess.Popen"`, and unpickles `weights.th` with `torch.load`, which can
call any function. `train --recover` unpickles the checkpoints of its serialization
directory the same way. `install_archive_hooks` (called when `sst_elmo` is imported) changes
only these points, each a module attribute looked up when it is called, so the order of
imports does not matter:

- `allennlp.models.archival.extracted_archive`: `check_archive` (member paths, counts and
  sizes) before anything is extracted;
- `Params.from_file` as the archival module sees it (`archival.Params`): the archive
  directory's files (`check_archive_directory`), `config.json` read within
  `SST_ELMO_MAX_CONFIG_BYTES` and `SST_ELMO_MAX_CONFIG_DEPTH`, then every `type` in it (after
  `--overrides`) must be a registered name (`check_config_types`), before anything is built;
- `Registrable.resolve_class_name`, while `load_archive` builds the readers and the model
  (`archival._load_dataset_readers`, `archival._load_model`): a name that is not registered,
  such as a dotted path, is refused, not imported;
- `allennlp.nn.util.read_state_dict` (what `Model.load` reads the weights with), and the same
  name where `allennlp diff` and `TransformerModule.from_pretrained_module` imported it: the
  tensors-only unpickler of `sst_elmo.safety.safe_unpickle`;
- `Checkpointer.load_checkpoint` and `GradientDescentTrainer._load_model_state` (`train
  --recover`, and `best.th` at the end of training): the restricted unpickler for model and
  training states;
- `PretrainedModelInitializer.__init__`: the tensors-only unpickler for its weights file;
- `allennlp.common.cached_transformers.get` (the `pretrained_transformer` embedder and the
  BERT pooler): its `override_weights_file` is read with the tensors-only unpickler first.

A user's own training config is not an archive: its dotted types (with `--include-package`
code) still work in `allennlp train`. A dotted type in an archive's config, or in overrides
given for it, is refused. The one way to turn the hooks off is `SST_ELMO_TRUST_ARCHIVES=1`,
which prints a warning when `sst_elmo` is imported; the tar extraction filter and the limits
of `sst_elmo.safety.limits` stay on (each limit has its own variable).
"""
import contextlib
import contextvars
import functools
import inspect
import os
import sys
from typing import Any, Dict, Iterator

from sst_elmo.common.errors import InputError
from sst_elmo.safety.archive_safety import (
    archive_name,
    check_archive,
    forget_archive_name,
    name_archive,
    read_archive_config,
)

TRUST_VARIABLE = "SST_ELMO_TRUST_ARCHIVES"
# The archive (name, extracted directory) whose readers or model `load_archive` is building.
_LOADING: contextvars.ContextVar = contextvars.ContextVar("sst_elmo_loading_archive", default=None)
_ORIGINALS: Dict[str, Any] = {}


def trusting() -> bool:
    """Whether `SST_ELMO_TRUST_ARCHIVES=1` turned the hooks off."""
    return os.environ.get(TRUST_VARIABLE, "").strip() == "1"


def installed() -> bool:
    """Whether the hooks are on in this process."""
    return bool(_ORIGINALS)


def install_archive_hooks() -> None:
    """Installs the hooks of this module (once), unless `SST_ELMO_TRUST_ARCHIVES=1`."""
    if trusting():
        print(
            f"WARNING sst_elmo: {TRUST_VARIABLE}=1: archives and checkpoints are loaded as AllenNLP loads them; "
            "a crafted one can run code (dotted types in config.json, pickles in weights.th)",
            file=sys.stderr,
        )
        return
    if installed():
        return
    from allennlp.commands import diff
    from allennlp.common import cached_transformers
    from allennlp.common.registrable import Registrable
    from allennlp.models import archival
    from allennlp.modules.transformer import transformer_module
    from allennlp.nn import initializers
    from allennlp.nn import util as nn_util
    from allennlp.training.checkpointer import Checkpointer
    from allennlp.training.gradient_descent_trainer import GradientDescentTrainer

    hooks = [
        (archival, "extracted_archive", _checked_extracted_archive),
        (archival, "Params", _archive_params_class(archival.Params)),
        (archival, "_load_dataset_readers", _while_loading(archival._load_dataset_readers)),
        (archival, "_load_model", _while_loading(archival._load_model, last=True)),
        (Registrable, "resolve_class_name", classmethod(_resolve_registered_only)),
        (nn_util, "read_state_dict", read_state_dict_safely),
        # Modules that imported read_state_dict by name before sst_elmo was imported:
        (diff, "read_state_dict", read_state_dict_safely),  # allennlp diff CHECKPOINT CHECKPOINT
        (transformer_module, "read_state_dict", read_state_dict_safely),  # pretrained transformer weights
        (Checkpointer, "load_checkpoint", _load_checkpoint_safely),
        (GradientDescentTrainer, "_load_model_state", _load_model_state_safely),
        (initializers.PretrainedModelInitializer, "__init__", _pretrained_initializer_init),
        (cached_transformers, "get", _cached_transformer_checked),
    ]
    for owner, attribute, hook in hooks:
        _ORIGINALS[(owner, attribute)] = owner.__dict__[attribute]
        setattr(owner, attribute, hook)


def uninstall_archive_hooks() -> None:
    """Puts back what `install_archive_hooks` replaced (for tests that show what the hooks prevent)."""
    while _ORIGINALS:
        (owner, attribute), original = _ORIGINALS.popitem()
        setattr(owner, attribute, original)


def _original(owner_name: str, attribute: str) -> Any:
    """The function `install_archive_hooks` replaced at `owner_name.attribute`, unwrapped."""
    for (owner, name), original in _ORIGINALS.items():
        if name == attribute and getattr(owner, "__name__", "") == owner_name:
            return original.__func__ if isinstance(original, classmethod) else original
    raise KeyError(f"{owner_name}.{attribute} is not hooked")


@contextlib.contextmanager
def _checked_extracted_archive(resolved_archive_file, cleanup: bool = True) -> Iterator[str]:
    check_archive(str(resolved_archive_file))
    extract = _original("allennlp.models.archival", "extracted_archive")
    with extract(resolved_archive_file, cleanup=cleanup) as directory:
        name_archive(directory, resolved_archive_file)
        yield directory


def _archive_params_class(params_class: type) -> type:
    class ArchiveParams(params_class):  # type: ignore[misc, valid-type]
        """`Params` as `load_archive` sees it: `from_file` checks the archive's config first."""

        @classmethod
        def from_file(cls, params_file, params_overrides="", ext_vars=None):
            return read_archive_config(str(params_file), params_overrides, ext_vars)

    ArchiveParams.__name__ = ArchiveParams.__qualname__ = params_class.__name__
    return ArchiveParams


def _while_loading(function, last: bool = False):
    """
    `function(config, ..., serialization_dir, ...)` of `load_archive`, run with
    `_resolve_registered_only` on; `last`: the archive's name is forgotten afterwards.
    """
    signature = inspect.signature(function)

    def wrapper(*args, **kwargs):
        directory = os.path.abspath(str(signature.bind(*args, **kwargs).arguments["serialization_dir"]))
        token = _LOADING.set((archive_name(directory), directory))
        try:
            return function(*args, **kwargs)
        finally:
            _LOADING.reset(token)
            if last:
                forget_archive_name(directory)

    return functools.wraps(function)(wrapper)


def _resolve_registered_only(cls, name: str):
    from allennlp.common.registrable import Registrable

    loading = _LOADING.get()
    if loading is not None and name not in Registrable._registry[cls]:
        raise InputError(
            f"type {name!r} is not a registered {cls.__name__}; an archive's config may only name registered "
            "types (a dotted path would be imported and called)",
            f"{loading[0]}:config.json",
        )
    return _original("Registrable", "resolve_class_name")(cls, name)


def _archive_name(path: str) -> str:
    """`archive:member` for a file of the archive being loaded, else `path`."""
    loading = _LOADING.get()
    if loading is not None:
        name, directory = loading
        relative = os.path.relpath(os.path.abspath(str(path)), directory)
        if not relative.startswith(".."):
            return f"{name}:{relative}"
    return str(path)


def read_state_dict_safely(path, strip_prefix=None, ignore=None, strict=True, cuda_device: int = -1):
    """
    `allennlp.nn.util.read_state_dict`, reading the file with the tensors-only unpickler
    (`sst_elmo.safety.safe_unpickle`): anything but tensors is refused with one `InputError`.
    """
    import collections
    import io

    import torch
    from allennlp.nn.util import device_mapping

    from sst_elmo.safety.safe_unpickle import check_state_dict, restricted_load

    name = _archive_name(path)
    state = check_state_dict(restricted_load(path, device_mapping(cuda_device), name), name)
    if strip_prefix is None and ignore is None:
        return collections.OrderedDict(state)
    buffer = io.BytesIO()  # AllenNLP's own prefix and ignore logic, over the checked tensors
    torch.save(state, buffer)
    buffer.seek(0)
    return _original("allennlp.nn.util", "read_state_dict")(buffer, strip_prefix, ignore, strict, cuda_device)


read_state_dict_safely.tensors_only = True  # type: ignore[attr-defined]  # what safe_load_archive looks for


def _load_checkpoint_safely(self):
    """`Checkpointer.load_checkpoint`, unpickling both files with the restricted unpickler."""
    from allennlp.nn.util import device_mapping
    from allennlp.training.checkpointer import TrainerCheckpoint

    from sst_elmo.safety.safe_unpickle import check_state_dict, restricted_load

    latest = self.find_latest_checkpoint()
    if latest is None:
        return None
    model_path, training_state_path = latest
    model_state = check_state_dict(restricted_load(model_path, device_mapping(-1)), model_path)
    training_state = restricted_load(training_state_path, device_mapping(-1), training_state=True)
    if not isinstance(training_state, dict):
        raise InputError("not a training state (a dict)", training_state_path)
    return TrainerCheckpoint(model_state, training_state)


def _load_model_state_safely(self, path: str) -> None:
    """`GradientDescentTrainer._load_model_state` (the best model at the end), tensors only."""
    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    state = load_state_dict_safely(path)
    model = self._ddp_wrapped_model if self._ddp_wrapped_model is not None else self._pytorch_model
    model.load_state_dict(state)


def _pretrained_initializer_init(self, weights_file_path: str, parameter_name_overrides=None) -> None:
    """`PretrainedModelInitializer.__init__`, reading the weights with the tensors-only unpickler."""
    import tarfile

    from allennlp.models.archival import extracted_archive, get_weights_path

    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    if tarfile.is_tarfile(weights_file_path):
        with extracted_archive(weights_file_path) as extraction_path:
            path = get_weights_path(extraction_path)
            self.weights = load_state_dict_safely(path, f"{weights_file_path}:{os.path.basename(path)}")
    else:
        self.weights = load_state_dict_safely(weights_file_path)
    self.parameter_name_overrides = parameter_name_overrides or {}


def _cached_transformer_checked(model_name, make_copy, override_weights_file=None, *args, **kwargs):
    """`cached_transformers.get`, with `override_weights_file` first read by the tensors-only unpickler."""
    from allennlp.common.file_utils import cached_path

    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    if override_weights_file is not None:
        load_state_dict_safely(str(cached_path(override_weights_file)), str(override_weights_file))
    return _original("allennlp.common.cached_transformers", "get")(
        model_name, make_copy, override_weights_file, *args, **kwargs
    )
