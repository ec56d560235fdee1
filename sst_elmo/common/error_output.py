"""
User errors on the terminal as one line.

A user error says what is wrong and where, so a traceback adds nothing for a user. These
are user errors (`is_user_error`):

- `InputError` (and its kinds: `UnsafeArchiveError`, `ElmoFileError`) and AllenNLP's
  `ConfigurationError`, which it subclasses;
- a Jsonnet error (a config's `error '...'`, a syntax error, a missing import), shown as
  `jsonnet: FILE:LINE: message`, FILE:LINE being where the error was raised;
- a `TypeError` of a constructor that AllenNLP's `from_params` called with a key it does not
  take, or without one it needs (`Model.__init__() got an unexpected keyword argument 'dropuot'`);
- a `FileNotFoundError` (a config or data file that is not there).

Importing `sst_elmo` installs `excepthook`, which prints such an uncaught error as its one line
and exits with status 1 (the `allennlp` CLI with the plugin loaded, and the `sst-*` / `elmo-*`
console scripts). `allennlp train` replaces `sys.excepthook` with its own (which logs
`CRITICAL - root - Uncaught exception` and the traceback) when it sets up its logging;
`install_excepthook` wraps that set-up (`allennlp.common.logging.prepare_global_logging`) to
put this hook back on top, so a user error still prints one line, and its traceback still goes
to the run's `out.log`. Every other exception, and every error when `SST_ELMO_DEBUG=1` (or
`--debug` on the plugin's subcommands and the console scripts), keeps Python's full traceback.
"""
import functools
import logging
import os
import re
import sys
import traceback as tracebacks
from types import TracebackType
from typing import Optional, Type

from allennlp.common.checks import ConfigurationError

DEBUG_VARIABLE = "SST_ELMO_DEBUG"
# How a Jsonnet error starts (the _jsonnet module raises them as RuntimeError).
_JSONNET = re.compile(r"^(RUNTIME ERROR|STATIC ERROR|Opening input file): ")
# The TypeError of a call with a keyword the function does not take, or without one it needs.
_BAD_CALL = re.compile(
    r"got an unexpected keyword argument|missing \d+ required (positional|keyword-only) argument"
)


def debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def one_line(error: BaseException) -> str:
    """
    `module.Class: message`, as the last line of a traceback, with newlines folded (a builtin
    class without its module); a Jsonnet error as `jsonnet: FILE:LINE: message`.
    """
    if _is_jsonnet_error(error):
        return jsonnet_line(str(error))
    kind = type(error)
    message = " ".join(str(error).split("\n"))
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name}: {message}"


def jsonnet_line(message: str) -> str:
    """A Jsonnet error message (its stack of frames included) as `jsonnet: FILE:LINE: message`."""
    first, *frames = message.strip().split("\n")
    kind, text = first.split(": ", 1)
    where = None
    if kind == "STATIC ERROR":  # "FILE:3:5: unexpected ..." or "FILE:(3:5)-(4:1): ..."
        match = re.match(r"(.+?):\(?(\d+):[\d:()-]*: (.*)", text)
        if match:
            where, text = f"{match.group(1)}:{match.group(2)}", match.group(3)
    elif kind == "Opening input file":  # "PATH: No such file or directory"
        where, _, text = text.rpartition(": ")
        text = text[:1].lower() + text[1:]
    elif frames:  # RUNTIME ERROR: the innermost frame "\tFILE:3:5-9\tthunk <x>" is where it was raised
        match = re.match(r"(.+?):\(?(\d+):", frames[0].strip().split("\t")[0])
        if match:
            where = f"{match.group(1)}:{match.group(2)}"
    return f"jsonnet: {where}: {text}" if where else f"jsonnet: {text}"


def is_user_error(error: BaseException) -> bool:
    if isinstance(error, (ConfigurationError, FileNotFoundError)):
        return True
    if _is_jsonnet_error(error):
        return True
    return isinstance(error, TypeError) and bool(_BAD_CALL.search(str(error))) and _raised_in_from_params(error)


def _is_jsonnet_error(error: BaseException) -> bool:
    return type(error) is RuntimeError and bool(_JSONNET.match(str(error)))


def _raised_in_from_params(error: BaseException) -> bool:
    """Whether `error` went through AllenNLP's `from_params` (a constructor a config called)."""
    frames = tracebacks.extract_tb(error.__traceback__)
    return any(frame.filename.replace(os.sep, "/").endswith("allennlp/common/from_params.py") for frame in frames)


_previous_hook = sys.excepthook


def excepthook(
    kind: Type[BaseException], error: BaseException, traceback: Optional[TracebackType]
) -> None:
    """`sys.excepthook`: one line for a user error (unless debugging), else the previous hook."""
    if is_user_error(error) and not debugging():
        _log_to_files(kind, error, traceback)
        print(one_line(error), file=sys.stderr)
        return
    _previous_hook(kind, error, traceback)


def _log_to_files(kind, error, traceback) -> None:
    """The error and its traceback to the root logger's log files only (`allennlp train`'s out.log)."""
    root = logging.getLogger()
    record = root.makeRecord("root", logging.CRITICAL, "", 0, "Uncaught exception", (), (kind, error, traceback))
    for handler in root.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def install_excepthook() -> None:
    """Installs `excepthook`, and again after `allennlp train` installs its own."""
    if sys.excepthook is not excepthook:
        global _previous_hook
        _previous_hook = sys.excepthook
        sys.excepthook = excepthook
    from allennlp.common import logging as common_logging

    prepare = common_logging.prepare_global_logging
    if not getattr(prepare, "keeps_one_line_errors", False):

        @functools.wraps(prepare)
        def prepare_global_logging(*args, **kwargs):
            prepare(*args, **kwargs)
            install_excepthook()

        prepare_global_logging.keeps_one_line_errors = True  # type: ignore[attr-defined]
        common_logging.prepare_global_logging = prepare_global_logging
