"""
Flask, waitress and prometheus_client are the `serve` extra: without them the plugin imports
(also every module, as `--include-package sst_elmo` imports them), `allennlp --help` works, and
`allennlp sst-serve` stops with one line naming the extra to install.
"""
import subprocess
import sys

from sst_elmo.serving import SERVE_EXTRA, SERVE_PACKAGES
from tests.conftest import PROJECT_ROOT

# Makes the serve extra's packages (and werkzeug, which comes with Flask) look uninstalled.
BLOCK = f"""
import sys


class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVE_PACKAGES + ("werkzeug",)!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, Uninstalled())
"""

CHECKS = BLOCK + """
import sst_elmo
from allennlp.common.util import import_module_and_submodules

import_module_and_submodules("sst_elmo")  # what --include-package sst_elmo does
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("flask", "waitress", "prometheus_client"))
print("loaded:", loaded, flush=True)

from allennlp.__main__ import run

sys.argv = ["allennlp", "--help"]
try:
    run()
except SystemExit as stop:
    print("help exit:", stop.code, flush=True)
sys.argv = ["allennlp", "sst-serve", "model.tar.gz"]
run()  # the plugin's excepthook prints its error
"""


def test_without_the_serve_extra_the_plugin_works_and_sst_serve_says_what_to_install():
    result = subprocess.run([sys.executable, "-c", CHECKS], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            timeout=300)
    assert "loaded: []" in result.stdout, result.stderr[-3000:]
    assert "help exit: 0" in result.stdout and "sst-serve" in result.stdout
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith(f"sst-serve: serving needs the serve extra (flask, waitress, prometheus_client missing): "
                         f"{SERVE_EXTRA}"), result.stderr[-3000:]
    assert SERVE_EXTRA == "pip install 'sst_elmo[serve]'"
