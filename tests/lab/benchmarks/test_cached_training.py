import json

from sst_elmo_lab.benchmarks.cached_training import cached_training_table, main


def test_cached_training_table(tmp_path, capsys):
    for run, accuracy in (("uncached", 0.2643), ("cached", 0.2598)):
        (tmp_path / run).mkdir()
        (tmp_path / run / "metrics.json").write_text(json.dumps({"best_validation_accuracy": accuracy}))
    table = cached_training_table(str(tmp_path), 10, 158.0, 24.0, 40.0, max_train="1000")
    assert "10 epochs of configs/sst5_elmo.jsonnet on the first 1000 training sentences" in table
    assert "| uncached (stateless_elmo) | - | 158 | 158 | 0.2643 |" in table
    assert "| cached_elmo, empty cache | 24 | 40 | 64 | 0.2598 |" in table
    assert "including the fill: 2.5x; training alone: 4.0x" in table and "0.45 points" in table
    assert main(["cached-training", str(tmp_path), "10", "158", "24", "40"]) == 0
    assert "all training sentences" in capsys.readouterr().out


def test_random_elmo_in_the_shape_of_an_options_file(tmp_path, capsys):
    from sst_elmo.elmo.files.checks import check_elmo_files
    from sst_elmo.testing.elmo import TINY_OPTIONS

    source = tmp_path / "options.json"
    source.write_text(json.dumps(TINY_OPTIONS))
    assert main(["random-elmo", str(source), str(tmp_path / "elmo")]) == 0
    assert "weights.hdf5" in capsys.readouterr().out
    written = tmp_path / "elmo"
    assert check_elmo_files(str(written / "options.json"), str(written / "weights.hdf5")) == TINY_OPTIONS
