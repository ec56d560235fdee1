"""
The console scripts and the plain `allennlp` CLI in subprocesses: they work from any
directory, user errors are one line (a traceback only with --debug / SST_ELMO_DEBUG=1), and
what each command does with a pickle payload in `weights.th`.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import FIXTURES, PROJECT_ROOT, rearchive

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def run(command, cwd, *args, env=None):
    executable = [sys.executable, "-m", "allennlp"] if command == "allennlp" else [str(BIN / command)]
    return subprocess.run([*executable, *map(str, args)], cwd=cwd, env=env or dict(os.environ),
                          capture_output=True, text=True, timeout=600)


def last_line(result):
    return result.stderr.strip().splitlines()[-1]


class RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def elsewhere(tmp_path):
    path = tmp_path / "elsewhere"
    path.mkdir()
    (path / "in.jsonl").write_text('{"sentence": "A fine film."}\n{"tokens": ["Dull", "."]}\n')
    return path


def test_console_scripts_work_from_any_directory(model_archive, elsewhere, fixture_env):
    os.umask(0o022)
    archive = model_archive / "model.tar.gz"
    result = run("sst-predict", elsewhere, archive, "in.jsonl", "--output-file", "out/p.jsonl")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in (elsewhere / "out/p.jsonl").read_text().splitlines()]
    assert [row["tokens"] for row in rows] == [["A", "fine", "film", "."], ["Dull", "."]]
    assert (elsewhere / "out/p.jsonl").stat().st_mode & 0o777 == 0o644  # the umask, not mkstemp's 0600
    result = run("sst-verify", elsewhere, archive)
    assert result.returncode == 0 and result.stdout.startswith("OK archive"), result.stderr[-2000:]
    result = run("sst-elmo", elsewhere, "sst-verify", "--options-file", fixture_env["options"],
                 "--weight-file", fixture_env["weights"])
    assert result.returncode == 0 and result.stdout.startswith("OK ELMo"), result.stderr[-2000:]


def test_what_the_plain_cli_finds_from_another_directory(model_archive, elsewhere, tmp_path):
    """README: --include-package serves AllenNLP's commands; plugin subcommands need a plugins file."""
    archive = model_archive / "model.tar.gz"
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home))
    result = run("allennlp", elsewhere, "evaluate", archive, FIXTURES / "data/sst/dev.txt",
                 "--include-package", "sst_elmo", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    result = run("allennlp", elsewhere, "sst-verify", archive, "--include-package", "sst_elmo", env=env)
    assert result.returncode == 2 and "invalid choice: 'sst-verify'" in result.stderr
    # The global plugins file (AllenNLP's ~/.allennlp/plugins) makes them work in every directory.
    (home / ".allennlp").mkdir(exist_ok=True)
    (home / ".allennlp" / "plugins").write_text("sst_elmo\n")
    result = run("allennlp", elsewhere, "sst-verify", archive, env=env)
    assert result.returncode == 0 and result.stdout.startswith("OK archive"), result.stderr[-2000:]


def test_user_errors_are_one_line_and_debug_shows_the_traceback(model_archive, elsewhere, fixture_env):
    archive = model_archive / "model.tar.gz"
    result = run("elmo-export", elsewhere, archive, "exported")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert last_line(result) == f"sst_elmo.common.errors.InputError: {archive}: holds a LstmClassifier, " \
                                "not an elmo_bilm model"
    result = run("elmo-export", elsewhere, archive, "exported", "--debug")
    assert result.returncode == 1 and "Traceback" in result.stderr
    result = run("sst-predict", elsewhere, archive, "missing.jsonl", "--output-file", "o.jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert last_line(result) == "sst_elmo.common.errors.InputError: missing.jsonl: no such file"
    # The plain allennlp CLI (plugin from .allennlp_plugins): the same one line, SST_ELMO_DEBUG for more.
    bad = elsewhere / "bad.jsonl"
    bad.write_text('{"sentence": "fine"}\n{"sentence": "broken\n')
    args = ("predict", archive, bad, "--silent", "--output-file", elsewhere / "o.jsonl")
    result = run("allennlp", PROJECT_ROOT, *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert last_line(result).startswith(f"sst_elmo.common.errors.InputError: {bad}:2: not valid JSON")
    result = run("allennlp", PROJECT_ROOT, *args, env=dict(os.environ, SST_ELMO_DEBUG="1"))
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_a_crafted_archive_with_the_plain_cli(model_archive, elsewhere, fixture_env):
    """`allennlp predict` with the plugin loaded refuses traversal, in one line."""
    import tarfile

    info = tarfile.TarInfo("../../escaped.txt")
    path = rearchive(model_archive, {}, [(info, b"x")], name="dotdot.tar.gz")
    env = dict(os.environ, TMPDIR=str(elsewhere))
    result = run("allennlp", PROJECT_ROOT, "predict", path, FIXTURES / "sentences.jsonl", "--silent", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert last_line(result) == (f"sst_elmo.safety.archive_safety.UnsafeArchiveError: {path}: "
                                 "member '../../escaped.txt' would be written outside the extraction directory")
    assert not (elsewhere.parent / "escaped.txt").exists()


def test_pickle_payloads(model_archive, elsewhere, fixture_env):
    """Every command refuses code in weights.th; only SST_ELMO_TRUST_ARCHIVES=1 lets `allennlp predict` run it."""
    state = torch.load(model_archive / "best.th")
    marker = elsewhere / "pwned"
    torch.save(dict(state, evil=RunsCode(marker)), elsewhere / "evil.th")
    path = rearchive(model_archive, {"weights.th": elsewhere / "evil.th"}, name="evil.tar.gz")
    for command in (["sst-predict", path, "in.jsonl", "--output-file", "o.jsonl"], ["sst-verify", path]):
        result = run(command[0], elsewhere, *command[1:])
        assert result.returncode == 1 and "refusing to load posix.system" in last_line(result)
        assert not marker.exists() and not (elsewhere / "o.jsonl").exists()
    result = run("allennlp", PROJECT_ROOT, "predict", path, elsewhere / "in.jsonl", "--silent")
    assert result.returncode == 1 and "refusing to load posix.system" in last_line(result), result.stderr[-2000:]
    assert last_line(result).startswith(f"sst_elmo.common.errors.InputError: {path}:weights.th: ")
    assert not marker.exists()
    trusting = dict(os.environ, SST_ELMO_TRUST_ARCHIVES="1")
    result = run("allennlp", PROJECT_ROOT, "predict", path, elsewhere / "in.jsonl", "--silent", env=trusting)
    assert "WARNING sst_elmo: SST_ELMO_TRUST_ARCHIVES=1" in result.stderr
    assert marker.exists(), "the opt-out loads archives as AllenNLP does"
