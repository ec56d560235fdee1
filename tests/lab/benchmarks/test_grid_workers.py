import json

import pytest

from sst_elmo_lab.benchmarks.grid_workers import table, time_workers
from tests.conftest import CONFIGS


@pytest.mark.slow
def test_two_workers_share_the_cells_and_the_table_says_so(tmp_path, fixture_env):
    grid = tmp_path / "grid.json"
    grid.write_text(json.dumps({
        "configs": [{"name": "lstm", "config": str(CONFIGS / "sst5_lstm.jsonnet"),
                     "overrides": {"dataset_reader": {"use_subtrees": False}}}],
        "seeds": [1, 2], "sizes": ["full"], "overrides": {"trainer.num_epochs": 1}}))
    rows = [time_workers(str(grid), workers, str(tmp_path / "out")) for workers in (1, 2)]
    assert rows[0]["cells"] == [2] and sum(rows[1]["cells"]) == 2
    assert all(row["wall_s"] > 0 for row in rows)
    assert "| 2 |" in table(rows) and "1.00x" in table(rows)
    with pytest.raises(SystemExit, match="exists"):  # a finished grid is never timed again
        time_workers(str(grid), 1, str(tmp_path / "out"))
