import json

import pytest
from PIL import Image

from sst_elmo_lab.grids import plots
from sst_elmo_lab.grids.report import summary_markdown, write_report
from sst_elmo_lab.grids.statistics import mean_sd, paired_differences


def fake_rows(tmp_path):
    """Two configs x 3 seeds x 2 sizes, each finished run with two epochs of metrics; one failed run."""
    rows = []
    for config, offset in (("base", 0.0), ("elmo", 0.1)):
        for size, instances in (("n100", 100), ("full", 1000)):
            for seed in (1, 2, 3):
                directory = tmp_path / config / f"seed{seed}" / size
                directory.mkdir(parents=True)
                accuracy = 0.5 + offset + instances / 10000 + seed / 100
                for epoch in range(2):
                    (directory / f"metrics_epoch_{epoch}.json").write_text(json.dumps({
                        "training_loss": 1.0 - epoch / 4, "validation_loss": 1.1 - epoch / 5,
                        "training_accuracy": accuracy - 0.1 + epoch / 10, "validation_accuracy": accuracy,
                    }))
                failed = config == "elmo" and seed == 3 and size == "n100"
                rows.append({
                    "run_id": f"{config}/seed{seed}/{size}", "config": config, "seed": seed, "size": size,
                    "train_instances": instances, "status": "failed" if failed else "done",
                    "best_validation_accuracy": None if failed else accuracy,
                    "test_accuracy": None if failed else accuracy - 0.01,
                    "training_duration_s": 10.0, "serialization_dir": str(directory),
                })
    return rows


def assert_png(path):
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 200
        assert len(set(image.convert("L").getdata())) > 10  # something is drawn


def test_mean_sd():
    assert mean_sd([1.0, 3.0]) == (2.0, pytest.approx(2 ** 0.5))
    assert mean_sd([4.0]) == (4.0, None)


def test_summary_markdown(tmp_path):
    text = summary_markdown(fake_rows(tmp_path))
    lines = text.splitlines()
    assert lines[0] == ("| config | size | train instances | runs done | best_validation_accuracy "
                        "| test_accuracy | mean training time |")
    assert "| base | n100 | 100 | 3 / 3 | 0.5300 ± 0.0100 | 0.5200 ± 0.0100 | 10 s |" in lines
    assert "| elmo | n100 | 100 | 2 / 3 | 0.6250 ± 0.0071 | 0.6150 ± 0.0071 | 10 s |" in lines
    assert "Not finished (1): `elmo/seed3/n100`" in text


def test_paired_differences_only_pairs_seeds_with_both_runs(tmp_path):
    rows = fake_rows(tmp_path)
    pairs = paired_differences(rows, "base", "elmo", "test_accuracy", "n100")
    assert [seed for seed, _, _ in pairs] == [1, 2]
    assert all(b - a == pytest.approx(0.1) for _, a, b in pairs)


def test_write_report_makes_every_plot(tmp_path):
    rows = fake_rows(tmp_path / "runs")
    written = write_report(rows, str(tmp_path / "report"), pair=["base", "elmo"])
    assert set(written) == {"summary", "paired", "size", "curves_base", "curves_elmo"}
    for name, path in written.items():
        if name != "summary":
            assert_png(path)
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert "![paired](paired_base_vs_elmo.png)" in summary and "| 3 | 0.6200 | 0.7200 | +0.1000 |" in summary


def test_a_learning_curve_in_trees_has_paired_points_and_a_table_per_size(tmp_path):
    rows = fake_rows(tmp_path / "runs")
    written = write_report(rows, str(tmp_path / "report"), pair=["base", "elmo"], size_unit="trees")
    assert_png(written["size"])
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert "| config | size | train trees | runs done |" in summary
    assert "### base vs elmo, size n100" in summary and "| 1 | 0.5100 | 0.6100 | +0.1000 |" in summary
    # The paired points add to what a plot of the means alone draws.
    plain = plots.size_plot(rows, "test_accuracy", str(tmp_path / "plain.png"), "trees")
    with Image.open(plain) as without, Image.open(written["size"]) as with_pairs:
        assert list(without.convert("L").getdata()) != list(with_pairs.convert("L").getdata())


def test_plots_without_data_raise(tmp_path):
    rows = [{"run_id": "a/seed1/full", "config": "a", "seed": 1, "size": "full", "status": "failed"}]
    with pytest.raises(ValueError, match="no seed has finished runs"):
        plots.paired_plot(rows, "a", "b", "test_accuracy", "full", str(tmp_path / "p.png"))
    with pytest.raises(ValueError, match="no finished run"):
        plots.size_plot(rows, "test_accuracy", str(tmp_path / "s.png"))
    with pytest.raises(ValueError, match="no metrics_epoch"):
        plots.curves_plot({"a": str(tmp_path)}, str(tmp_path / "c.png"))
    assert not list(tmp_path.glob("*.png"))


def test_the_command_line_reports_a_results_csv(tmp_path, capsys):
    from sst_elmo_lab.grids.report import main
    from sst_elmo_lab.grids.results import rows_to_csv

    results = tmp_path / "results.csv"
    results.write_text(rows_to_csv(fake_rows(tmp_path)))
    assert main([str(results), "--out", str(tmp_path / "report"), "--pair", "base", "elmo"]) == 0
    printed = capsys.readouterr().out
    assert f"summary: {tmp_path / 'report' / 'summary.md'}" in printed
    assert "| base |" in (tmp_path / "report" / "summary.md").read_text()


def test_paired_rows_carry_their_significance_from_sst_compare(tmp_path, fixture_env, monkeypatch):
    from sst_elmo.evaluation import comparison
    from tests.conftest import build_archive

    rows = []
    for config, offset in (("base", 0), ("elmo", 10)):
        for seed in (1, 2):
            run = build_archive(tmp_path / "runs" / config / f"seed{seed}", seed=offset + seed)
            rows.append({"run_id": f"{config}/seed{seed}/full", "config": config, "seed": seed, "size": "full",
                         "train_instances": 12, "status": "done", "best_validation_accuracy": 0.5,
                         "test_accuracy": 0.5, "training_duration_s": 1.0, "serialization_dir": str(run)})
    out = tmp_path / "report"
    write_report(rows, str(out), pair=["base", "elmo"], resamples=200)
    summary = (out / "summary.md").read_text()
    kept = json.loads((out / "significance_base_vs_elmo_full.json").read_text())["comparison"]
    assert kept["sentences"] == 4 and kept["data"].endswith("sst/test.txt")  # the runs' test set
    assert [(p["a"], p["b"]) for p in kept["mcnemar"]["pairs"]] == [("seed1", "seed1"), ("seed2", "seed2")]
    assert f"exact McNemar pooled **p = {kept['mcnemar']['pooled']['p_value']:.3g}**" in summary
    assert "95% paired bootstrap interval" in summary
    # A second report reuses the kept comparison while the archives are unchanged.
    monkeypatch.setattr(comparison, "compare_archives", lambda *a, **k: pytest.fail("compared again"))
    write_report(rows, str(out), pair=["base", "elmo"], resamples=200)


def test_without_archives_the_report_says_why_there_is_no_significance(tmp_path):
    write_report(fake_rows(tmp_path), str(tmp_path / "report"), pair=["base", "elmo"])
    assert "significance at size full: no seed with both archives" in (tmp_path / "report/summary.md").read_text()
