"""The pre-training pipeline (`sst_elmo_lab.shipping.pretrain`, `scripts/pretrain_elmo.py`)."""
import json
import os

import pytest

from sst_elmo_lab.shipping import pretrain
from tests.conftest import CONFIGS, FIXTURES, PROJECT_ROOT, shipped_random_elmo


def fake_run(run_dir, epochs, durations, with_final=True):
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps({"trainer": {"num_epochs": 8}}))
    for epoch, (words, duration) in enumerate(zip(epochs, durations)):
        (run_dir / f"metrics_epoch_{epoch}.json").write_text(json.dumps(
            {"training_words": words, "training_duration": duration, "validation_perplexity": 300.0 - epoch,
             "best_epoch": epoch, "best_validation_perplexity": 300.0 - epoch}))  # as AllenNLP writes them
    if with_final:
        (run_dir / "metrics.json").write_text(json.dumps({"best_epoch": 1, "best_validation_perplexity": 299.0}))


def test_throughput_reads_every_epoch_file_in_epoch_order(tmp_path):
    # Ten epochs: file names sort as 0, 1, 10 ... as text; the epochs must not.
    fake_run(tmp_path, [1000] * 11, [f"0:0{i // 6}:{(i * 10) % 60:02d}" for i in range(1, 12)])
    result = pretrain.throughput(str(tmp_path))
    assert result["epochs"] == 11 and result["configured_epochs"] == 8
    assert result["words"] == 11000 and result["training_seconds"] == 110
    assert result["words_per_second"] == pytest.approx(100.0)
    assert result["validation_perplexity_by_epoch"] == [300.0 - i for i in range(11)]
    assert (result["best_epoch"], result["best_validation_perplexity"]) == (1, 299.0)


def test_a_stopped_run_reports_from_its_last_epoch_file(tmp_path):
    fake_run(tmp_path, [500, 700], ["0:10:00", "1 day, 0:00:00"], with_final=False)
    result = pretrain.throughput(str(tmp_path))
    assert result["training_seconds"] == 86400 and result["words"] == 1200
    assert (result["best_epoch"], result["best_validation_perplexity"]) == (1, 299.0)
    markdown = pretrain.report_markdown("c.jsonnet", result, {})
    assert "2 of 8 epochs" in markdown and "1,200 words" in markdown


def test_train_recovers_an_interrupted_run_and_skips_a_finished_one(tmp_path, monkeypatch):
    commands = []
    monkeypatch.setattr(pretrain, "_run", lambda command, log, cwd=None: commands.append(command))
    run_dir = tmp_path / "run"
    assert pretrain.train("c.jsonnet", str(run_dir)) == "trained"
    assert "--recover" not in commands[-1] and commands[-1][2:4] == ["allennlp", "train"]
    run_dir.mkdir()
    (run_dir / "config.json").write_text("{}")
    pretrain.train("c.jsonnet", str(run_dir))
    assert "--recover" in commands[-1]
    # An interrupted run continues with its own config, whatever the config file says now.
    assert str(run_dir / "config.json") in commands[-1] and "c.jsonnet" not in commands[-1]
    with pytest.raises(pretrain.StageFailed, match="no best.th"):
        pretrain.train("c.jsonnet", str(run_dir), best_so_far=True)
    # AllenNLP archives the best epoch of an interrupted run (Ctrl-C, SIGTERM), without
    # metrics.json: that run is not finished, and it continues.
    (run_dir / "model.tar.gz").write_bytes(b"")
    assert pretrain.train("c.jsonnet", str(run_dir)) == "trained" and "--recover" in commands[-1]
    (run_dir / "metrics.json").write_text("{}")
    assert pretrain.train("c.jsonnet", str(run_dir)) == "skipped" and len(commands) == 3


