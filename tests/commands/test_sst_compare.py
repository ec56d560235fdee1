"""`allennlp sst-compare` on archives of untrained tiny classifiers (different weights)."""
import json

import pytest
from allennlp.common.util import lazy_groups_of

from sst_elmo.cli import run_allennlp
from sst_elmo.evaluation.comparison import compare_archives
from sst_elmo.evaluation.predictions import (
    archive_group,
    predict_correctness,
    read_predictions,
    saved_predictions_path,
    write_predictions,
)
from sst_elmo.safety.archive_safety import safe_load_archive
from tests.conftest import FIXTURES, build_archive

DATA = str(FIXTURES / "data/sst/train.txt")


@pytest.fixture
def sides(tmp_path, fixture_env):
    """Two 'seeds' of each of two sides: runs/a/seed1, runs/a/seed2, runs/b/seed1, runs/b/seed2."""
    for side, offset in (("a", 0), ("b", 10)):
        for seed in (1, 2):
            build_archive(tmp_path / "runs" / side / f"seed{seed}", seed=offset + seed)
    return tmp_path / "runs"


def evaluated_accuracy(archive_file: str) -> float:
    """The model's own `accuracy` metric over DATA (AllenNLP's CategoricalAccuracy), for reference."""
    archive = safe_load_archive(archive_file)
    model = archive.model
    model.eval()
    model.get_metrics(reset=True)
    for batch in lazy_groups_of(archive.validation_dataset_reader.read(DATA), 4):
        model.forward_on_instances(batch)
    return model.get_metrics(reset=True)["accuracy"]


def test_groups_pair_seeds_by_name_and_accuracies_match_the_models_metric(sides, tmp_path, capsys):
    out = tmp_path / "comparison.json"
    status = run_allennlp(["sst-compare", str(sides / "a"), str(sides / "b"), DATA, "--output-file", str(out),
                           "--resamples", "500"])
    assert status == 0
    result = json.loads(out.read_text())
    assert result["sentences"] == 12  # the fixture's 12 trees, whole sentences
    assert [run["name"] for run in result["a"]["runs"]] == ["seed1", "seed2"]
    assert [(p["a"], p["b"]) for p in result["mcnemar"]["pairs"]] == [("seed1", "seed1"), ("seed2", "seed2")]
    for side in ("a", "b"):
        for run in result[side]["runs"]:
            assert run["accuracy"] == pytest.approx(evaluated_accuracy(run["archive"]))
    pairs = result["mcnemar"]["pairs"]
    pooled = result["mcnemar"]["pooled"]
    assert pooled["a_only"] == sum(p["a_only"] for p in pairs)
    assert pooled["b_only"] == sum(p["b_only"] for p in pairs)
    mean_a, mean_b = result["a"]["accuracy"]["mean"], result["b"]["accuracy"]["mean"]
    assert result["difference"]["b_minus_a"] == pytest.approx(mean_b - mean_a)
    low, high = result["difference"]["low"], result["difference"]["high"]
    assert low <= result["difference"]["b_minus_a"] <= high
    printed = capsys.readouterr().out
    assert "95% paired bootstrap interval" in printed and "McNemar pooled over 2 pair(s)" in printed


def test_swapping_a_and_b_flips_the_sign(sides):
    a, b = archive_group(str(sides / "a")), archive_group(str(sides / "b"))
    ab = compare_archives(a, b, DATA, resamples=300, seed=5)
    ba = compare_archives(b, a, DATA, resamples=300, seed=5)
    assert ba["difference"]["b_minus_a"] == pytest.approx(-ab["difference"]["b_minus_a"])
    assert ba["difference"]["low"] == pytest.approx(-ab["difference"]["high"])
    assert ba["mcnemar"]["pooled"]["a_only"] == ab["mcnemar"]["pooled"]["b_only"]
    assert ba["mcnemar"]["pooled"]["p_value"] == ab["mcnemar"]["pooled"]["p_value"]


def test_an_archive_against_itself_differs_by_nothing(sides):
    one = archive_group(str(sides / "a" / "seed1" / "model.tar.gz"))
    result = compare_archives(one, one, DATA, resamples=100)
    assert (result["difference"]["low"], result["difference"]["high"]) == (0.0, 0.0)
    assert result["mcnemar"]["pooled"] == {"a_only": 0, "b_only": 0, "p_value": 1.0}


