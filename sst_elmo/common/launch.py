"""
Launching the `allennlp` CLI from Python: the one place that builds an `allennlp train` (or
any other subcommand) command line and runs it with its output in a log file. The grid, the
feature baseline and pre-training all train through it.
"""
import json
import os
import subprocess
import sys
from typing import Any, List, Mapping, Optional


def allennlp_command(subcommand: str, *arguments: str) -> List[str]:
    """
    `python -m allennlp SUBCOMMAND ARGUMENTS... --include-package sst_elmo`, with this
    interpreter, so the command finds the plugin from any working directory.
    """
    return [sys.executable, "-m", "allennlp", subcommand, *arguments, "--include-package", "sst_elmo"]


def plugin_command(subcommand: str, *arguments: str) -> List[str]:
    """
    `python -m sst_elmo.cli SUBCOMMAND ARGUMENTS...`: the `allennlp` CLI with the plugin loaded
    from any directory, the plugin's own subcommands and allennlp-optuna's (`tune`) included
    (`--include-package` loads packages only after the subcommand has been chosen).
    """
    return [sys.executable, "-m", "sst_elmo.cli", subcommand, *arguments]


def train_command(
    config: str,
    serialization_dir: str,
    overrides: Optional[Mapping[str, Any]] = None,
    recover: bool = False,
    force: bool = False,
) -> List[str]:
    """
    The `allennlp train` command for `config` into `serialization_dir`, with file-friendly
    logging (no progress bars in log files).

    # Parameters

    overrides : `Mapping[str, Any]`, optional
        Passed as `--overrides` JSON (dotted or nested keys, as AllenNLP takes them).
    recover : `bool`, optional (default = `False`)
        Continue the run in `serialization_dir` from its last checkpoint (`--recover`).
    force : `bool`, optional (default = `False`)
        Replace an existing `serialization_dir` (`--force`).
    """
    if recover and force:
        raise ValueError("recover and force exclude each other")
    arguments = [config, "--serialization-dir", serialization_dir, "--file-friendly-logging"]
    if overrides:
        arguments += ["--overrides", json.dumps(dict(overrides), sort_keys=True)]
    if recover:
        arguments.append("--recover")
    if force:
        arguments.append("--force")
    return allennlp_command("train", *arguments)


def run_logged(
    command: List[str],
    log_path: str,
    env: Optional[Mapping[str, str]] = None,
    timeout: Optional[float] = None,
    append: bool = False,
    cwd: Optional[str] = None,
) -> int:
    """
    Runs `command` with its stdout and stderr in `log_path` (appended to when `append`);
    returns its exit status. `subprocess.TimeoutExpired` after `timeout` seconds (the process
    is killed).
    """
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    with open(log_path, "a" if append else "w", encoding="utf-8") as log:
        process = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, env=None if env is None else dict(env),
            timeout=timeout, cwd=cwd,
        )
    return process.returncode
