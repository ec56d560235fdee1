import json
import os
import shutil

import pytest

from sst_elmo_lab.benchmarks.soak import main, resident_mib
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow


def test_resident_memory_is_read_from_proc_and_a_gone_process_is_an_error():
    assert 1 < resident_mib(os.getpid()) < 64 * 1024
    with pytest.raises(OSError):
        resident_mib(2 ** 22 + 12345)  # above the kernel's pid_max: never a live process


def test_a_short_soak_writes_every_window_and_stops_the_server(model_archive, tmp_path, capsys):
    shared = tmp_path / "shared" / "data" / "sst"
    shared.mkdir(parents=True)
    for name in ("dev.txt", "test.txt"):
        shutil.copy(FIXTURES / "data" / "sst" / "train.txt", shared / name)
    out = tmp_path / "soak"
    main(["--archive", str(model_archive / "model.tar.gz"), "--shared", str(tmp_path / "shared"),
          "--minutes", "0.05", "--window", "1.5", "--clients", "2", "--out", str(out)])
    result = json.loads((out / "soak.json").read_text())
    windows, summary = result["windows"], result["summary"]
    assert [row["window"] for row in windows] == [1, 2]
    assert all(row["requests"] > 0 and row["failures"] == 0 and row["rss_mib"] > 0 for row in windows)
    assert summary["requests"] == sum(row["requests"] for row in windows) and summary["failures"] == 0
    assert summary["server_exit_status"] == 0 and summary["rss_mib_at_end"] == windows[-1]["rss_mib"]
    assert summary["rss_growth"] == pytest.approx(
        (windows[-1]["rss_mib"] - windows[0]["rss_mib"]) / windows[0]["rss_mib"])
    printed = capsys.readouterr().out.strip().splitlines()
    assert json.loads(printed[0])["window"] == 1
    assert (out / "server.log").is_file()
