"""
`pip install .` without extras: the plugin imports, `allennlp` starts and a model trains.

Each check runs in a fresh Python whose imports of the extras' modules (the server's, the
lab's, CheckList) and of the lab itself fail as if they were not installed: a `sys.meta_path`
finder raises `ModuleNotFoundError` for them.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import PROJECT_ROOT

# The top-level modules of the extras (pyproject.toml: serve, lab; scripts/vendor/checklist)
# and the lab.
BLOCKED = (
    "flask", "waitress", "prometheus_client",
    "optuna", "allennlp_optuna", "sqlalchemy", "psycopg2", "matplotlib",
    "checklist", "sst_elmo_lab",
)
BLOCKER = """
import sys

class BlockExtras:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: not installed)", name=name)
        return None

sys.meta_path.insert(0, BlockExtras())
"""
# Every module that `import sst_elmo` registers, and the two above the package that users run.
REGISTERING = ("commands", "data", "dataset_readers", "models", "modules", "predictors", "training")


def run_blocked(code: str, blocked=BLOCKED, timeout: int = 300) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh Python (in the project root) with the modules `blocked`."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))  # the checkout's package; not scripts/ (the lab)
    program = f"BLOCKED = {tuple(blocked)!r}\n" + BLOCKER + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", program], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_blocker_blocks():
    result = run_blocked("import flask")
    assert result.returncode == 1 and "No module named 'flask' (blocked" in result.stderr


def test_the_plugin_imports_and_allennlp_lists_its_commands():
    result = run_blocked(f"""
        import importlib
        import sst_elmo
        for name in {REGISTERING!r} + ("cli", "demo"):
            importlib.import_module("sst_elmo." + name)
        from allennlp.commands import Subcommand, main
        from allennlp.models import Model
        assert Model.by_name("lstm_classifier") and Model.by_name("elmo_bilm")
        assert {{"sst-predict", "sst-verify", "elmo-cache"}} <= set(Subcommand.list_available())
        print("loaded:", sorted(name for name in {BLOCKED!r} if name in sys.modules))
        sys.argv = ["allennlp", "--help"]  # the plugin found through .allennlp_plugins
        try:
            main()
        except SystemExit as exit:
            sys.exit(exit.code)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded: []" in result.stdout.splitlines()
    assert "sst-predict" in result.stdout and "train" in result.stdout


@pytest.mark.slow
def test_a_tiny_model_trains(tmp_path, fixture_env):
    run = tmp_path / "run"
    overrides = json.dumps({"trainer.num_epochs": 1, "evaluate_on_test": False})
    result = run_blocked(f"""
        from allennlp.commands import main
        sys.argv = ["allennlp", "train", "configs/sst5_lstm.jsonnet", "-s", {str(run)!r}, "-o", {overrides!r}]
        main()
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (run / "model.tar.gz").exists()
    assert "best_validation_accuracy" in json.loads((run / "metrics.json").read_text())


def test_every_module_of_the_package_imports():
    # `--include-package sst_elmo` imports every module; without CheckList the suite is not registered.
    result = run_blocked(blocked=BLOCKED, code="""
        from allennlp.common.util import import_module_and_submodules
        import_module_and_submodules("sst_elmo")
        from allennlp.common.registrable import Registrable
        print("suites:", sorted(name for cls, names in Registrable._registry.items()
                                if cls.__name__ == "TaskSuite" for name in names))
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "suites: []" in result.stdout
