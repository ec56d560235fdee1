import hashlib
import json
import re

import pytest
from allennlp.commands.train import train_model_from_file
from allennlp.modules.elmo import Elmo

from sst_elmo.common.errors import InputError
from sst_elmo_lab.shipping.ship_elmo import ship_elmo
from tests.models.test_elmo_bilm import FIXTURE_PATHS, TINY_CONFIG


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run") / "tiny"
    train_model_from_file(str(TINY_CONFIG), str(run_dir), overrides=FIXTURE_PATHS)
    report = {
        "config": "configs/pretrain/tiny.jsonnet",
        "training": {"epochs": 2, "configured_epochs": 2, "words": 1234, "training_seconds": 6.0,
                     "words_per_second": 205.7, "best_epoch": 1, "best_validation_perplexity": 40.5,
                     "validation_perplexity_by_epoch": [55.1, 40.5]},
        "heldout": {"sst": {"documents": 2, "sentences": 2, "words": 20, "oov_rate": 0.1, "perplexity": 60.0,
                            "forward_perplexity": 59.0, "backward_perplexity": 61.0}},
    }
    (run_dir / "report.json").write_text(json.dumps(report))
    return run_dir


def test_ships_float16_files_and_a_card_with_their_checksums(finished_run, tmp_path):
    target = ship_elmo(str(finished_run), "tiny", models_dir=str(tmp_path), commands=["make it"], machine="a CPU",
                       notes="Epochs 1-2 ran in bf16.")
    names = sorted(p.name for p in (tmp_path / "elmo-tiny").iterdir())
    assert names == ["README.md", "options.json", "vocab.txt", "weights.hdf5"]
    card = (tmp_path / "elmo-tiny" / "README.md").read_text()
    for name in ("options.json", "vocab.txt", "weights.hdf5"):
        digest = hashlib.sha256((tmp_path / "elmo-tiny" / name).read_bytes()).hexdigest()
        assert re.search(rf"^{digest}  {name}$", card, re.MULTILINE)
    assert "SST_ELMO_ELMO=tiny" in card and "make it" in card and "a CPU" in card
    assert "55.1, 40.5" in card and "**60.0**" in card
    assert "## Notes\n\nEpochs 1-2 ran in bf16." in card
    Elmo(f"{target}/options.json", f"{target}/weights.hdf5", 1)  # AllenNLP loads what was shipped


def test_a_shipped_elmo_is_replaced_only_when_asked_and_the_card_says_so(finished_run, tmp_path):
    ship_elmo(str(finished_run), "tiny", models_dir=str(tmp_path))
    first = hashlib.sha256((tmp_path / "elmo-tiny" / "weights.hdf5").read_bytes()).hexdigest()
    with pytest.raises(InputError, match="shipped already"):
        ship_elmo(str(finished_run), "tiny", models_dir=str(tmp_path))
    ship_elmo(str(finished_run), "tiny", models_dir=str(tmp_path), replace=True)
    assert f"replaces an earlier `tiny` whose weights had sha256 `{first}`" in (
        tmp_path / "elmo-tiny" / "README.md").read_text()


def test_an_unfinished_run_is_refused(tmp_path):
    with pytest.raises(InputError, match="no report.json"):
        ship_elmo(str(tmp_path), "x", models_dir=str(tmp_path / "models"))


def test_a_continued_run_states_the_words_in_all(finished_run, tmp_path):
    from sst_elmo_lab.shipping.ship_elmo import main

    assert main([str(finished_run), "tiny", "--models-dir", str(tmp_path), "--base-words", "39777024"]) == 0
    card = (tmp_path / "elmo-tiny" / "README.md").read_text()
    assert "Words in all: **39,778,258**: this run's 1,234, continuing a biLM that had seen 39,777,024" in card
    ship_elmo(str(finished_run), "tiny", models_dir=str(tmp_path), replace=True)
    assert "Words in all" not in (tmp_path / "elmo-tiny" / "README.md").read_text()


def test_a_snapshot_before_any_validation_is_shipped_as_one(finished_run, tmp_path):
    import shutil

    snap = tmp_path / "snap"
    snap.mkdir()
    shutil.copyfile(finished_run / "model.tar.gz", snap / "model.tar.gz")
    report = json.loads((finished_run / "report.json").read_text())
    report["training"].update(epochs=0, snapshot_batches=1500, best_epoch=None, best_validation_perplexity=None,
                              validation_perplexity_by_epoch=[])
    (snap / "report.json").write_text(json.dumps(report))
    ship_elmo(str(snap), "tiny", models_dir=str(tmp_path / "models"), base_words=1000)
    card = (tmp_path / "models" / "elmo-tiny" / "README.md").read_text()
    assert "a snapshot after 0 of 2 epochs and 1,500 batches of the next, 1,234 words" in card
    assert "no validation yet" in card and "none yet (no epoch finished)" in card
    assert "Words in all: **2,234**" in card
