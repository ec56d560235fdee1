"""
Every ELMo shipped in models/ (models/elmo-NAME/) passes `sst-verify`, is described by a model
card whose checksums match its files, and models/ stays within its 25 MB budget.
"""
import hashlib
import re
from pathlib import Path

import pytest

from sst_elmo.commands.sst_verify import verify_elmo

MODELS = Path(__file__).resolve().parent.parent / "models"
SHIPPED = sorted(path for path in MODELS.glob("elmo-*") if path.is_dir())
BUDGET = 25 * 1024 * 1024


def test_models_directory_stays_within_its_budget():
    size = sum(path.stat().st_size for path in MODELS.rglob("*") if path.is_file()) if MODELS.exists() else 0
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
