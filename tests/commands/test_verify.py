import json
import os
import sys

import pytest
import torch
from allennlp.commands import main

from sst_elmo.common.errors import InputError
from tests.conftest import rearchive


def verify(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["allennlp", "sst-verify", *args])
    main()
    return capsys.readouterr().out.splitlines()


def test_a_good_archive(model_archive, monkeypatch, capsys):
    path = str(model_archive / "model.tar.gz")
    lines = verify(monkeypatch, capsys, path)
    assert lines[0].startswith("OK archive: a lstm_classifier model")
    assert not any(line.startswith("NOT CHECKED") for line in lines)
    digests = dict(reversed(line.split("  ", 1)) for line in lines[1:])
    assert {path, f"{path}:config.json", f"{path}:weights.th", f"{path}:vocabulary/labels.txt"} <= set(digests)
    assert all(len(digest) == 64 for digest in digests.values())


def test_bad_archives(model_archive, monkeypatch, capsys, tmp_path):
    state = torch.load(model_archive / "best.th")
    name = next(key for key in state if key.endswith("_output_layer.weight") or key.endswith("weight"))
    wrong = dict(state, **{name: torch.zeros(3, 3)})
    torch.save(wrong, tmp_path / "wrong.th")
    extra = dict(state, stray=torch.zeros(1))
    torch.save(extra, tmp_path / "extra.th")

    class RunsCode:
        def __reduce__(self):
            return (os.system, ("true",))

    torch.save({"x": RunsCode()}, tmp_path / "evil.th")
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "x").write_text("x")
    cases = [
        ({"weights.th": tmp_path / "wrong.th"}, f"weights.th: {name}: shape (3, 3) does not match"),
        ({"weights.th": tmp_path / "extra.th"}, "weights.th: stray: not a weight of the config's model"),
        ({"weights.th": tmp_path / "evil.th"}, "refusing to load posix.system"),
        ({"config.json": tmp_path / "config.json"}, "config.json: not JSON (Expecting property name"),
        ({"../x": tmp_path / "x"}, "member '../x' would be written outside"),
    ]
    for replace, message in cases:
        path = rearchive(model_archive, replace)
        with pytest.raises(InputError) as error:
            verify(monkeypatch, capsys, path)
        assert str(error.value).startswith(f"{path}") and message in str(error.value), str(error.value)


def test_elmo_pair(tiny_elmo, monkeypatch, capsys, tmp_path):
    options, weights = tiny_elmo
    lines = verify(monkeypatch, capsys, "--options-file", options, "--weight-file", weights)
    assert lines[0] == "OK ELMo: 2 LSTM layers of 16 cells, projection 8, output 16"
    assert [line.split("  ")[1] for line in lines[1:]] == [options, weights]
    wrong = json.loads(open(options).read())
    wrong["lstm"]["projection_dim"] = 4
    (tmp_path / "options.json").write_text(json.dumps(wrong))
    with pytest.raises(InputError, match="CNN_proj/W_proj: shape"):
        verify(monkeypatch, capsys, "--options-file", str(tmp_path / "options.json"), "--weight-file", weights)
    with pytest.raises(InputError, match="give either an archive, or both"):
        verify(monkeypatch, capsys, "--options-file", options)


def config_with(run, change):
    config = json.loads((run / "config.json").read_text())
    change(config)
    return json.dumps(config).encode()


@pytest.mark.parametrize(
    "where, section, message",
    [
        ("dataset_reader", {"type": "subprocess.Popen", "args": ["touch", "{marker}"]}, "is a dotted path"),
        ("model", {"type": "subprocess.Popen", "args": ["touch", "{marker}"]}, "is a dotted path"),
        ("model", {"type": "from_archive", "archive_file": "{marker}"}, "loads another archive"),
        ("validation_dataset_reader", {"type": "no_such_reader"}, "is not a registered name"),
    ],
)
def test_config_types_are_checked_before_anything_is_built(
    model_archive, monkeypatch, capsys, tmp_path, where, section, message
):
    """A crafted config.json runs nothing in sst-verify, sst-predict or the project's loaders."""
    from sst_elmo.predictors.sentence_classifier import SentenceClassifierPredictor
    from sst_elmo.safety.archive_safety import safe_load_archive

    marker = tmp_path / "pwned"
    section = json.loads(json.dumps(section).replace("{marker}", str(marker)))
    config = config_with(model_archive, lambda c: c.update({where: section}))
    path = rearchive(model_archive, {"config.json": config})
    (tmp_path / "in.jsonl").write_text('{"sentence": "fine"}\n')
    predict = ["allennlp", "sst-predict", path, str(tmp_path / "in.jsonl"), "--output-file", str(tmp_path / "o")]
    runs = [
        lambda: verify(monkeypatch, capsys, path),
        lambda: (monkeypatch.setattr(sys, "argv", predict), main()),
        lambda: safe_load_archive(path),
        lambda: SentenceClassifierPredictor.from_path(path),
    ]
    for run in runs:
        with pytest.raises(InputError) as error:
            run()
        assert str(error.value).startswith(f"{path}:config.json: {where}.type: ") and message in str(error.value)
    assert not marker.exists() and not (tmp_path / "o").exists()


def test_models_that_would_do_work_are_not_built(model_archive, monkeypatch, capsys):
    """ELMo files that are not local files, or a part not known to be pure: no model is built."""
    from allennlp.models import Model

    def no_building(*args, **kwargs):
        raise AssertionError("a model was built")

    def remote_elmo(config):
        elmo = config["model"]["text_field_embedder"]["token_embedders"]["elmo"]
        elmo["weight_file"] = "https://example.invalid/weights.hdf5"

    def unknown_encoder(config):
        config["model"]["encoder"] = {"type": "pytorch_transformer", "num_layers": 1}

    monkeypatch.setattr(Model, "from_params", no_building)
    for change, reason in [(remote_elmo, "whose ELMo files are not local files here"),
                           (unknown_encoder, "a 'pytorch_transformer', is not known to be free of side effects")]:
        path = rearchive(model_archive, {"config.json": config_with(model_archive, change)})
        lines = verify(monkeypatch, capsys, path)
        assert lines[0].startswith("OK archive: a lstm_classifier model")
        assert lines[1].startswith("NOT CHECKED weight names and shapes: ") and reason in lines[1], lines[1]
