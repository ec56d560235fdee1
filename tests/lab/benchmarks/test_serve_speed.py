import os

import pytest

from sst_elmo.common.config_env import SHARED, SHIPPED_MODELS
from sst_elmo_lab.benchmarks import serve_speed
from sst_elmo_lab.benchmarks.serve_speed import serving_rows, serving_table

pytestmark = pytest.mark.slow


def test_both_settings_are_measured_and_stopped_cleanly(model_archive, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    rows = serving_rows("tiny_elmo", str(model_archive / "model.tar.gz"), ["A fine film .", "Dull ."],
                        str(tmp_path / "serve"), env, client_counts=(1, 3), requests=6, time_limit=30)
    assert [(row["batching"], row["clients"]) for row in rows] == [("off", 1), ("off", 3), ("on", 1), ("on", 3)]
    for row in rows:
        assert (row["requests"], row["failures"], row["exit_status"]) == (6, 0, 0)
        assert row["p50_ms"] <= row["p99_ms"]
    assert all(row["rows_per_batch"] == 1.0 for row in rows if row["batching"] == "off")
    table = serving_table(rows)
    assert table.count("\n") == 2 + len(rows) and "| tiny_elmo | on | 3 | 6 | 0 |" in table


def test_the_command_line_defaults_to_the_shared_data_and_the_shipped_elmo(tmp_path, monkeypatch, capsys):
    class Trained(Exception):
        pass

    def train_small_models(out, shared, threads, elmo):
        raise Trained(out, shared, threads, elmo)

    monkeypatch.setattr(serve_speed, "train_small_models", train_small_models)
    with pytest.raises(Trained) as trained:
        serve_speed.main(["--out", str(tmp_path), "--threads", "2"])
    assert trained.value.args == (str(tmp_path), SHARED, 2, os.path.join(SHIPPED_MODELS, "elmo-imdb"))
    assert "2 torch thread(s) per server" in capsys.readouterr().out
