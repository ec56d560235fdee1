import json
import os
import sys
import tarfile

import pytest
import torch
from allennlp.commands import main
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.models.archival import archive_model

from sst_elmo.common.errors import InputError
from tests.conftest import CONFIGS, FIXTURES


@pytest.fixture
def archive(tmp_path, fixture_env):
    """A `model.tar.gz` of an untrained sst5_elmo classifier (tiny ELMo), made in-process."""
    params = Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
    run = tmp_path / "run"
    run.mkdir()
    params.to_file(str(run / "config.json"))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    vocab.save_to_files(str(run / "vocabulary"))
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    torch.save(model.state_dict(), run / "best.th")
    archive_model(str(run))
    return run


def verify(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["allennlp", "sst-verify", *args])
    main()
    return capsys.readouterr().out.splitlines()


def test_a_good_archive(archive, monkeypatch, capsys):
    path = str(archive / "model.tar.gz")
    lines = verify(monkeypatch, capsys, path)
    assert lines[0].startswith("OK archive: a lstm_classifier model")
    digests = dict(reversed(line.split("  ", 1)) for line in lines[1:])
    assert {path, f"{path}:config.json", f"{path}:weights.th", f"{path}:vocabulary/labels.txt"} <= set(digests)
    assert all(len(digest) == 64 for digest in digests.values())


def rearchive(run, replace):
    """The archive of `run` with some members replaced by (name, local file)."""
    path = run / "changed.tar.gz"
    with tarfile.open(run / "model.tar.gz") as source, tarfile.open(path, "w:gz") as out:
        for member in source.getmembers():
            if member.name in replace:
                out.add(replace.pop(member.name), arcname=member.name)
            else:
                out.addfile(member, source.extractfile(member) if member.isfile() else None)
        for name, local in replace.items():
            out.add(local, arcname=name)
    return str(path)


def test_bad_archives(archive, monkeypatch, capsys, tmp_path):
    state = torch.load(archive / "best.th")
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
        ({"config.json": tmp_path / "config.json"}, "config.json does not parse"),
        ({"../x": tmp_path / "x"}, "member '../x' would be written outside"),
    ]
    for replace, message in cases:
        path = rearchive(archive, replace)
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
