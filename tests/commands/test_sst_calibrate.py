"""
`allennlp sst-calibrate` on an untrained tiny classifier: the calibrated archive loads safely,
changes only the config's temperature, keeps every label, and its probabilities are
`softmax(logits / T)` in `evaluate`, `sst-predict`, the predictor `sst-serve` uses, and
`sst-compare`.
"""
import json
import tarfile

import numpy
import pytest

from sst_elmo.cli import run_allennlp
from sst_elmo.evaluation.archive_calibration import archive_logits, calibrate
from sst_elmo.evaluation.calibration import calibration_summary, expected_calibration_error, softmax
from sst_elmo.evaluation.predictions import predict_correctness
from tests.conftest import FIXTURES, build_archive

TREES = FIXTURES / "data/sst/train.txt"


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """
    (original archive, calibrated archive, the command's report, the data), fitted on the fixture's trees
    with their root labels set to the model's own answers, but one in four set to another label:
    an underconfident model (its probabilities near 1/5, right 3 times in 4), whose temperature
    has an interior minimum below 1. Made once for the module (its tests only read these files).
    """
    tmp_path = tmp_path_factory.mktemp("calibrate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SST_ELMO_DATA", str(FIXTURES / "data"))  # what sst5_lstm needs of `fixture_env`
        patch.setenv("SST_ELMO_GLOVE", "6B.50d")
        patch.setenv("SST_ELMO_GLOVE_FILE", str(FIXTURES / "glove.50d.txt"))
        original = build_archive(tmp_path / "run", config="sst5_lstm.jsonnet", seed=3) / "model.tar.gz"
    answers = predict_correctness(str(original), str(TREES)).predicted
    lines = TREES.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(answers) and all(line.startswith("(") for line in lines)
    relabelled = [f"({(int(a) + (i % 4 == 0)) % 5}{line[2:]}" for i, (a, line) in enumerate(zip(answers, lines))]
    data = tmp_path / "relabelled.txt"
    data.write_text("\n".join(relabelled) + "\n", encoding="utf-8")
    out = tmp_path / "calibrated.tar.gz"
    report = calibrate(str(original), str(data), str(out), plot=str(tmp_path / "reliability.png"))
    assert 0.01 < report["temperature"] < 1 and not report["degenerate"] and report["after"]["accuracy"] == 0.75
    return original, out, report, str(data)


def members(path):
    with tarfile.open(path) as archive:
        return {m.name: archive.extractfile(m).read() if m.isfile() else None for m in archive.getmembers()}


def test_only_the_config_gains_the_temperature(calibrated, tmp_path):
    original, out, report, data = calibrated
    before, after = members(original), members(out)
    assert before.keys() == after.keys()
    assert all(before[name] == after[name] for name in before if name != "config.json")  # weights untouched
    config = json.loads(after["config.json"])
    assert config["model"].pop("temperature") == report["temperature"] > 0
    assert config == json.loads(before["config.json"])
    assert (out.parent / "reliability.png").read_bytes()[:4] == b"\x89PNG"
    again = tmp_path / "again.tar.gz"  # fitted from the raw logits again: the same T, the same bytes
    repeat = calibrate(str(out), data, str(again))
    assert repeat["temperature_before"] == report["temperature"] == repeat["temperature"]
    assert again.read_bytes() == out.read_bytes()


def test_the_fit_is_the_best_temperature_and_keeps_every_label(calibrated):
    original, out, report, data = calibrated
    logits, labels, temperature = archive_logits(str(out), data)
    assert temperature == report["temperature"]
    raw, _, one = archive_logits(str(original), data)
    assert one == 1.0 and numpy.allclose(raw, logits, atol=1e-6)  # the same network
    assert report["before"] == calibration_summary(raw, labels, 1.0)
    assert report["after"]["nll"] <= report["before"]["nll"]
    a, b = predict_correctness(str(original), data), predict_correctness(str(out), data)
    assert a.predicted == b.predicted and a.correct == b.correct  # accuracy unchanged, label by label


def test_evaluate_reports_the_calibrated_ece(calibrated, tmp_path):
    _, out, report, data = calibrated
    metrics_file = tmp_path / "metrics.json"
    assert run_allennlp(["evaluate", str(out), data, "--output-file", str(metrics_file)]) == 0
    metrics = json.loads(metrics_file.read_text())
    assert metrics["ece_10"] == pytest.approx(report["after"]["ece_10"], abs=1e-6)
    assert metrics["accuracy"] == pytest.approx(report["after"]["accuracy"])
    assert metrics["loss"] == pytest.approx(report["after"]["nll"], rel=1e-4)  # the loss is the calibrated NLL


