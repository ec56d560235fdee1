import json
import os

import pytest

from sst_elmo_lab.benchmarks import predict_speed
from sst_elmo_lab.benchmarks.predict_speed import COMMANDS, prediction_rows, speed_table, write_input


def test_write_input_cycles_through_the_sentences(tmp_path):
    path = write_input(["a b", "c"], 5, str(tmp_path / "in.jsonl"))
    lines = [json.loads(line)["sentence"] for line in open(path, encoding="utf-8")]
    assert lines == ["a b", "c", "a b", "c", "a b"]


def test_each_command_starts_with_an_empty_cache(tmp_path, monkeypatch):
    """A cache one command filled would make the next one's misses hits: it is removed first."""
    cache = tmp_path / "cache"
    seen = []

    def fake_timed_command(subcommand, archive, input_path, output, extra, env, log_path):
        seen.append(cache.exists())
        cache.mkdir()
        (cache / "entry").write_text("filled by this command")
        return 2.0, 0.5

    monkeypatch.setattr(predict_speed, "timed_command", fake_timed_command)
    rows = list(prediction_rows("model.tar.gz", ["a"], 10, str(tmp_path / "run"), 1, fresh_dir=str(cache)))
    assert seen == [False] * len(COMMANDS)
    assert [row["sentences_per_s"] for row in rows] == [20.0] * len(COMMANDS)
    table = speed_table(rows, 10, "sst2_elmo_cached")
    assert table.startswith("sst2_elmo_cached, 10 sentences") and "| 2.0 | 0.5 | 20 |" in table


def test_the_command_line_defaults_to_the_shared_data_and_the_shipped_elmo(tmp_path, monkeypatch, capsys):
    from sst_elmo.common.config_env import SHARED, SHIPPED_MODELS

    class Trained(Exception):
        pass

    def train_small_models(out, shared, threads, elmo):
        raise Trained(shared, threads, elmo)

    monkeypatch.setattr(predict_speed, "matmul_gflops", lambda threads: 1.0)
    monkeypatch.setattr(predict_speed, "import_seconds", lambda module: 0.0)
    monkeypatch.setattr(predict_speed, "train_small_models", train_small_models)
    with pytest.raises(Trained) as trained:
        predict_speed.main(["--out", str(tmp_path)])
    assert trained.value.args == (SHARED, 1, os.path.join(SHIPPED_MODELS, "elmo-imdb"))
    with pytest.raises(Trained) as trained:
        predict_speed.main(["--out", str(tmp_path), "--elmo", "random", "--threads", "2"])
    assert trained.value.args == (SHARED, 2, None)
    assert f"output in {tmp_path}" in capsys.readouterr().out
