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
  interval is the 2.5th and 97.5th percentiles of the resampled differences;
- the same interval for the F1 of one label (for data judged by F1, such as the tweets), each
  resample re-scoring every run from its counts on the resampled sentences.
"""
import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

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
    # Shape: (sentences,): per sentence, the share of B's runs right minus the share of A's.
    per_sentence = table_b.mean(axis=0) - table_a.mean(axis=0)
    low, high = bootstrap_interval(lambda indices: per_sentence[indices].mean(axis=1), per_sentence.shape[0],
                                   resamples, seed, confidence)
    return float(per_sentence.mean()), low, high


def bootstrap_interval(
    statistic: Callable[[numpy.ndarray], numpy.ndarray], sentences: int, resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED, confidence: float = 0.95,
) -> Tuple[float, float]:
    """
    The percentile interval at `confidence` of `statistic` over `resamples` bootstrap draws of
    `sentences` indices (NumPy's generator seeded with `seed`). `statistic` maps a
    `(draws, sentences)` index matrix to one value per draw.
    """
    if resamples < 1 or not 0.0 < confidence < 1.0:
        raise ValueError("resamples >= 1 and confidence in (0, 1)")
    generator = numpy.random.default_rng(seed)
    draws: List[numpy.ndarray] = []
    for start in range(0, resamples, _CHUNK):
        count = min(_CHUNK, resamples - start)
        # Shape: (count, sentences)
        draws.append(statistic(generator.integers(0, sentences, size=(count, sentences))))
    tail = (1.0 - confidence) / 2 * 100
    low, high = numpy.percentile(numpy.concatenate(draws), [tail, 100 - tail])
    return float(low), float(high)


def f1_scores(gold: Sequence[str], predicted: Sequence[Sequence[str]], positive: str) -> List[float]:
    """Each run's F1 of the `positive` label (0 where it is never predicted nor gold)."""
    counts = (outcome.sum(axis=1) for outcome in _outcomes(gold, predicted, positive))
    return [float(value) for value in _f1(*counts)]


def paired_bootstrap_f1(
    gold: Sequence[str], a: Sequence[Sequence[str]], b: Sequence[Sequence[str]], positive: str,
    resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_BOOTSTRAP_SEED, confidence: float = 0.95,
) -> Tuple[float, float, float]:
    """
    `(difference, low, high)`: B's mean F1 of `positive` over its runs minus A's, and the
    paired bootstrap interval over sentences (each draw re-scores every run on the same
    resampled sentences; the F1 of a draw is computed from its counts, not averaged per sentence).
    """
    outcomes_a, outcomes_b = _outcomes(gold, a, positive), _outcomes(gold, b, positive)

    def statistic(indices: numpy.ndarray) -> numpy.ndarray:
        def mean_f1(outcomes: Tuple[numpy.ndarray, ...]) -> numpy.ndarray:
            # Each outcome (runs, sentences) -> counts (runs, draws) -> F1 averaged over runs (draws,)
            return _f1(*(outcome[:, indices].sum(axis=2) for outcome in outcomes)).mean(axis=0)

        return mean_f1(outcomes_b) - mean_f1(outcomes_a)

    difference = float(numpy.mean(f1_scores(gold, b, positive)) - numpy.mean(f1_scores(gold, a, positive)))
    low, high = bootstrap_interval(statistic, len(gold), resamples, seed, confidence)
    return difference, low, high


def _outcomes(gold: Sequence[str], predicted: Sequence[Sequence[str]], positive: str
              ) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """True positives, false positives and false negatives, each of shape (runs, sentences)."""
    # Shape: (sentences,) and (runs, sentences)
    truth = numpy.asarray(gold) == positive
    guess = numpy.asarray(predicted) == positive
    if guess.ndim != 2 or guess.shape[1] != truth.shape[0]:
        raise ValueError(f"{truth.shape[0]} gold labels, but predictions of shape {guess.shape}")
    return tuple(outcome.astype(numpy.int64) for outcome in (guess & truth, guess & ~truth, ~guess & truth))  # type: ignore


def _f1(true_positive: Any, false_positive: Any, false_negative: Any) -> numpy.ndarray:
    """F1 from counts of any shape, element-wise; 0 where it is undefined (no positive at all)."""
    tp, fp, fn = (numpy.asarray(x, dtype=numpy.float64) for x in (true_positive, false_positive, false_negative))
    denominator = 2 * tp + fp + fn
    return numpy.divide(2 * tp, denominator, out=numpy.zeros_like(denominator), where=denominator > 0)


def accuracies(table: Sequence[Sequence[int]]) -> List[float]:
    """Each run's accuracy."""
    return [float(value) for value in correctness_table(table).mean(axis=1)]

