import io
import os
import tarfile

import pytest
import torch

from sst_elmo.common.archive_safety import UnsafeArchiveError, check_archive, safe_load_archive
from sst_elmo.common.errors import InputError
from sst_elmo.common.safe_unpickle import load_state_dict_safely


def make_archive(path, members):
    """`members`: (name, kind, payload) with kind "file", "symlink", "hardlink" or "device"."""
    with tarfile.open(path, "w:gz") as archive:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "device": tarfile.CHRTYPE}[kind]
            info.linkname = payload
            archive.addfile(info)
    return str(path)


SAFE = [("config.json", "file", b"{}"), ("vocabulary/labels.txt", "file", b"0\n"),
        ("vocabulary/link", "symlink", "labels.txt"), ("copy", "hardlink", "config.json")]


def test_a_safe_archive_passes(tmp_path):
    names = check_archive(make_archive(tmp_path / "ok.tar.gz", SAFE))
    assert names == ["config.json", "vocabulary/labels.txt", "vocabulary/link", "copy"]


@pytest.mark.parametrize(
    "member, message",
    [
        (("../evil", "file", b"x"), "member '../evil' would be written outside"),
        (("vocabulary/../../evil", "file", b"x"), "would be written outside"),
        (("/etc/evil", "file", b"x"), "member '/etc/evil' would be written outside"),
        (("link", "symlink", "/etc/passwd"), "is a link to '/etc/passwd'"),
        (("vocabulary/link", "symlink", "../../x"), "is a link to '../../x'"),
        (("hard", "hardlink", "../outside"), "is a link to '../outside'"),
        (("dev", "device", ""), "is a device file"),
    ],
)
def test_unsafe_members_are_refused_before_extraction(tmp_path, monkeypatch, member, message):
    path = make_archive(tmp_path / "bad.tar.gz", SAFE + [member])

    def no_extraction(*args, **kwargs):
        raise AssertionError("something was extracted")

    monkeypatch.setattr(tarfile.TarFile, "extractall", no_extraction)
    monkeypatch.setattr(tarfile.TarFile, "extract", no_extraction)
    for check in (check_archive, safe_load_archive):
        with pytest.raises(UnsafeArchiveError) as error:
            check(path)
        text = str(error.value)
        assert text.startswith(f"{path}: ") and message in text and "\n" not in text
    assert sorted(os.listdir(tmp_path)) == ["bad.tar.gz"]


@pytest.mark.parametrize("content", [b"", b"not a tar file at all", b"\x1f\x8b\x08garbage"])
def test_not_an_archive(tmp_path, content):
    path = tmp_path / "model.tar.gz"
    path.write_bytes(content)
    with pytest.raises(UnsafeArchiveError, match="not a readable tar archive"):
        check_archive(str(path))


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
