"""`sst-compare` ends with a verdict in plain words, and explains its terms in the output and in `--help`."""
import argparse
import re

import pytest

from sst_elmo.commands.sst_compare import SstCompare
from sst_elmo.evaluation.comparison import TERMS, compare, compare_archives, format_comparison, how_often, verdict
from sst_elmo.evaluation.predictions import Predicted, archive_group
from tests.conftest import PROJECT_ROOT


def runs(*rights, sentences=200):
    """One run per count: a side whose run gets the first `right` of `sentences` sentences right."""
    tokens = [(f"w{i}",) for i in range(sentences)]
    gold = ["1"] * sentences
    return [Predicted(f"seed{n}", f"seed{n}", tokens, [int(i < right) for i in range(sentences)], gold,
                      ["1" if i < right else "0" for i in range(sentences)]) for n, right in enumerate(rights, 1)]


def printed(a, b):
    return format_comparison(compare(a, b, resamples=2000), "runs/a", "runs/b").splitlines()


def test_a_clearly_better_b_is_called_better():
    lines = printed(runs(120, 124), runs(150, 156))  # B: 31 sentences of 200 more right, each of them B only
    assert lines[-1] == (
        "Verdict: B is better than A by 15.50 points of accuracy (95% interval 10.75 to 20.50); if A and B were "
        "equally accurate, a difference this large would happen by chance less than once in 10^18 tries "
        "(McNemar p = 4.3e-19)."
    )
    assert lines[1] == "A runs/a: accuracy 0.6100 ± 0.0141 (mean ± standard deviation over 2 runs)"
    assert lines[-2] == f"Terms: {TERMS}"
    assert "A only: the sentences that A got right and B got wrong" in TERMS
    assert "± is the standard deviation over a side's runs" in TERMS


def test_a_clearly_worse_b_is_called_worse():
    lines = printed(runs(150), runs(120))  # 30 sentences only A got right: p = 2 / 2**30
    assert lines[1] == "A runs/a: accuracy 0.7500 (1 run)"
    assert lines[-1] == (
        "Verdict: B is worse than A by 15.00 points of accuracy (95% interval 10.00 to 20.00); if A and B were "
        "equally accurate, a difference this large would happen by chance less than once in 10^8 tries "
        "(McNemar p = 1.9e-09)."
    )


def test_a_small_difference_is_no_evidence():
    a, b = runs(100), runs(100)
    b[0].correct = [1 - c if i in (0, 150, 151) else c for i, c in enumerate(b[0].correct)]  # 1 A only, 2 B only
    assert printed(a, b)[-1] == (
        "Verdict: no evidence that B differs from A: B - A is +0.50 points of accuracy (95% interval -1.00 to "
        "+2.50, which includes 0); if A and B were equally accurate, a difference this large would happen by "
        "chance almost every time (McNemar p = 1)."
    )
    assert printed(runs(100), runs(100))[-1] == (
        "Verdict: no evidence that B differs from A: B - A is +0.00 points of accuracy (95% interval +0.00 to "
        "+0.00, which includes 0); A and B got exactly the same sentences right."
    )


def test_chance_in_words():
    assert how_often(0.34) == "about 34 times in 100 tries"
    assert how_often(0.012) == "about once in 83 tries"
    assert how_often(4.558e-05) == "less than once in 10,000 tries"
    assert how_often(1e-4) == "less than once in 1,000 tries"  # exactly once in 10,000 is not less
    assert how_often(5.6e-15) == "less than once in 10^14 tries"
    assert how_often(0.0) == "less than once in 10^300 tries"


def test_help_explains_the_terms_and_the_verdict():
    parser = argparse.ArgumentParser(prog="allennlp")
    text = SstCompare().add_subparser(parser.add_subparsers()).format_help()
    flat = " ".join(text.split())
    assert " ".join(TERMS.split()) in flat
    assert "B is better (or worse) than A when the 95% interval of B - A excludes 0" in flat


def test_the_docs_show_what_the_command_prints():
    """docs/experiments.md's sst-compare output is what the command prints from the stored answers."""
    docs = (PROJECT_ROOT / "docs/experiments.md").read_text(encoding="utf-8")
    shown = re.search(r"```bash\n(allennlp sst-compare docs/predictions/[^\n]+)\n```\n\n```text\n(.*?)```",
                      docs, re.S)
    assert shown, "docs/experiments.md shows no sst-compare run on docs/predictions"
    a, b, data = shown.group(1).split()[2:5]
    result = compare_archives(archive_group(str(PROJECT_ROOT / a)), archive_group(str(PROJECT_ROOT / b)), data)
    printed_lines = format_comparison(result, a, b)
    assert shown.group(2).strip() == printed_lines
    assert printed_lines.splitlines()[-1].startswith("Verdict: B is better than A by 3.63 points")


@pytest.mark.parametrize("p_value", [0.2, 0.06])
def test_a_lopsided_p_alone_is_not_a_verdict(p_value):
    result = {"difference": {"b_minus_a": 0.01, "low": 0.002, "high": 0.02},
              "mcnemar": {"pooled": {"a_only": 10, "b_only": 20, "p_value": p_value}}}
    assert verdict(result).startswith("Verdict: no clear evidence that B differs from A: B - A is +1.00 points")
