"""Shipping a classifier: portable ELMo paths, label names, the card, lookup by name."""
import json
import os
import shutil
import tarfile

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo_lab.shipping.ship_classifier import ship_classifier
from tests.conftest import FIXTURES, build_archive


@pytest.fixture
def run(tmp_path, fixture_env, monkeypatch):
    # The tiny ELMo as a shipped one: SST_ELMO_MODELS/<its directory>/options.json.
    monkeypatch.setenv("SST_ELMO_MODELS", os.path.dirname(os.path.dirname(fixture_env["options"])))
    run = build_archive(tmp_path / "run")
    (run / "metrics.json").write_text(json.dumps({"best_epoch": 0, "best_validation_accuracy": 0.5,
                                                  "training_duration": "0:00:01"}))
    return run


def ship(run, models, **kwargs):
    kwargs.setdefault("calibrate", False)  # calibrating: its own test below
    return ship_classifier(str(run), "tiny", "a tiny test model", "allennlp train ...", str(models), **kwargs)


def test_a_shipped_classifier_loads_where_its_elmo_is_shipped_not_where_it_was_trained(
        run, tmp_path, fixture_env, monkeypatch):
    from sst_elmo.commands.archive_loading import resolve_archive
    from sst_elmo.safety.archive_safety import safe_load_archive

    names = {str(label): f"name {label}" for label in range(5)}
    target = ship(run, tmp_path / "models", label_names=names)
    with tarfile.open(os.path.join(target, "model.tar.gz")) as archive:
        config = json.load(archive.extractfile("config.json"))
    elmo = config["model"]["text_field_embedder"]["token_embedders"]["elmo"]
    elmo_dir = os.path.basename(os.path.dirname(fixture_env["options"]))
    assert elmo["options_file"] == f"shipped://{elmo_dir}/options.json"
    assert config["validation_dataset_reader"]["label_names"] == names
    card = open(os.path.join(target, "README.md"), encoding="utf-8").read()
    assert "| test (" in card and "sha256" in card and "name 0" in card

    # Another machine: the ELMo elsewhere, the archive found by name under SST_ELMO_MODELS.
    moved = tmp_path / "elsewhere"
    shutil.copytree(os.path.dirname(fixture_env["options"]), moved / elmo_dir)
    shutil.copytree(target, moved / "tiny")
    monkeypatch.setenv("SST_ELMO_MODELS", str(moved))
    assert resolve_archive("tiny") == str(moved / "tiny" / "model.tar.gz")
    archive = safe_load_archive(resolve_archive("tiny"))
    assert archive.model is not None
    with pytest.raises(InputError, match="shipped: tiny"):
        resolve_archive("nosuch")


def test_an_existing_classifier_is_replaced_only_when_asked(run, tmp_path):
    ship(run, tmp_path / "models")
    with pytest.raises(InputError, match="--replace"):
        ship(run, tmp_path / "models")
    ship(run, tmp_path / "models", replace=True)


def test_an_elmo_that_is_not_shipped_is_refused(run, tmp_path, monkeypatch):
    monkeypatch.setenv("SST_ELMO_MODELS", str(tmp_path / "empty"))
    with pytest.raises(InputError, match="not shipped"):
        ship(run, tmp_path / "models")


def test_a_shipped_reference_cannot_leave_the_models_directory():
    from sst_elmo.elmo.files.shipped import resolve_elmo_file

    for bad in ("shipped://../etc/passwd", "shipped://a/../../b", "shipped://only"):
        with pytest.raises(InputError, match="shipped://MODEL/FILE"):
            resolve_elmo_file(bad)


def test_float16_halves_the_weights_and_predicts_as_float32(run, tmp_path):
    import torch

    from sst_elmo.safety.archive_hooks import read_state_dict_safely
    from sst_elmo.safety.archive_safety import safe_load_archive

    halves = ship(run, tmp_path / "half")
    full = ship(run, tmp_path / "full", weights="float32")

    def weights(target):
        with tarfile.open(os.path.join(target, "model.tar.gz")) as archive:
            member = archive.extractfile("weights.th")
            path = tmp_path / f"{os.path.basename(os.path.dirname(target))}.th"
            path.write_bytes(member.read())
        return read_state_dict_safely(str(path)), path.stat().st_size

    (half_state, half_size), (full_state, full_size) = weights(halves), weights(full)
    assert {tensor.dtype for tensor in half_state.values()} == {torch.float16}
    assert torch.float32 in {tensor.dtype for tensor in full_state.values()}
    assert half_size < 0.6 * full_size
    assert "float16" in open(os.path.join(halves, "README.md"), encoding="utf-8").read()

    # Loaded, the parameters are float32 again and the scores move by about float16's precision.
    models = [safe_load_archive(os.path.join(target, "model.tar.gz")).model for target in (halves, full)]
    assert {parameter.dtype for parameter in models[0].parameters()} == {torch.float32}
    for name, parameter in models[0].state_dict().items():
        assert torch.allclose(parameter, models[1].state_dict()[name], rtol=1e-3, atol=1e-3), name


