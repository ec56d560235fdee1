import io
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import List

import pytest
import torch

from sst_elmo.testing.elmo import write_random_elmo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CONFIGS = PROJECT_ROOT / "configs"
SHARED = Path(os.environ.get("SST_ELMO_SHARED", PROJECT_ROOT.parent / "shared"))
# The lab, `sst_elmo_lab`, runs from the checkout's scripts/ and is not installed with the
# package: its tests (tests/lab) import it from there. A child process that imports it gets
# `lab_env()`'s PYTHONPATH.
SCRIPTS = PROJECT_ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.append(str(SCRIPTS))


@pytest.fixture(scope="session")
def tiny_elmo(tmp_path_factory):
    """A random tiny biLM (options.json, weights.hdf5) written by the project's own writer."""
    return write_random_elmo(str(tmp_path_factory.mktemp("tiny_elmo")))


def fixture_variables(tiny_elmo) -> dict:
    """The config variables that point every config at the test fixtures and the tiny ELMo
    (`tiny_elmo`'s files): for a child process's environment, and `fixture_env`."""
    options, weights = tiny_elmo
    with open(options) as handle:  # configs that need the ELMo's dimension (bcn) read it from here
        elmo_dim = 2 * json.load(handle)["lstm"]["projection_dim"]
    return {
        "SST_ELMO_DATA": str(FIXTURES / "data"),
        "SST_ELMO_OPTIONS": options,
        "SST_ELMO_WEIGHTS": weights,
        "SST_ELMO_ELMO_DIM": str(elmo_dim),
        "SST_ELMO_GLOVE": "6B.50d",
        "SST_ELMO_GLOVE_FILE": str(FIXTURES / "glove.50d.txt"),
        # configs/csv_classifier.jsonnet: a CSV with other column names than its defaults
        "SST_ELMO_CSV_TRAIN": str(FIXTURES / "data/csv/reviews.csv"),
        "SST_ELMO_CSV_LABEL_COLUMN": "sentiment",
        "SST_ELMO_CSV_LABELS": "neg,pos",
    }


@pytest.fixture
def fixture_env(monkeypatch, tiny_elmo):
    """Points every config variable at the test fixtures and the tiny ELMo."""
    for name, value in fixture_variables(tiny_elmo).items():
        monkeypatch.setenv(name, value)
    options, weights = tiny_elmo
    return {"options": options, "weights": weights}


@pytest.fixture(scope="session")
def shared_dir():
    """The ../shared directory beside the project; tests that need it skip without it."""
    if not (SHARED / "README.md").exists():
        pytest.skip(f"needs the shared data directory at {SHARED} (absent)")
    return SHARED


def build_archive(run: Path, config: str = "sst5_elmo.jsonnet", seed: int = 0, overrides: str = "") -> Path:
    """
    The run directory (config.json, vocabulary/, best.th, model.tar.gz) of an untrained
    classifier of `config` (with `overrides`), its weights drawn with torch seed `seed`, made
    in-process; the config variables must point at the fixtures (`fixture_env`).
    """
    from allennlp.common import Params
    from allennlp.data import DatasetReader, Vocabulary
    from allennlp.models import Model
    from allennlp.models.archival import archive_model

    params = Params.from_file(str(CONFIGS / config), overrides)
    run.mkdir(parents=True)
    params.to_file(str(run / "config.json"))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    vocab.save_to_files(str(run / "vocabulary"))
    torch.manual_seed(seed)
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    torch.save(model.state_dict(), run / "best.th")
    archive_model(str(run))
    return run


@pytest.fixture
def model_archive(tmp_path, fixture_env):
    """The run directory (config.json, vocabulary/, best.th, model.tar.gz) of an untrained
    sst5_elmo classifier (tiny ELMo), made in-process."""
    return build_archive(tmp_path / "run")


def rearchive(run, replace, extra=(), name="changed.tar.gz"):
    """
    The archive of `run` with members replaced by `replace` ({name: local file or bytes}),
    then the `TarInfo`s of `extra` ((TarInfo, bytes or None)) appended.
    """
    path = Path(run) / name
    replace = dict(replace)
    with tarfile.open(Path(run) / "model.tar.gz") as source, tarfile.open(path, "w:gz") as out:
        members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source.getmembers()]
        for member, data in members:
            if member.name in replace:
                data = replace.pop(member.name)
                data = Path(data).read_bytes() if not isinstance(data, bytes) else data
                member.size = len(data)
            out.addfile(member, io.BytesIO(data) if data is not None else None)
        for name_, data in replace.items():
            data = Path(data).read_bytes() if not isinstance(data, bytes) else data
            info = tarfile.TarInfo(name_)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        for info, data in extra:
            if data is not None:
                info.size = len(data)
            out.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


def make_predictor(config: str):
    """An untrained classifier of `config` (vocabulary from the fixture trees) and its predictor."""
    from allennlp.common import Params
    from allennlp.data import DatasetReader, Vocabulary
    from allennlp.models import Model
    from allennlp.predictors import Predictor

    params = Params.from_file(str(CONFIGS / config))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    return Predictor.by_name("sentence_classifier_predictor")(model.eval(), reader)


@pytest.fixture
def lstm_predictor(fixture_env):
    """GloVe (the fixture's 50d vectors) -> biLSTM."""
    return make_predictor("sst5_lstm.jsonnet")


@pytest.fixture
def elmo_predictor(fixture_env):
    """A frozen tiny random ELMo (stateless_elmo) -> biLSTM."""
    return make_predictor("sst5_elmo.jsonnet")


def shipped_random_elmo(monkeypatch, tmp_path: Path, seed: int) -> None:
    """A random ELMo as the shipped `elmo-imdb` of a models directory in `tmp_path`, and the fixture data."""
    write_random_elmo(str(tmp_path / "models" / "elmo-imdb"), seed=seed)
    monkeypatch.setenv("SST_ELMO_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("SST_ELMO_DATA", str(FIXTURES / "data"))
    monkeypatch.setenv("SST_ELMO_ELMO", "")


def kill_at_checkpoint(command: List[str], run_dir: Path, epoch: int = 3) -> None:
    """
    Starts `command` (in its own process group, from the project root) and kill -9s the whole
    group once `run_dir` holds the training state saved after `epoch` epochs.
    """
    import os
    import signal
    import subprocess
    import time

    worker = subprocess.Popen(command, cwd=str(PROJECT_ROOT), env=dict(os.environ), start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(run_dir.glob(f"training_state_e{epoch}*")) and time.monotonic() < deadline:
        assert worker.poll() is None, f"{command[1]} ended before it could be killed"
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