def test_sides_that_read_other_sentences_are_refused(sides, tmp_path, capsys):
    # SST-2 drops the neutral sentences: not the same sentences as the SST-5 side.
    sst2 = build_archive(tmp_path / "sst2", overrides=json.dumps(
        {"dataset_reader.granularity": "2-class", "validation_dataset_reader.granularity": "2-class"}))
    status = run_allennlp(["sst-compare", str(sides / "a" / "seed1"), str(sst2), DATA])
    assert status == 1
    assert "both sides must read the same sentences" in capsys.readouterr().err


def test_unequal_groups_have_no_seed_pairs(sides):
    a = archive_group(f"{sides / 'a' / 'seed1'},{sides / 'a' / 'seed2'}")
    # One run against several: each of them is paired with it (a deterministic baseline).
    single = compare_archives(a, archive_group(str(sides / "b" / "seed1")), DATA, resamples=100)
    names = [(p["a"].split("/")[-1], p["b"].split("/")[-2:]) for p in single["mcnemar"]["pairs"]]
    assert names == [("seed1", ["b", "seed1"]), ("seed2", ["b", "seed1"])]
    b = archive_group(",".join(str(sides / s / "seed1") for s in ("b", "a")) + f",{sides / 'b' / 'seed2'}")
    result = compare_archives(a, b, DATA, resamples=100)
    assert result["mcnemar"]["pairs"] == [] and result["mcnemar"]["pooled"] is None
    assert "different numbers of runs" in result["mcnemar"]["note"]


@pytest.mark.parametrize("spec", ["missing-dir", ""])
def test_a_side_that_names_no_archive_is_one_line(tmp_path, spec, capsys, fixture_env):
    (tmp_path / "empty").mkdir()
    for side in (str(tmp_path / spec) if spec else str(tmp_path / "empty"),):
        assert run_allennlp(["sst-compare", side, side, DATA]) == 1
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert ("no such archive" in last or "no model.tar.gz" in last) and str(tmp_path) in last


def test_a_predictions_file_is_a_side_and_gives_the_archives_own_scores(sides, tmp_path):
    """An archive's answers written as a predictions file compare as equal to the archive itself."""
    archive = str(sides / "a" / "seed1" / "model.tar.gz")
    run = predict_correctness(archive, DATA)
    path = tmp_path / "answers.jsonl"
    write_predictions(str(path), list(zip(run.tokens, run.gold, run.predicted)))
    assert read_predictions(str(path)).correct == run.correct
    result = compare_archives(archive_group(str(path)), archive_group(archive), DATA, resamples=100,
                              positive_label="4")
    assert result["a"]["runs"][0]["name"] == "answers"
    assert result["difference"]["b_minus_a"] == 0.0 and result["mcnemar"]["pooled"]["p_value"] == 1.0
    assert result["f1"]["difference"] == {**result["f1"]["difference"], "b_minus_a": 0.0, "low": 0.0, "high": 0.0}


def test_positive_label_adds_f1_and_overrides_reach_the_reader(sides, tmp_path, capsys):
    out = tmp_path / "f1.json"
    two_class = json.dumps({"validation_dataset_reader.granularity": "2-class"})
    status = run_allennlp(["sst-compare", str(sides / "a"), str(sides / "b"), DATA, "--resamples", "200",
                           "--positive-label", "1", "--overrides", two_class, "--output-file", str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    assert result["sentences"] < 12  # the override dropped the neutral sentences
    assert result["overrides"] == two_class
    f1 = result["f1"]
    assert f1["positive_label"] == "1" and len(f1["a"]["runs"]) == 2
    assert f1["difference"]["low"] <= f1["difference"]["b_minus_a"] <= f1["difference"]["high"]
    assert "F1 of label 1" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ('{"tokens": ["a"], "label": "1"}', "missing key 'predicted'"),
    ('{"tokens": "a b", "label": "1", "predicted": "0"}', "tokens is not a list of strings"),
    ("not json", "not a prediction"),
])
def test_a_bad_predictions_file_names_file_and_line(tmp_path, line, message, capsys, fixture_env):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"tokens": ["ok"], "label": "1", "predicted": "1"}\n' + line + "\n")
    assert run_allennlp(["sst-compare", str(path), str(path), DATA]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert message in last and f"{path}:2" in last


def test_saved_predictions_give_the_same_comparison_without_the_archives(sides, tmp_path, capsys):
    saved, first, again = tmp_path / "saved", tmp_path / "first.json", tmp_path / "again.json"
    assert run_allennlp(["sst-compare", str(sides / "a"), str(sides / "b"), DATA, "--resamples", "300",
                         "--save-predictions", str(saved), "--output-file", str(first)]) == 0
    assert sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*.gz")) == [
        "a/seed1.jsonl.gz", "a/seed2.jsonl.gz", "b/seed1.jsonl.gz", "b/seed2.jsonl.gz"]
    assert "wrote 2 + 2 predictions file(s)" in capsys.readouterr().err
    for side in ("a", "b"):  # nothing of the archives is needed any more
        for path in (sides / side).rglob("model.tar.gz"):
            path.unlink()
    assert run_allennlp(["sst-compare", str(saved / "a"), str(saved / "b"), DATA, "--resamples", "300",
                         "--output-file", str(again)]) == 0
    before, after = json.loads(first.read_text()), json.loads(again.read_text())
    for key in ("sentences", "difference", "mcnemar"):
        assert after[key] == before[key]
    assert [run["accuracy"] for run in after["a"]["runs"]] == [run["accuracy"] for run in before["a"]["runs"]]
    # Written reproducibly: the same answers give the same bytes.
    data = (saved / "a" / "seed1.jsonl.gz").read_bytes()
    run = read_predictions(str(saved / "a" / "seed1.jsonl.gz"))
    rows = list(zip(run.tokens, run.gold, run.predicted, run.probability))
    write_predictions(str(tmp_path / "copy.jsonl.gz"), rows)
    assert (tmp_path / "copy.jsonl.gz").read_bytes() == data