def test_pretrain_export_and_measure_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SST_ELMO_DATA", "")
    run_dir = tmp_path / "tiny"
    argv = ["--config", str(CONFIGS / "pretrain" / "tiny.jsonnet"), "--run-dir", str(run_dir),
            "--data", str(FIXTURES / "data"), "--imdb-reviews", "3"]
    assert pretrain.main(argv, project=str(PROJECT_ROOT)) == 0
    for name in ("options.json", "weights.hdf5", "vocab.txt", "softmax.hdf5"):
        assert (run_dir / "elmo" / name).exists()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["training"]["epochs"] == report["training"]["configured_epochs"] == 2
    assert report["training"]["words"] > 0
    imdb, sst = report["heldout"]["imdb_test"], report["heldout"]["sst_dev_test"]
    sst_lines = [line for split in ("dev", "test") for line in open(FIXTURES / "data" / "sst" / f"{split}.txt")]
    assert imdb["documents"] == 3 and sst["documents"] == sum(1 for line in sst_lines if line.strip())
    assert all(1.0 < held["perplexity"] < 1e6 and 0.0 <= held["oov_rate"] <= 1.0 for held in (imdb, sst))
    assert "held-out text" in (run_dir / "report.md").read_text()
    # The export re-loaded into elmo_bilm gives the archive's held-out perplexity.
    assert report["export_check"]["perplexity"] == pytest.approx(sst["perplexity"], rel=1e-4)
    assert "re-loaded into `elmo_bilm`" in (run_dir / "report.md").read_text()
    # Running again resumes: every stage is skipped, the report is the same.
    capsys.readouterr()
    assert pretrain.main(argv, project=str(PROJECT_ROOT)) == 0
    out = capsys.readouterr().out
    assert "train: " in out and "skipped" in out and "+ " not in out
    assert json.loads((run_dir / "report.json").read_text())["heldout"] == report["heldout"]
    assert os.path.exists(str(run_dir) + ".log")


def test_throughput_uses_the_training_clock_across_recoveries(tmp_path):
    # Epoch 0 ran before the clock (and its process was recovered: AllenNLP counted 300 words);
    # epochs 1 and 2 were clocked, one of them across a kill.
    fake_run(tmp_path, [300, 1000, 400], ["0:00:03", "0:00:10", "0:00:04"])
    for epoch, seconds in ((1, 10.0), (2, 15.0)):
        path = tmp_path / f"metrics_epoch_{epoch}.json"
        metrics = json.loads(path.read_text())
        metrics.update(clock_epoch_words=1000.0, clock_epoch_seconds=seconds)
        path.write_text(json.dumps(metrics))
    result = pretrain.throughput(str(tmp_path))
    assert result["words"] == 3000 and result["unclocked_epochs"] == [0]
    assert result["training_seconds"] == 25 and result["words_per_second"] == pytest.approx(80.0)
    markdown = pretrain.report_markdown("c.jsonnet", result, {})
    assert "3,000 words" in markdown and "Epoch 0 ran before the `training_clock`" in markdown


def test_heldout_imdb_reviews_are_spread_over_the_test_file(tmp_path):
    import gzip

    data = tmp_path / "data"
    (data / "imdb").mkdir(parents=True)
    (data / "sst").mkdir()
    for split in ("dev", "test"):
        (data / "sst" / f"{split}.txt").write_text("(3 (2 Fine) (3 film))\n")
    with gzip.open(data / "imdb" / "test.jsonl.gz", "wt") as handle:
        handle.write("".join(json.dumps({"text": f"review {i}", "label": "neg" if i < 50 else "pos"}) + "\n"
                             for i in range(100)))
    paths = pretrain.heldout_texts(str(tmp_path / "run"), str(data), imdb_reviews=10)
    assert sorted(paths) == ["imdb_test", "sst_dev_test"]
    lines = open(paths["imdb_test"]).read().splitlines()
    assert lines == [f"review {i}" for i in range(0, 100, 10)]  # both labels, not the first ten
    with pytest.raises(ValueError, match="'test' or 'train'"):
        pretrain.heldout_texts(str(tmp_path / "run2"), str(data), imdb_split="dev")


