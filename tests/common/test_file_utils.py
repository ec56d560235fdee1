import os

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file, decoded_lines, duration_seconds, remove_partials


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


def test_atomic_file_keeps_the_old_file_when_the_write_fails(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(str(target), "w", suffix=".tmp") as out:
        out.write("half")
        assert [name for name in os.listdir(tmp_path) if name.startswith("out.txt.") and name.endswith(".tmp")]
        raise RuntimeError("failed mid-write")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]


def test_atomic_file_takes_writers_that_read_and_seek(tmp_path):
    import h5py
    import numpy

    with atomic_file(str(tmp_path / "w.hdf5"), "w+b", sync=True) as handle, h5py.File(handle, "w") as out:
        out.create_dataset("a", data=numpy.arange(3))
    with h5py.File(tmp_path / "w.hdf5", "r") as back:
        assert back["a"][...].tolist() == [0, 1, 2]


def test_csv_with_header_checks_the_header_and_every_record(tmp_path):
    from sst_elmo.common.errors import InputError
    from sst_elmo.common.file_utils import csv_with_header

    path = tmp_path / "t.csv"
    path.write_text('\nid,tweet\n1,"two\nlines"\n\n2,b\n3\n')
    header, rows = csv_with_header(str(path), required_columns=["tweet"])
    assert header == ["id", "tweet"]
    assert next(rows) == (3, {"id": "1", "tweet": "two\nlines"}) and next(rows) == (6, {"id": "2", "tweet": "b"})
    with pytest.raises(InputError, match=r"t\.csv:7: fewer columns than the header"):
        next(rows)
    with pytest.raises(InputError, match=r"t\.csv:2: no 'text' column in the header 'id,tweet'"):
        csv_with_header(str(path), required_columns=["text"])
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match=r"two\.csv:2: a quoted field runs over lines 2-3"):
        (tmp_path / "two.csv").write_text('id,tweet\n1,"two\nlines"\n')
        next(csv_with_header(str(tmp_path / "two.csv"), multiline=False)[1])
    with pytest.raises(InputError, match=r"empty\.csv:1: no 'tweet' column in the header ''"):
        csv_with_header(str(tmp_path / "empty.csv"), required_columns=["tweet"])


def test_duration_seconds():
    assert duration_seconds("0:03:33.5") == pytest.approx(213.5)
    assert duration_seconds("1 day, 1:00:00") == 90000
    assert duration_seconds(None) is None