@pytest.mark.parametrize("name, expected", [
    ("seed1/full", "seed1/full.jsonl.gz"),
    ("../../etc/passwd", "etc/passwd.jsonl.gz"),
    ("/tmp/run/model.tar.gz", "tmp/run.jsonl.gz"),
    ("answers.jsonl", "answers.jsonl.gz"),
    ("..", "run.jsonl.gz"),
])
def test_a_saved_predictions_file_stays_inside_its_directory(tmp_path, name, expected):
    assert saved_predictions_path(str(tmp_path), name) == str(tmp_path / expected)


def test_a_broken_gzipped_predictions_file_is_one_line(tmp_path, capsys, fixture_env):
    path = tmp_path / "cut.jsonl.gz"
    write_predictions(str(path), [(("good",), "1", "1")] * 50)
    path.write_bytes(path.read_bytes()[:-12])  # cut off: a truncated download or a full disk
    assert run_allennlp(["sst-compare", str(path), str(path), DATA]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "cannot be read as predictions" in last and str(path) in last


def test_each_sides_calibration_error_and_reliability_diagram(sides, tmp_path, capsys):
    """
    ECE per run from the models' probabilities, which saved predictions keep (that they are the
    model's own is tested in test_sst_calibrate.py); a predictions file without them has none.
    """
    from sst_elmo.evaluation.calibration import expected_calibration_error

    out, plot, saved = tmp_path / "c.json", tmp_path / "reliability.png", tmp_path / "saved"
    assert run_allennlp(["sst-compare", str(sides / "a"), str(sides / "b"), DATA, "--resamples", "100",
                         "--calibration-bins", "5", "--reliability-plot", str(plot), "--output-file", str(out),
                         "--save-predictions", str(saved)]) == 0
    assert "calibration error (5 equal-width bins of the top probability): A 0." in capsys.readouterr().out
    assert plot.read_bytes()[:4] == b"\x89PNG"
    result = json.loads(out.read_text())
    assert result["calibration"]["bins"] == 5
    for side in ("a", "b"):
        for run, row in zip(result[side]["runs"], result["calibration"][side]["runs"]):
            stored = read_predictions(str(saved / side / f"{run['name']}.jsonl.gz"))  # the run's answers
            assert len(stored.probability) == len(stored.correct) and min(stored.probability) > 0
            assert row["ece_5"] == expected_calibration_error(stored.probability, stored.correct, 5)
    old = tmp_path / "old.jsonl"  # a predictions file from before probabilities were written
    run = read_predictions(str(saved / "a" / "seed1.jsonl.gz"))
    write_predictions(str(old), list(zip(run.tokens, run.gold, run.predicted)))
    again = compare_archives(archive_group(str(old)), archive_group(str(saved / "b")), DATA, resamples=100)
    assert again["calibration"]["a"] is None and again["calibration"]["b"] is not None
    assert run_allennlp(["sst-compare", str(old), str(saved / "b"), DATA, "--reliability-plot",
                         str(tmp_path / "no.png")]) == 1
    assert "has no probabilities" in capsys.readouterr().err
