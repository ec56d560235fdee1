import os

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file, decoded_lines, remove_partials


def test_atomic_file_follows_the_umask_and_leaves_nothing_on_an_interrupt(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_file(str(tmp_path / "out.txt"), "w") as out:
            out.write("done")
        assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o640
        with pytest.raises(KeyboardInterrupt), atomic_file(str(tmp_path / "killed.txt"), "w") as out:
            out.write("half")
            raise KeyboardInterrupt
    finally:
        os.umask(old)
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_remove_partials_deletes_only_the_leftovers_of_that_file(tmp_path):
    for name in ("out.jsonl.abc123.partial", "out.jsonl", "other.jsonl.x.partial", "out.jsonlx.y.partial"):
        (tmp_path / name).write_text("x")
    removed = remove_partials(str(tmp_path / "out.jsonl"))
    assert [os.path.basename(path) for path in removed] == ["out.jsonl.abc123.partial"]
    assert sorted(os.listdir(tmp_path)) == ["other.jsonl.x.partial", "out.jsonl", "out.jsonlx.y.partial"]


def test_a_missing_file_or_a_directory_is_one_line(tmp_path):
    with pytest.raises(InputError, match=r"nope.txt: no such file$"):
        list(decoded_lines(str(tmp_path / "nope.txt")))
    with pytest.raises(InputError, match="is a directory, not a file"):
        list(decoded_lines(str(tmp_path)))
