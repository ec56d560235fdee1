"""
scripts/test_postgres.sh, the throwaway PostgreSQL that `.ci/run` starts for the shared-storage
grid tests: it starts on loopback, an Optuna study lives in it, and `stop` shuts it down.
"""
import glob
import shutil
import socket
import subprocess
import tempfile
import urllib.parse

import pytest

from tests.conftest import PROJECT_ROOT

SCRIPT = str(PROJECT_ROOT / "scripts" / "test_postgres.sh")
FOUND = shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb")
pytestmark = pytest.mark.skipif(not FOUND, reason="no PostgreSQL here (initdb on PATH or in /usr/lib/postgresql)")


def test_a_throwaway_postgresql_starts_on_loopback_holds_a_study_and_stops():
    import optuna

    # Not under pytest's tmp_path: as root the server runs as `postgres`, who can't enter it.
    directory = tempfile.mkdtemp(prefix="sst_elmo_pg_")
    started = subprocess.run([SCRIPT, "start", directory], capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    try:
        parsed = urllib.parse.urlparse(url)
        assert parsed.scheme == "postgresql" and parsed.hostname == "127.0.0.1"
        study = optuna.create_study(storage=url, study_name="ci")
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
        assert len(optuna.load_study(study_name="ci", storage=url).trials) == 2
    finally:
        subprocess.run([SCRIPT, "stop", directory], check=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", parsed.port), timeout=2)


def test_an_unknown_action_is_one_line_and_fails(tmp_path):
    done = subprocess.run([SCRIPT, "restart", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown action restart" in done.stderr
