import io
import os
import sys
import tarfile
import tempfile

import pytest
import torch
from allennlp.commands import main

from sst_elmo.common.errors import InputError
from sst_elmo.safety.archive_safety import (
    UnsafeArchiveError,
    check_archive,
    safe_extraction_filter,
    safe_load_archive,
)
from sst_elmo.safety.safe_unpickle import load_state_dict_safely
from tests.conftest import FIXTURES, rearchive


def member(name, kind="file", payload=b"x"):
    """A (TarInfo, data) pair; kind is file, symlink, hardlink, chardev, blockdev or fifo."""
    info = tarfile.TarInfo(name)
    if kind == "file":
        return info, payload
    info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "chardev": tarfile.CHRTYPE,
                 "blockdev": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
    info.linkname = payload if isinstance(payload, str) else ""
    if kind in ("chardev", "blockdev"):
        info.devmajor, info.devminor = 1, 3
    return info, None


def make_archive(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


SAFE = [member("config.json", payload=b"{}"), member("vocabulary/labels.txt", payload=b"0\n")]


def attacks(outside):
    """Crafted member lists, each of which writes into (or links to) the directory `outside`
    when extracted without a filter from a directory beside it."""
    victim = os.path.join(outside, "victim.txt")
    return {
        "dotdot": [member(f"../{os.path.basename(outside)}/pwned")],
        "absolute": [member(os.path.join(outside, "pwned"))],
        "symlink": [member("out", "symlink", outside), member("out/pwned")],
        # Each link is harmless on its own, lexically: l1 -> ".", l2 -> "l1/..", but l2 is the parent.
        "symlink_chain": [member("l1", "symlink", "."), member("l2", "symlink", "l1/.."),
                          member(f"l2/{os.path.basename(outside)}/pwned")],
        "hardlink": [member("h", "hardlink", victim), member("h", payload=b"pwned")],
        "chardev": [member("dev", "chardev")],
        "blockdev": [member("blk", "blockdev")],
        "fifo": [member("pipe", "fifo")],
    }


@pytest.fixture
def outside(tmp_path):
    """A directory beside the extraction directories, with one file in it."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "victim.txt").write_text("intact")
    extract_root = tmp_path / "extract"
    extract_root.mkdir()
    return path


def untouched(outside):
    return sorted(os.listdir(outside)) == ["victim.txt"] and (outside / "victim.txt").read_text() == "intact"


def test_a_safe_archive_passes(tmp_path):
    assert check_archive(make_archive(tmp_path / "ok.tar.gz", SAFE)) == ["config.json", "vocabulary/labels.txt"]


@pytest.mark.parametrize("attack", sorted(attacks("/x")))
def test_check_archive_refuses_before_extraction(tmp_path, outside, monkeypatch, attack):
    path = make_archive(tmp_path / "bad.tar.gz", SAFE + attacks(str(outside))[attack])

    def no_extraction(*args, **kwargs):
        raise AssertionError("something was extracted")

    monkeypatch.setattr(tarfile.TarFile, "extractall", no_extraction)
    monkeypatch.setattr(tarfile.TarFile, "extract", no_extraction)
    for check in (check_archive, safe_load_archive):
        with pytest.raises(UnsafeArchiveError) as error:
            check(path)
        text = str(error.value)
        assert text.startswith(f"{path}: member ") and "\n" not in text
    assert untouched(outside)


@pytest.mark.parametrize("attack", sorted(attacks("/x")))
def test_every_extraction_in_the_process_is_filtered(tmp_path, outside, attack):
    """Importing sst_elmo makes a plain `extractall` (as AllenNLP and cached_path call it) safe."""
    assert tarfile.TarFile.extraction_filter is safe_extraction_filter
    path = make_archive(tmp_path / "bad.tar.gz", SAFE + attacks(str(outside))[attack])
    with tarfile.open(path) as archive, pytest.raises(UnsafeArchiveError, match="member "):
        archive.errorlevel = 0  # would turn a tarfile.FilterError into a skipped member
        archive.extractall(tmp_path / "extract")
    assert untouched(outside)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
@pytest.mark.parametrize("attack", sorted(attacks("/x")))
def test_allennlp_predict_and_evaluate_refuse_crafted_archives(
    model_archive, tmp_path, outside, monkeypatch, capsys, command, attack
):
    """AllenNLP's own `load_archive` (in a process that imported sst_elmo) extracts nothing outside."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "extract"))  # load_archive's mkdtemp()
    path = rearchive(model_archive, {}, attacks(str(outside))[attack], name=f"{attack}.tar.gz")
    data = str(FIXTURES / ("sentences.jsonl" if command == "predict" else "data/sst/test.txt"))
    silent = ["--silent"] if command == "predict" else []
    monkeypatch.setattr(sys, "argv", ["allennlp", command, path, data, *silent,
                                      "--output-file", str(tmp_path / "out.json")])
    with pytest.raises(UnsafeArchiveError, match="member "):
        main()
    assert untouched(outside)
    assert not (tmp_path / "out.json").exists()


def test_state_dict_loader_refuses_code(tmp_path):
    class RunsCode:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    torch.save({"weight": torch.ones(2), "evil": RunsCode()}, tmp_path / "evil.th")
    with pytest.raises(InputError, match="refusing to load posix.system"):
        load_state_dict_safely(str(tmp_path / "evil.th"))
    assert not (tmp_path / "pwned").exists()
    torch.save(torch.nn.Linear(3, 2).state_dict(), tmp_path / "ok.th")
    assert {k: tuple(v.shape) for k, v in load_state_dict_safely(str(tmp_path / "ok.th")).items()} == {
        "weight": (2, 3), "bias": (2,)}


@pytest.mark.parametrize("content", [b"", b"not a tar file at all", b"\x1f\x8b\x08garbage"])
def test_not_an_archive(tmp_path, content):
    path = tmp_path / "model.tar.gz"
    path.write_bytes(content)
    with pytest.raises(UnsafeArchiveError, match="not a readable tar archive"):
        check_archive(str(path))


def test_missing_archive(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        safe_load_archive(str(tmp_path / "nope.tar.gz"))


def test_registered_names_walks_the_plugins_once(monkeypatch):
    from allennlp.common import plugins

    from sst_elmo.safety import config_check

    first = config_check.registered_names()
    assert "lstm_classifier" in first and "basic_classifier" in first  # sst_elmo and allennlp-models
    assert config_check._plugins_imported()

    def walk_again():
        raise AssertionError("import_plugins ran again")

    monkeypatch.setattr(plugins, "import_plugins", walk_again)
    assert config_check.registered_names() == first
