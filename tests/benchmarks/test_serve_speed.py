import os

import pytest

from sst_elmo.benchmarks.serve_speed import serving_rows, serving_table

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
