import numpy

from sst_elmo.testing.elmo import write_random_elmo
from sst_elmo_lab.experiments.probe import main, mean_pooled_layers, probe, sst2_rows
from tests.conftest import FIXTURES

SST = FIXTURES / "data" / "sst"


def test_sst2_rows_are_whole_sentences_without_neutral():
    rows = sst2_rows(str(SST / "train.txt"))
    assert rows and {label for _, label in rows} <= {"0", "1"}
    assert all(words for words, _ in rows)


def test_mean_pooled_layers_ignore_padding(tmp_path):
    options, weights = write_random_elmo(str(tmp_path), seed=2)
    alone = mean_pooled_layers(options, weights, [["A", "good", "film", "."]])
    batched = mean_pooled_layers(options, weights, [["A", "good", "film", "."], ["x"] * 9])
    assert alone.shape == (1, 3, 16)
    assert numpy.allclose(alone[0], batched[0], atol=1e-5)


def test_probe_finds_a_separable_signal_and_not_noise():
    rng = numpy.random.RandomState(0)
    labels = ["0", "1"] * 50
    signal = numpy.array([[float(label)] * 4 for label in labels])[:, None, :] + 0.1 * rng.randn(100, 1, 4)
    noise = rng.randn(100, 1, 4)
    features = numpy.concatenate([signal, noise], axis=1)
    result = probe(features[:60], labels[:60], features[60:], labels[60:])
    assert result["layer_0"] == 1.0 and result["all_layers"] == 1.0
    assert result["layer_1"] < 0.8


def test_command_probes_an_elmo_and_its_untrained_control(tmp_path, capsys):
    options, weights = write_random_elmo(str(tmp_path / "elmo"), seed=3)
    import os

    os.rename(weights, str(tmp_path / "elmo" / "weights.hdf5"))
    argv = ["--elmo", str(tmp_path / "elmo"), "--sst", str(SST), "--control", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "elmo (" in printed and "untrained (" in printed
    assert (tmp_path / "out" / "probe.json").exists()