def test_quick_recovery_switches_allennlps_trainer_and_leaves_others(tmp_path, capsys):
    run_dir = tmp_path / "run"
    (run_dir / "vocabulary").mkdir(parents=True)
    (run_dir / "vocabulary" / "non_padded_namespaces.txt").write_text("*tags\n")
    config = {"trainer": {"num_epochs": 4}, "vocabulary": {"min_count": {"lm_words": 3}, "oov_token": "<unk>"}}
    (run_dir / "config.json").write_text(json.dumps(config))
    assert len(pretrain.quick_recovery(str(run_dir))) == 2
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["trainer"] == {"num_epochs": 4, "type": "quick_recover"}
    assert saved["vocabulary"] == {
        "type": "from_files", "directory": str(run_dir / "vocabulary"), "oov_token": "<unk>"}
    assert "was 'gradient_descent'" in capsys.readouterr().out
    # A trainer of another type keeps it; a run without a saved vocabulary keeps its own.
    config["trainer"]["type"] = "my_trainer"
    (run_dir / "config.json").write_text(json.dumps(config))
    (run_dir / "vocabulary" / "non_padded_namespaces.txt").unlink()
    assert pretrain.quick_recovery(str(run_dir)) == []
    assert json.loads((run_dir / "config.json").read_text()) == config


