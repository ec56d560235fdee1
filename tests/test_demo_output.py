"""`DEMO_OUT=DIR make demo` never deletes a directory that is not an earlier demo output."""
import os
import subprocess

from tests.conftest import PROJECT_ROOT


def demo(out, **env):
    return subprocess.run(
        ["bash", "scripts/demo.sh"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, DEMO_OUT=str(out), DEMO_CONFIG="configs/no_such_config.jsonnet", **env),
    )


def test_a_users_directory_is_refused_and_kept(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = demo(mine)
    assert result.returncode == 1 and "is not empty and is not a demo output" in result.stderr
    assert sorted(os.listdir(mine)) == ["thesis.tex"]
    (tmp_path / "a_file").write_text("x")
    result = demo(tmp_path / "a_file")
    assert result.returncode == 1 and "is a file, not a directory" in result.stderr
    assert (tmp_path / "a_file").read_text() == "x"


def test_an_earlier_demo_output_is_replaced_saying_so(tmp_path):
    earlier = tmp_path / "demo"
    (earlier / "model").mkdir(parents=True)
    (earlier / ".sst_elmo_demo").touch()
    (earlier / "model" / "stale.json").write_text("{}")
    result = demo(earlier)  # stops later, at the missing config
    assert "demo: replacing the earlier demo output in" in result.stdout
    assert sorted(os.listdir(earlier)) == [".sst_elmo_demo"]
