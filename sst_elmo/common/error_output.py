"""
User errors on the terminal as one line.

`InputError` (and its kinds: `UnsafeArchiveError`, `ElmoFileError`) says what is wrong and
where in one line, so a traceback adds nothing for a user. Importing `sst_elmo` installs
`excepthook`, which prints such an uncaught error as its one line and exits with status 1
(the `allennlp` CLI with the plugin loaded, and the `sst-*` / `elmo-*` console scripts).
Every other exception, and every error when `SST_ELMO_DEBUG=1` (or `--debug`), keeps
Python's full traceback.
"""
import os
import sys
from types import TracebackType
from typing import Optional, Type

from sst_elmo.common.errors import InputError

DEBUG_VARIABLE = "SST_ELMO_DEBUG"


def debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def one_line(error: BaseException) -> str:
    """`module.Class: message`, as the last line of a traceback, with newlines folded."""
    kind = type(error)
    message = " ".join(str(error).split("\n"))
    return f"{kind.__module__}.{kind.__qualname__}: {message}"


def is_user_error(error: BaseException) -> bool:
    return isinstance(error, InputError)


_previous_hook = sys.excepthook


def excepthook(
    kind: Type[BaseException], error: BaseException, traceback: Optional[TracebackType]
) -> None:
    """`sys.excepthook`: one line for a user error (unless debugging), else the previous hook."""
    if is_user_error(error) and not debugging():
        print(one_line(error), file=sys.stderr)
        return
    _previous_hook(kind, error, traceback)


def install_excepthook() -> None:
    if sys.excepthook is not excepthook:
        global _previous_hook
        _previous_hook = sys.excepthook
        sys.excepthook = excepthook