def test_int8_stores_the_matrices_in_a_byte_and_the_model_loads_them(run, tmp_path, monkeypatch):
    import torch

    from sst_elmo.commands.sst_verify import verify_archive
    from sst_elmo.common import quantization
    from sst_elmo.common.quantization import SCALE_SUFFIX, quantized_keys
    from sst_elmo.evaluation.predictions import predict_correctness
    from sst_elmo.safety.archive_safety import safe_load_archive
    from sst_elmo.safety.safe_unpickle import restricted_load

    monkeypatch.setattr(quantization, "DEFAULT_MIN_ELEMENTS", 64)  # the tiny model's matrices are small
    half, small = ship(run, tmp_path / "half"), ship(run, tmp_path / "int8", weights="int8")
    with tarfile.open(os.path.join(small, "model.tar.gz")) as archive:
        (tmp_path / "int8.th").write_bytes(archive.extractfile("weights.th").read())
    state = restricted_load(str(tmp_path / "int8.th"))  # as stored (the plugin's reader dequantizes)
    packed = quantized_keys(state)
    assert packed and all(state[key].dtype == torch.int8 for key in packed)
    assert not any("_elmo_lstm." in key for key in packed) and any("_elmo_lstm." in key for key in state)
    assert all(state[key + SCALE_SUFFIX].dtype == torch.float32 for key in packed)
    assert {tensor.dtype for key, tensor in state.items() if key not in packed and not key.endswith(SCALE_SUFFIX)
            and tensor.is_floating_point()} == {torch.float16}
    assert "int8 with one float32 scale per row" in open(os.path.join(small, "README.md"), encoding="utf-8").read()

    # Loaded through the archive path every command uses: float32 parameters within half a step
    # of the float16 copy's, and the same answers on the test file.
    models = [safe_load_archive(os.path.join(target, "model.tar.gz")).model for target in (half, small)]
    for name, parameter in models[1].state_dict().items():
        assert parameter.dtype == models[0].state_dict()[name].dtype, name
        step = models[0].state_dict()[name].abs().max() / 127 if name in packed else 1e-3
        assert torch.allclose(parameter, models[0].state_dict()[name], atol=float(step)), name
    answers = [predict_correctness(os.path.join(target, "model.tar.gz"), str(FIXTURES / "data/sst/test.txt"))
               for target in (half, small)]
    assert answers[0].predicted == answers[1].predicted and len(answers[0].predicted) > 0
    assert verify_archive(os.path.join(small, "model.tar.gz"))  # sst-verify reads it as the model's weights


def test_paths_of_the_shared_data_and_the_models_directory_become_relative(tmp_path, monkeypatch):
    from sst_elmo_lab.shipping import ship_classifier as shipping

    shared, models = tmp_path / "shared", tmp_path / "clone" / "models"
    for path in (shared / "data/sst/train.txt", models / "words-imdb/vectors.txt.gz",
                 models / "elmo-x/options.json", tmp_path / "elsewhere.txt"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    monkeypatch.setattr(shipping, "SHARED", str(shared))
    monkeypatch.setenv("SST_ELMO_MODELS", str(models))
    config = shipping.portable_config({
        "train_data_path": str(shared / "data/sst/train.txt"),
        "model": {"tokens": {"pretrained_file": str(models / "words-imdb/vectors.txt.gz")},
                  "elmo": {"options_file": str(models / "elmo-x/options.json")}},
        "other": [str(tmp_path / "elsewhere.txt"), "relative/path.txt"],
    })
    assert config == {
        "train_data_path": "../shared/data/sst/train.txt",
        "model": {"tokens": {"pretrained_file": "models/words-imdb/vectors.txt.gz"},
                  "elmo": {"options_file": "shipped://elmo-x/options.json"}},
        "other": [str(tmp_path / "elsewhere.txt"), "relative/path.txt"],
    }
