"""
The answers behind docs/results.md's pooled tables are stored in docs/predictions/ (written by
`allennlp sst-compare --save-predictions`): the stored comparison is what `sst-compare`
computes from them, and the document quotes that comparison.
"""
import json
from pathlib import Path

import pytest

from sst_elmo.evaluation.comparison import compare_archives
from sst_elmo.evaluation.predictions import archive_group

DOCS = Path(__file__).resolve().parent.parent / "docs"
STORED = sorted(path.parent for path in (DOCS / "predictions").glob("*/comparison.json"))


def test_there_are_stored_comparisons():
    assert STORED, "docs/predictions/*/comparison.json: none"


@pytest.mark.parametrize("study", STORED, ids=[path.name for path in STORED])
def test_the_stored_comparison_is_what_its_answers_give(study):
    stored = json.loads((study / "comparison.json").read_text(encoding="utf-8"))
    a, b = (archive_group(str(study / side)) for side in ("glove", "elmo"))
    assert len(a) == len(b) >= 5, "5 seeds a side"
    again = compare_archives(a, b, stored["data"], resamples=stored["difference"]["resamples"],
                             seed=stored["difference"]["bootstrap_seed"])
    for key in ("sentences", "difference", "mcnemar"):
        assert again[key] == stored[key], key
    assert [run["name"] for run in again["a"]["runs"]] == [run["name"] for run in again["b"]["runs"]]


@pytest.mark.parametrize("study", STORED, ids=[path.name for path in STORED])
def test_the_results_quote_the_stored_comparison(study):
    stored = json.loads((study / "comparison.json").read_text(encoding="utf-8"))
    results = (DOCS / "results.md").read_text(encoding="utf-8")
    difference = stored["difference"]
    interval = (f"{100 * difference['b_minus_a']:+.2f} points, 95% interval "
                f"[{100 * difference['low']:+.2f}, {100 * difference['high']:+.2f}]")
    pooled = stored["mcnemar"]["pooled"]
    assert interval in results
    assert f"{pooled['a_only']:,} sentences right only for GloVe, {pooled['b_only']:,} only for ELMo" in results
    assert f"docs/predictions/{study.name}" in results
