"""
`scripts/setup.sh` is quiet: an up-to-date venv is one line; a set-up prints one line a step,
its full output goes to VENV/setup.log, and a failing step prints the log's last lines and its
path. The packages it builds give their license as an SPDX string (no deprecated table).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli

from tests.conftest import PROJECT_ROOT

SETUP = PROJECT_ROOT / "scripts" / "setup.sh"
PYPROJECTS = [PROJECT_ROOT / "pyproject.toml", *sorted(PROJECT_ROOT.glob("scripts/vendor/*/pyproject.toml"))]


def setup(venv: Path, *arguments: str):
    return subprocess.run(["bash", str(SETUP), *arguments], env=dict(os.environ, VENV=str(venv)),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("pyproject", PYPROJECTS, ids=[str(path.relative_to(PROJECT_ROOT)) for path in PYPROJECTS])
def test_the_license_is_an_spdx_string_for_a_setuptools_that_reads_it(pyproject):
    data = tomli.loads(pyproject.read_text(encoding="utf-8"))
    assert isinstance(data["project"]["license"], str)  # a table is deprecated from setuptools 77 on
    requires = [requirement.replace(" ", "") for requirement in data["build-system"]["requires"]]
    assert "setuptools>=77" in requires


def test_an_up_to_date_venv_is_one_line(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    stamp = setup(venv, "--stamp")
    assert stamp.returncode == 0 and stamp.stdout.strip()
    (venv / ".sst_elmo-setup").write_text(stamp.stdout)
    result = setup(venv)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines() == [f"setup: {venv} is up to date (Python {sys.version.split()[0]})"]


def test_a_failing_step_shows_the_end_of_its_log(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    # A python that passes the version check and fails everything else, as pip does offline.
    python.write_text('#!/bin/sh\ncase "$*" in *version_info*) echo 3.10; exit 0;; esac\n'
                      'echo "Looking in indexes: nowhere"\n'
                      'echo "ERROR: No matching distribution found for pip<27" >&2\nexit 1\n')
    python.chmod(0o755)
    result = setup(venv)
    log = venv / "setup.log"
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"setup: setting up {venv}; the full output goes to {log}",
                                          "setup: updating pip, wheel and setuptools"]
    errors = result.stderr.splitlines()
    assert errors[0] == f"setup: failed: updating pip, wheel and setuptools. The last lines of {log}:"
    assert "    ERROR: No matching distribution found for pip<27" in errors
    assert errors[-1] == f"setup: the whole output is in {log}"
    assert "ERROR: No matching distribution found" in log.read_text()


def test_a_venv_with_every_extra_is_up_to_date_for_fewer(tmp_path):
    """`make test` installs every extra, `make demo` none (EXTRAS=): the one after the other
    installs nothing; the other way round installs the extras the tests need."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    # A python that passes the version check and fails everything else (no install can start).
    python.write_text('#!/bin/sh\ncase "$*" in *version_info*) echo 3.10; exit 0;; --version) echo Python 3.10.0;'
                      ' exit 0;; esac\nexit 1\n')
    python.chmod(0o755)

    def run(*arguments, extras=None):
        env = {key: value for key, value in os.environ.items() if key != "EXTRAS"}
        env.update(VENV=str(venv), **({} if extras is None else {"EXTRAS": extras}))
        return subprocess.run(["bash", str(SETUP), *arguments], env=env, capture_output=True, text=True,
                              timeout=120)

    everything = run("--stamp").stdout
    assert everything.split()[1].split(",") == ["dev", "serve", "lab", "checklist"]
    (venv / ".sst_elmo-setup").write_text(everything)
    for extras in ("", "serve", "lab,dev"):
        result = run(extras=extras)
        assert (result.returncode, result.stdout) == (0, f"setup: {venv} is up to date (Python 3.10.0)\n")
    (venv / ".sst_elmo-setup").write_text(run("--stamp", extras="").stdout)
    assert run(extras="").returncode == 0
    result = run()
    assert result.returncode == 1 and result.stdout.startswith(f"setup: setting up {venv}")
