"""The paired tests of `sst-compare`, against values derived by hand."""
import math

import pytest

from sst_elmo.evaluation.significance import (
    accuracies,
    exact_mcnemar,
    f1_scores,
    mcnemar_pooled,
    mcnemar_runs,
    paired_bootstrap,
    paired_bootstrap_f1,
)


def binomial_two_sided(k: int, n: int) -> float:
    """2 P(X <= k) for X ~ Binomial(n, 1/2), capped at 1: the exact McNemar p by hand."""
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


# Ten sentences: A alone right on sentence 0, B alone right on sentences 3-8, both right on 1, 2, 9.
A = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
B = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def test_mcnemar_hand_computed():
    test = mcnemar_runs(A, B)
    assert (test.a_only, test.b_only) == (1, 6)
    # n = 7 discordant: p = 2 (C(7,0) + C(7,1)) / 2^7 = 16 / 128.
    assert test.p_value == pytest.approx(0.125, abs=1e-12)
    assert exact_mcnemar(0, 10).p_value == pytest.approx(2 / 1024, abs=1e-15)
    assert exact_mcnemar(0, 0).p_value == 1.0
    assert exact_mcnemar(5, 5).p_value == 1.0
    for a_only, b_only in [(3, 9), (12, 30), (100, 131)]:
        assert exact_mcnemar(a_only, b_only).p_value == pytest.approx(binomial_two_sided(a_only, a_only + b_only))


def test_mcnemar_pooled_adds_the_discordant_counts():
    # Pair 1: (1, 6); pair 2: A alone right on 2 sentences, B alone on 3 -> (3, 9) in all.
    pooled = mcnemar_pooled([(A, B), ([1, 1, 0, 0, 0, 1], [0, 0, 1, 1, 1, 1])])
    assert (pooled.a_only, pooled.b_only) == (3, 9)
    # 2 (1 + 12 + 66 + 220) / 4096
    assert pooled.p_value == pytest.approx(598 / 4096, abs=1e-12)


def test_swapping_the_sides_flips_the_sign():
    ab, ba = mcnemar_runs(A, B), mcnemar_runs(B, A)
    assert (ab.a_only, ab.b_only) == (ba.b_only, ba.a_only) and ab.p_value == ba.p_value
    difference, low, high = paired_bootstrap([A], [B], resamples=2000, seed=3)
    flipped, flipped_low, flipped_high = paired_bootstrap([B], [A], resamples=2000, seed=3)
    assert difference == pytest.approx(0.5) and flipped == pytest.approx(-0.5)
    assert (flipped_low, flipped_high) == pytest.approx((-high, -low))


def test_bootstrap_hand_computed_cases():
    # Every sentence: B right, A wrong -> the difference is 1 in every resample.
    assert paired_bootstrap([[0, 0, 0]], [[1, 1, 1]], resamples=200) == (1.0, 1.0, 1.0)
    # Two sentences with differences 1 and 0: a resample's mean is 0, 1/2 or 1 with chances
    # 1/4, 1/2, 1/4, so the 2.5th and 97.5th percentiles are 0 and 1.
    assert paired_bootstrap([[0, 1]], [[1, 1]], resamples=4000, seed=1) == (0.5, 0.0, 1.0)


def test_bootstrap_matches_the_normal_interval_on_a_large_table():
    # 400 sentences: B alone right on 40, A alone on 20. The per-sentence differences have mean
    # 0.05 and variance 60/400 - 0.05^2 = 0.1475, so the interval is about 0.05 ± 1.96 sqrt(0.1475/400).
    a = [0] * 40 + [1] * 20 + [1] * 340
    b = [1] * 40 + [0] * 20 + [1] * 340
    difference, low, high = paired_bootstrap([a], [b], resamples=20000, seed=0)
    half = 1.96 * math.sqrt(0.1475 / 400)
    assert difference == pytest.approx(0.05)
    assert low == pytest.approx(0.05 - half, abs=0.004) and high == pytest.approx(0.05 + half, abs=0.004)


def test_bootstrap_pools_the_seeds_of_each_side():
    # Per sentence: B's share right (1, 1) minus A's (1/2, 0) = (0.5, 1): mean 0.75.
    difference, low, high = paired_bootstrap([[1, 0], [0, 0]], [[1, 1], [1, 1]], resamples=1000)
    assert difference == pytest.approx(0.75) and (low, high) == (0.5, 1.0)
    assert accuracies([[1, 0], [0, 0]]) == [0.5, 0.0]


def test_bootstrap_is_seeded():
    a, b = [1, 0, 1, 0, 1, 1, 0, 0], [1, 1, 1, 0, 1, 1, 1, 0]
    assert paired_bootstrap([a], [b], seed=7) == paired_bootstrap([a], [b], seed=7)


@pytest.mark.parametrize("a, b", [([[1, 0]], [[1, 0, 1]]), ([[1, 2]], [[1, 0]]), ([[]], [[]])])
def test_bad_tables_are_refused(a, b):
    with pytest.raises(ValueError):
        paired_bootstrap(a, b)


# F1 of label "1" by hand: six sentences, gold 1 1 1 0 0 0.
GOLD = ["1", "1", "1", "0", "0", "0"]
GUESS_A = ["1", "0", "0", "1", "0", "0"]  # tp 1, fp 1, fn 2: F1 = 2 / (2 + 1 + 2) = 0.4
GUESS_B = ["1", "1", "1", "1", "0", "0"]  # tp 3, fp 1, fn 0: F1 = 6 / 7


def test_f1_hand_computed():
    assert f1_scores(GOLD, [GUESS_A, GUESS_B], "1") == pytest.approx([0.4, 6 / 7])
    assert f1_scores(GOLD, [["0"] * 6], "1") == [0.0]  # never predicted: 0, not a division by zero
    difference, low, high = paired_bootstrap_f1(GOLD, [GUESS_A], [GUESS_B], "1", resamples=2000)
    assert difference == pytest.approx(6 / 7 - 0.4)
    assert low < difference < high
    # B is never worse than A on any sentence, so no resample can make B's F1 lower... except
    # where a draw holds no positive at all for either side (both 0): the interval starts at >= 0.
    assert low >= 0.0


def test_f1_bootstrap_of_identical_sides_is_zero_and_swaps_sign():
    assert paired_bootstrap_f1(GOLD, [GUESS_A], [GUESS_A], "1", resamples=100) == (0.0, 0.0, 0.0)
    ab = paired_bootstrap_f1(GOLD, [GUESS_A], [GUESS_B], "1", resamples=500, seed=3)
    ba = paired_bootstrap_f1(GOLD, [GUESS_B], [GUESS_A], "1", resamples=500, seed=3)
    assert ba[0] == pytest.approx(-ab[0]) and ba[1] == pytest.approx(-ab[2]) and ba[2] == pytest.approx(-ab[1])


def test_f1_bootstrap_matches_a_direct_resample():
    """One draw by hand: the statistic of the index matrix equals F1 recomputed on the drawn sentences."""
    import numpy

    rng = numpy.random.default_rng(0)
    indices = rng.integers(0, 6, size=6)
    drawn = [GOLD[i] for i in indices]
    expected = (f1_scores(drawn, [[GUESS_B[i] for i in indices]], "1")[0]
                - f1_scores(drawn, [[GUESS_A[i] for i in indices]], "1")[0])
    # A single resample seeded like bootstrap_interval draws the same indices as above.
    difference, low, high = paired_bootstrap_f1(GOLD, [GUESS_A], [GUESS_B], "1", resamples=1, seed=0)
    assert low == pytest.approx(expected) and high == pytest.approx(expected)
