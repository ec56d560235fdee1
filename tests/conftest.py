import os
from pathlib import Path

import pytest

from sst_elmo.elmo.hdf5_layout import write_random_elmo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CONFIGS = PROJECT_ROOT / "configs"
SHARED = Path(os.environ.get("SST_ELMO_SHARED", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def tiny_elmo(tmp_path_factory):
    """A random tiny biLM (options.json, weights.hdf5) written by the project's own writer."""
    return write_random_elmo(str(tmp_path_factory.mktemp("tiny_elmo")))


@pytest.fixture
def fixture_env(monkeypatch, tiny_elmo):
    """Points every config variable at the test fixtures and the tiny ELMo."""
    options, weights = tiny_elmo
    monkeypatch.setenv("SST_ELMO_DATA", str(FIXTURES / "data"))
    monkeypatch.setenv("SST_ELMO_OPTIONS", options)
    monkeypatch.setenv("SST_ELMO_WEIGHTS", weights)
    monkeypatch.setenv("SST_ELMO_GLOVE", "6B.50d")
    monkeypatch.setenv("SST_ELMO_GLOVE_FILE", str(FIXTURES / "glove.50d.txt"))
    return {"options": options, "weights": weights}


@pytest.fixture(scope="session")
def shared_dir():
    """The ../shared directory beside the project; tests that need it skip without it."""
    if not (SHARED / "README.md").exists():
        pytest.skip(f"needs the shared data directory at {SHARED} (absent)")
    return SHARED