def _killed_tiny_run(run_dir, marker):
    """The tiny biLM, checkpointed every 2 batches and SIGKILLed at batch 5 of its second epoch."""
    import signal
    import subprocess
    import sys

    overrides = {
        "data_loader.batch_sampler.batch_size": 2,
        "trainer.checkpointer.save_every_num_batches": 2,
        "trainer.callbacks": [{"type": "complete_metrics"}, {"type": "training_clock"},
                              {"type": "test_sigkill_once", "marker_file": str(marker), "epoch": 1, "batch": 5}],
    }
    killed = subprocess.run(
        [sys.executable, "-m", "allennlp", "train", "configs/pretrain/tiny.jsonnet", "-s", str(run_dir),
         "-o", json.dumps(overrides), "--include-package", "sst_elmo",
         "--include-package", "tests.sigkill_callback"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]


def test_a_snapshot_archives_the_latest_mid_epoch_checkpoint_of_a_killed_run(tmp_path):
    import torch

    from sst_elmo.safety.archive_safety import safe_load_archive

    run_dir, snap = tmp_path / "run", tmp_path / "snap"
    _killed_tiny_run(run_dir, tmp_path / "killed")
    assert pretrain.latest_checkpoint(str(run_dir)) == (1, 4)
    before = sorted((path.name, path.stat().st_mtime_ns) for path in run_dir.iterdir())
    argv = ["--run-dir", str(run_dir), "--snapshot", str(snap), "--config", "configs/pretrain/tiny.jsonnet",
            "--data", str(FIXTURES / "data"), "--imdb-reviews", "3"]
    assert pretrain.main(argv, project=str(PROJECT_ROOT)) == 0
    # The run is only read: it can go on with --recover.
    assert sorted((path.name, path.stat().st_mtime_ns) for path in run_dir.iterdir()) == before
    taken = json.loads((snap / pretrain.SNAPSHOT_NAME).read_text())
    assert (taken["epochs_completed"], taken["batches_in_epoch_completed"]) == (1, 4)
    # The archive holds the weights of that checkpoint.
    archived = safe_load_archive(str(snap / "model.tar.gz"), cuda_device=-1).model.state_dict()
    checkpoint = torch.load(run_dir / "model_state_e1_b4.th")
    assert all(torch.equal(archived[name], value) for name, value in checkpoint.items())
    # Its words: the whole first epoch and 4 of the second epoch's batches (2 sentences each).
    first_epoch = json.loads((run_dir / "metrics_epoch_0.json").read_text())["clock_epoch_words"]
    report = json.loads((snap / "report.json").read_text())
    training = report["training"]
    assert first_epoch < training["words"] < 1.5 * first_epoch and training["words"] == taken["words"]
    assert (training["epochs"], training["snapshot_batches"]) == (1, 4)
    assert len(training["validation_perplexity_by_epoch"]) == 1
    assert "a snapshot after 1 of 2 epochs and 4 batches of the next" in (snap / "report.md").read_text()
    assert (snap / "elmo" / "weights.hdf5").exists() and report["heldout"]["sst_dev_test"]["perplexity"] > 1
    assert not list(snap.glob("*_state_*.th"))  # the copied checkpoint files are not kept


def test_snapshot_takes_the_next_checkpoint_when_one_is_pruned_meanwhile(tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in ("model_state_e0_b3.th", "training_state_e0_b3.th", "model_state_e0_b9.th"):
        (run_dir / name).write_bytes(b"")
    # A model state without its training state is not a complete checkpoint.
    assert pretrain.latest_checkpoint(str(run_dir)) == (0, 3)
    assert pretrain.latest_checkpoint(str(tmp_path / "empty")) is None
    with pytest.raises(pretrain.StageFailed, match="no complete checkpoint"):
        pretrain.snapshot(str(tmp_path / "empty"), str(tmp_path / "snap"))
    copied = []

    class Copied(Exception):
        pass

    def copy_while_training(source, target):
        copied.append(os.path.basename(source))
        if source.endswith("training_state_e0_b3.th"):  # meanwhile the trainer saves b9 and prunes b3
            (run_dir / "training_state_e0_b9.th").write_bytes(b"")
            for name in ("model_state_e0_b3.th", "training_state_e0_b3.th"):
                (run_dir / name).unlink()
            raise FileNotFoundError(source)
        raise Copied

    monkeypatch.setattr(pretrain.shutil, "copyfile", copy_while_training)
    with pytest.raises(Copied):
        pretrain.snapshot(str(run_dir), str(tmp_path / "snap"))
    assert copied == ["training_state_e0_b3.th", "training_state_e0_b9.th"]


def test_a_checkpoint_without_the_training_clock_is_refused(tmp_path):
    with pytest.raises(pretrain.StageFailed, match="no training_clock state"):
        pretrain._clock_state({"callbacks": [{}, None]}, "training_state_e0_b3.th")
    clock = {"totals": {"words": 100.0, "seconds": 10.0}, "epoch": {"words": 5.0, "seconds": 1.0}}
    state = {"callbacks": [{}, clock]}
    assert pretrain._clock_state(state, "x") == {"words": 105.0, "seconds": 11.0}


@pytest.mark.parametrize("config", ["sst_adapt.jsonnet", "tweets_adapt.jsonnet", "imdb_continue.jsonnet"])
def test_heldout_texts_are_read_as_plain_documents_whatever_the_run_read(config, monkeypatch, tmp_path):
    # A run that read SST trees, CSV columns or JSON lines measures the held-out reviews and SST
    # sentences (plain text, one document a line) with its reader's other settings.
    from allennlp.common import Params
    from allennlp.data import DatasetReader

    shipped_random_elmo(monkeypatch, tmp_path, seed=1)
    run_config = Params.from_file(str(CONFIGS / "pretrain" / config)).as_dict(quiet=True)
    reader_config = pretrain.heldout_reader(run_config)
    reader = DatasetReader.from_params(Params(dict(reader_config)))
    (tmp_path / "held_out.txt").write_text("A fine film . It was long .\n(3 not a tree\n")
    instances = reader.read(str(tmp_path / "held_out.txt"))
    sentences = [[token.text for token in instance["tokens"]] for instance in instances]
    assert sentences == [["A", "fine", "film", "."], ["It", "was", "long", "."],
                         ["-LRB-", "3", "not", "a", "tree"]]
