"""
Every ELMo shipped in models/ (models/elmo-NAME/) passes `sst-verify`, is described by a model
card whose checksums match its files, and models/ stays within its 25 MB budget. Every shipped
classifier (models/NAME/model.tar.gz) passes `sst-verify`, matches its card's sha256, loads from
another directory without ../shared, and scores a slice of its test set as its card says.
"""
import hashlib
import os
import re
import subprocess
from pathlib import Path
from typing import List

import pytest

from sst_elmo.commands.sst_verify import verify_elmo

MODELS = Path(__file__).resolve().parent.parent / "models"
SHIPPED = sorted(path for path in MODELS.glob("elmo-*") if path.is_dir())
CLASSIFIERS = sorted(path.parent for path in MODELS.glob("*/model.tar.gz"))
# Test sentences scored per classifier, and how far below the card's test accuracy a slice may
# fall (about 3 standard deviations of the accuracy of 300 sentences).
SLICE, MARGIN = 300, 0.06
BUDGET = 25 * 1024 * 1024
# The stored test answers of a shipped classifier (docs/predictions/, `sst-compare --save-predictions`).
STORED_ANSWERS = {"sst5": MODELS.parent / "docs" / "predictions" / "tuned_sst5" / "elmo" / "seed13370.jsonl.gz"}


def shipped_files() -> List[Path]:
    """The files of models/ that the project ships: not those git ignores (vectors `make words` builds)."""
    files = sorted(path for path in MODELS.rglob("*") if path.is_file()) if MODELS.exists() else []
    try:
        ignored = subprocess.run(["git", "check-ignore", "-z", "--stdin"], cwd=MODELS.parent, capture_output=True,
                                 input=b"\0".join(bytes(path) for path in files), timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return files  # no git binary: count everything (also outside a repository, where git ignores nothing)
    skipped = {os.fsdecode(name) for name in ignored.split(b"\0") if name}
    return [path for path in files if str(path) not in skipped]


def test_models_directory_stays_within_its_budget():
    size = sum(path.stat().st_size for path in shipped_files())
    assert size <= BUDGET, f"models/ holds {size:,} bytes, more than {BUDGET:,}"


@pytest.mark.parametrize("model", SHIPPED, ids=[path.name for path in SHIPPED])
def test_shipped_elmo_verifies_and_its_card_has_its_checksums(model):
    options, weights = model / "options.json", model / "weights.hdf5"
    lines = verify_elmo(str(options), str(weights))
    assert lines[0].startswith("OK ELMo")
    card = (model / "README.md").read_text(encoding="utf-8")
    for path in (options, weights, model / "vocab.txt"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert re.search(rf"{digest}\s+`?{path.name}", card), f"{path.name}'s sha256 is not in the card"


def test_there_are_shipped_classifiers():
    assert {path.name for path in CLASSIFIERS} >= {"sst2", "sst5"}


@pytest.mark.parametrize("model", CLASSIFIERS, ids=[path.name for path in CLASSIFIERS])
def test_shipped_classifier_verifies_and_matches_its_card(model):
    from sst_elmo.commands.sst_verify import verify_archive

    archive = model / "model.tar.gz"
    assert verify_archive(str(archive))[0].startswith("OK archive")
    card = (model / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(archive.read_bytes()).hexdigest() in card
    assert archive.stat().st_size <= BUDGET


@pytest.mark.shared
@pytest.mark.parametrize("model", CLASSIFIERS, ids=[path.name for path in CLASSIFIERS])
def test_shipped_classifier_scores_a_slice_of_its_test_set(model, shared_dir, tmp_path, monkeypatch):
    from sst_elmo.commands.archive_loading import resolve_archive
    from sst_elmo.evaluation.predictions import predict_correctness, read_predictions

    card = (model / "README.md").read_text(encoding="utf-8")
    expected = float(re.search(r"\| test \([\d,]+ sentences\) \| \*\*([\d.]+)\*\*", card).group(1))
    test_file = re.search(r"test: `\.\./shared/([^`]+)`", card).group(1)
    lines = (shared_dir / test_file).read_text(encoding="utf-8").splitlines()[:SLICE]
    (tmp_path / "slice.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no ../shared here: the archive must not need the GloVe file
    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path / "cache"))
    predicted = predict_correctness(resolve_archive(model.name), str(tmp_path / "slice.txt"))
    accuracy = sum(predicted.correct) / len(predicted.correct)
    assert len(predicted.correct) >= SLICE // 2  # SST-2 drops the neutral sentences
    assert accuracy >= expected - MARGIN, f"{accuracy:.4f} on {SLICE} test sentences; the card says {expected}"
    if model.name in STORED_ANSWERS:  # the answers docs/results.md pools are this file's
        stored = read_predictions(str(STORED_ANSWERS[model.name]))
        assert predicted.predicted == stored.predicted[: len(predicted.predicted)]