def test_predict_sst_predict_and_the_served_predictor_apply_the_temperature(calibrated, tmp_path):
    import argparse

    from sst_elmo.commands.archive_loading import load_predictor

    original, out, report, data = calibrated
    source = tmp_path / "in.jsonl"
    source.write_text('{"sentence": "A fine, warm film."}\n{"tokens": ["Dull", "and", "long", "."]}\n')
    rows = {}
    for name, archive in (("plain", original), ("calibrated", out)):
        target = tmp_path / f"{name}.jsonl"
        assert run_allennlp(["sst-predict", str(archive), str(source), "--output-file", str(target)]) == 0
        rows[name] = [json.loads(line) for line in target.read_text().splitlines()]
    args = argparse.Namespace(archive_file=str(out), cuda_device=-1, overrides="", weights_file=None,
                              predictor=None, predictor_args="", fast_elmo=False)
    served = load_predictor(args).predict_json({"sentence": "A fine, warm film."})  # as sst-serve loads it
    predicted = tmp_path / "predict.jsonl"  # AllenNLP's own `predict`
    assert run_allennlp(["predict", str(out), str(source), "--output-file", str(predicted), "--silent"]) == 0
    for row, again in zip(rows["calibrated"], map(json.loads, predicted.read_text().splitlines())):
        assert again["probs"] == pytest.approx(row["probs"], abs=1e-6)
        assert again["temperature"] == row["temperature"]
    for plain, calibrated_row in zip(rows["plain"], rows["calibrated"]):
        assert "temperature" not in plain and calibrated_row["temperature"] == report["temperature"]
        assert calibrated_row["label"] == plain["label"] and calibrated_row["logits"] == plain["logits"]
        expected = softmax(plain["logits"], report["temperature"])
        assert numpy.allclose(calibrated_row["probs"], expected, atol=1e-6)
        assert numpy.allclose([calibrated_row["label_probs"][label] for label in plain["labels"]], expected,
                              atol=1e-6)
    assert served["probs"] == pytest.approx(rows["calibrated"][0]["probs"], abs=1e-6)


def test_sst_compare_reports_each_sides_ece(calibrated):
    original, out, report, data = calibrated
    for archive, temperature in ((original, 1.0), (out, report["temperature"])):
        predicted = predict_correctness(str(archive), data)
        logits, labels, _ = archive_logits(str(archive), data)
        assert numpy.allclose(predicted.probability, softmax(logits, temperature).max(axis=1), atol=1e-6)
        assert expected_calibration_error(predicted.probability, predicted.correct) == pytest.approx(
            calibration_summary(logits, labels, temperature)["ece_10"], abs=1e-6)


def test_an_existing_output_needs_force(calibrated, capsys):
    original, out, _, data = calibrated
    before = out.read_bytes()
    assert run_allennlp(["sst-calibrate", str(original), data, "-o", str(out)]) == 1
    assert "--force" in capsys.readouterr().err and out.read_bytes() == before
    assert run_allennlp(["sst-calibrate", str(original), data, "-o", str(out), "--force"]) == 0
    printed = capsys.readouterr().out
    assert "before (T = 1.0000)" in printed and "ECE (10 bins)" in printed and f"wrote {out}" in printed
    assert out.read_bytes() == before  # deterministic: the same fit, the same bytes


def test_a_set_temperature_of_one_gives_back_the_trained_probabilities(calibrated, tmp_path, capsys):
    original, out, _, data = calibrated
    undone = tmp_path / "undone.tar.gz"
    assert run_allennlp(["sst-calibrate", str(out), data, "-o", str(undone), "--temperature", "1"]) == 0
    assert "(set, not fitted)" in capsys.readouterr().out
    trained = predict_correctness(str(original), data).probability
    assert predict_correctness(str(undone), data).probability == trained
    assert run_allennlp(["sst-calibrate", str(out), data, "-o", str(tmp_path / "x"), "--temperature", "0"]) == 1
    assert "--temperature" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_predictions_log_no_warning_about_the_loss(calibrated, caplog, monkeypatch):
    from allennlp.models import Model

    original, _, _, data = calibrated
    monkeypatch.setattr(Model, "_warn_for_unseparable_batches", set())  # AllenNLP warns once a process
    with caplog.at_level("WARNING"):
        predicted = predict_correctness(str(original), str(data))
    assert predicted.predicted and not [record for record in caplog.records if "loss" in record.getMessage()]
