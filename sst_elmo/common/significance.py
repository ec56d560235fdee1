"""
Is one classifier's accuracy really higher than another's on the same sentences? The paired
tests of `allennlp sst-compare`, on tables of right (1) and wrong (0) answers, one row per
run (a seed) and one column per sentence:

- the exact McNemar test of two runs: of the `n` sentences that exactly one of them gets
  right, A alone gets `a` and B alone `b`; under "equally accurate", `b ~ Binomial(n, 1/2)`,
  and the two-sided p-value is `min(1, 2 P(X <= min(a, b)))` (1 when `n = 0`);
- the same test pooled over seed pairs (their discordant counts added up, each sentence
  counted once per pair);
- a paired bootstrap interval of the difference of mean accuracies (B - A): sentences are
  resampled with replacement, the same sentences for every seed of both sides, and the
  interval is the 2.5th and 97.5th percentiles of the resampled differences.
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy

DEFAULT_RESAMPLES = 10_000
DEFAULT_BOOTSTRAP_SEED = 0
# Resamples drawn at a time (bounds the index matrix: chunk x sentences integers).
_CHUNK = 500


@dataclass(frozen=True)
class McNemar:
    """An exact McNemar test: `a_only` sentences right only for A, `b_only` only for B."""

    a_only: int
    b_only: int
    p_value: float


def mean_sd(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    """The mean and the sample standard deviation (`None` for fewer than two values)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, math.sqrt(sum((value - mean) ** 2 for value in values) / (len(values) - 1))


def correctness_table(rows: Sequence[Sequence[int]]) -> numpy.ndarray:
    """`rows` (runs x sentences, each 0 or 1) as an integer array; refuses ragged or other values."""
    table = numpy.asarray(rows)
    if table.ndim != 2 or table.shape[0] < 1 or table.shape[1] < 1:
        raise ValueError(f"a correctness table has at least one run and one sentence, not shape {table.shape}")
    if not numpy.isin(table, (0, 1)).all():
        raise ValueError("a correctness table holds only 0 (wrong) and 1 (right)")
    return table.astype(numpy.int64)


def exact_mcnemar(a_only: int, b_only: int) -> McNemar:
    """The exact two-sided McNemar test of the discordant counts (`scipy.stats.binomtest`)."""
    from scipy.stats import binomtest

    n = a_only + b_only
    p_value = 1.0 if n == 0 else float(min(1.0, binomtest(min(a_only, b_only), n, 0.5).pvalue))
    return McNemar(int(a_only), int(b_only), p_value)


def mcnemar_runs(a: Sequence[int], b: Sequence[int]) -> McNemar:
    """The exact McNemar test of two runs' answers on the same sentences."""
    table = correctness_table([a, b])
    a_only = int(((table[0] == 1) & (table[1] == 0)).sum())
    b_only = int(((table[0] == 0) & (table[1] == 1)).sum())
    return exact_mcnemar(a_only, b_only)


def pool(tests: Sequence[McNemar]) -> McNemar:
    """The exact McNemar test of the tests' discordant counts added up."""
    return exact_mcnemar(sum(t.a_only for t in tests), sum(t.b_only for t in tests))


def mcnemar_pooled(pairs: Sequence[Tuple[Sequence[int], Sequence[int]]]) -> McNemar:
    """The exact McNemar test of the discordant counts of every `(a, b)` pair added up."""
    return pool([mcnemar_runs(a, b) for a, b in pairs])


def paired_bootstrap(
    a: Sequence[Sequence[int]],
    b: Sequence[Sequence[int]],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> Tuple[float, float, float]:
    """
    `(difference, low, high)`: B's mean accuracy over its runs minus A's, and the paired
    bootstrap interval at `confidence` over sentences (`resamples` draws with NumPy's
    generator seeded with `seed`; the same draws for every run).
    """
    table_a, table_b = correctness_table(a), correctness_table(b)
    if table_a.shape[1] != table_b.shape[1]:
        raise ValueError(f"A has {table_a.shape[1]} sentences and B {table_b.shape[1]}: compare the same data")
    if resamples < 1 or not 0.0 < confidence < 1.0:
        raise ValueError("resamples >= 1 and confidence in (0, 1)")
    # Shape: (sentences,): per sentence, the share of B's runs right minus the share of A's.
    per_sentence = table_b.mean(axis=0) - table_a.mean(axis=0)
    sentences = per_sentence.shape[0]
    generator = numpy.random.default_rng(seed)
    draws: List[numpy.ndarray] = []
    for start in range(0, resamples, _CHUNK):
        count = min(_CHUNK, resamples - start)
        # Shape: (count, sentences)
        indices = generator.integers(0, sentences, size=(count, sentences))
        draws.append(per_sentence[indices].mean(axis=1))
    differences = numpy.concatenate(draws)
    tail = (1.0 - confidence) / 2 * 100
    low, high = numpy.percentile(differences, [tail, 100 - tail])
    return float(per_sentence.mean()), float(low), float(high)


def accuracies(table: Sequence[Sequence[int]]) -> List[float]:
    """Each run's accuracy."""
    return [float(value) for value in correctness_table(table).mean(axis=1)]

