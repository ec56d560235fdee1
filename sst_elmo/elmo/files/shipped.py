"""
Naming a shipped ELMo's files so that an archive trained with it loads on any machine:
`shipped://elmo-imdb/weights.hdf5` is `$SST_ELMO_MODELS/elmo-imdb/weights.hdf5` where the
archive is loaded (the project's `models/` by default), not the training machine's path.
"""
import os
from typing import Optional

from sst_elmo.common.config_env import SHIPPED_MODELS
from sst_elmo.common.errors import InputError

SCHEME = "shipped://"


def models_directory() -> str:
    """Where the shipped models are: `$SST_ELMO_MODELS`, else the project's `models/`."""
    return os.environ.get("SST_ELMO_MODELS") or SHIPPED_MODELS


def resolve_elmo_file(path: str) -> str:
    """`path` itself, or for `shipped://NAME/FILE` the file under `models_directory()`."""
    if not isinstance(path, str) or not path.startswith(SCHEME):
        return path
    relative = path[len(SCHEME):]
    parts = relative.split("/")
    if len(parts) != 2 or any(part in ("", ".", "..") for part in parts):
        raise InputError("a shipped file is named shipped://MODEL/FILE", content=path)
    return os.path.join(models_directory(), *parts)


def shipped_reference(path: str) -> Optional[str]:
    """`shipped://NAME/FILE` for a file directly in a model of `models_directory()`, else `None`."""
    models = os.path.realpath(models_directory())
    relative = os.path.relpath(os.path.realpath(path), models)
    parts = relative.split(os.sep)
    if len(parts) != 2 or parts[0] in (os.pardir, os.curdir):
        return None
    return SCHEME + "/".join(parts)
