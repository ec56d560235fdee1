"""The one dependency warning is filtered by its module, and every command's stderr is free of it."""
import subprocess
import sys

import pytest

from sst_elmo.common.dependency_warnings import MESSAGE, MODULE, PTH_NAME, pth_line, write_pth
from tests.conftest import PROJECT_ROOT

# Raise the warning as rouge does (from module rouge.rouge), and the same text from another module.
RAISE_BOTH = (
    "import warnings\n"
    f"warnings.warn_explicit({MESSAGE!r} + ' (from rouge)', UserWarning, 'rouge.py', 6, module={MODULE!r})\n"
    f"warnings.warn_explicit({MESSAGE!r} + ' (from elsewhere)', UserWarning, 'other.py', 1, module='other')\n"
)


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=120)


@pytest.mark.parametrize("install", [
    "from sst_elmo.common.dependency_warnings import quiet_dependency_warnings; quiet_dependency_warnings()",
    pth_line().strip(),  # what the .pth file runs at start-up
])
def test_only_the_one_module_s_warning_is_ignored(install):
    # resetwarnings first: the venv's own .pth must not be what hides it.
    result = run_python("import warnings; warnings.resetwarnings()\n" + install + "\n" + RAISE_BOTH)
    assert "(from rouge)" not in result.stderr
    assert "(from elsewhere)" in result.stderr  # the same message from another module still shows


def test_without_the_filter_the_warning_shows():
    result = run_python("import warnings; warnings.resetwarnings()\n" + RAISE_BOTH)
    assert "(from rouge)" in result.stderr  # the check above can fail


def test_write_pth(tmp_path):
    path = write_pth(str(tmp_path))
    assert path == str(tmp_path / PTH_NAME)
    assert (tmp_path / PTH_NAME).read_text() == pth_line() and pth_line().startswith("import warnings;")


@pytest.mark.parametrize("argv", [
    [str(PROJECT_ROOT / ".venv" / "bin" / "allennlp"), "train", "--help"],
    [str(PROJECT_ROOT / ".venv" / "bin" / "sst-verify"), "--help"],
    [sys.executable, "-m", "sst_elmo.cli", "evaluate", "--help"],
])
def test_commands_print_no_dependency_warning(argv, tmp_path):
    if not (PROJECT_ROOT / ".venv" / "bin" / "allennlp").exists():
        pytest.skip("no .venv: `make setup` makes it (and writes the .pth file)")
    result = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "pkg_resources" not in result.stderr and "Warning" not in result.stderr, result.stderr[-2000:]
