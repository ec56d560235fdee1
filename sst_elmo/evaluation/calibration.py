"""
Are a classifier's probabilities honest? The calibration measures of `allennlp evaluate`
(`ece_10`), `allennlp sst-compare` and `allennlp sst-calibrate`:

- the expected calibration error (ECE; Naeini et al., AAAI 2015; Guo et al., ICML 2017): each
  answer's confidence is the probability of its predicted label (the top probability); the
  answers go into `bins` equal-width bins of confidence, `[i/B, (i+1)/B)` for `i < B - 1` and
  `[(B-1)/B, 1]` for the last (a confidence of exactly 1.0 counts in the last bin); the ECE is
  `sum over bins of (n_bin / n) * |accuracy_bin - mean confidence_bin|`. Empty bins count
  nothing; no answers at all give 0.0.
- temperature scaling (Guo et al., ICML 2017): one temperature `T > 0` for all labels, the
  probabilities `softmax(logits / T)`, `T` chosen to minimise the negative log-likelihood of
  held-out answers. The argmax, and so every label and the accuracy, does not change.
- the bins of a reliability diagram (`reliability_bins`; the diagram itself is
  `sst_elmo.evaluation.reliability_plot`).
"""
import math
from typing import Any, Dict, List, Sequence, Tuple

import numpy

DEFAULT_BINS = 10
# The temperatures `fit_temperature` searches between (a wider range means a degenerate fit).
TEMPERATURE_BOUNDS = (0.01, 100.0)


def bin_indices(confidences: Any, bins: int = DEFAULT_BINS) -> numpy.ndarray:
    """The bin of each confidence in [0, 1]: `floor(confidence * bins)`, 1.0 in the last bin."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    values = numpy.asarray(confidences, dtype=numpy.float64)
    return numpy.clip(numpy.floor(values * bins), 0, bins - 1).astype(numpy.int64)


def bin_sums(confidences: Any, correct: Any, bins: int = DEFAULT_BINS) -> Tuple[numpy.ndarray, ...]:
    """Per bin: the number of answers, the sum of their confidences and the number right."""
    confidences = numpy.asarray(confidences, dtype=numpy.float64)
    correct = numpy.asarray(correct, dtype=numpy.float64)
    if confidences.shape != correct.shape or confidences.ndim != 1:
        raise ValueError(f"one confidence per answer: shapes {confidences.shape} and {correct.shape}")
    index = bin_indices(confidences, bins)
    return (numpy.bincount(index, minlength=bins).astype(numpy.float64),
            numpy.bincount(index, weights=confidences, minlength=bins),
            numpy.bincount(index, weights=correct, minlength=bins))


def ece_from_bin_sums(counts: Sequence[float], confidence_sums: Sequence[float],
                      correct_sums: Sequence[float]) -> float:
    """The ECE from per-bin sums (`bin_sums`, or a metric's running totals)."""
    counts = numpy.asarray(counts, dtype=numpy.float64)
    total = counts.sum()
    if total <= 0:
        return 0.0
    gaps = numpy.abs(numpy.asarray(correct_sums, dtype=numpy.float64) - numpy.asarray(confidence_sums))
    return float(gaps.sum() / total)  # sum_b (n_b / n) |acc_b - conf_b| = sum_b |right_b - conf_sum_b| / n


def expected_calibration_error(confidences: Any, correct: Any, bins: int = DEFAULT_BINS) -> float:
    """The ECE of answers given with `confidences` (top probabilities), `correct` 1 or 0 each."""
    return ece_from_bin_sums(*bin_sums(confidences, correct, bins))


def reliability_bins(confidences: Any, correct: Any, bins: int = DEFAULT_BINS) -> List[Dict[str, Any]]:
    """Each bin's bounds, number of answers, mean confidence and accuracy (`None` when empty)."""
    counts, confidence_sums, correct_sums = bin_sums(confidences, correct, bins)
    return [{"lower": i / bins, "upper": (i + 1) / bins, "count": int(n),
             "confidence": float(c / n) if n else None, "accuracy": float(r / n) if n else None}
            for i, (n, c, r) in enumerate(zip(counts, confidence_sums, correct_sums))]


def softmax(logits: Any, temperature: float = 1.0) -> numpy.ndarray:
    """`softmax(logits / temperature)` over the last axis, in float64."""
    scaled = numpy.asarray(logits, dtype=numpy.float64) / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = numpy.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def negative_log_likelihood(logits: Any, labels: Any, temperature: float = 1.0) -> float:
    """The mean NLL of the gold `labels` (indices) under `softmax(logits / temperature)`."""
    scaled = numpy.asarray(logits, dtype=numpy.float64) / temperature
    top = scaled.max(axis=-1, keepdims=True)
    log_norm = (top + numpy.log(numpy.exp(scaled - top).sum(axis=-1, keepdims=True)))[:, 0]
    gold = scaled[numpy.arange(len(scaled)), numpy.asarray(labels, dtype=numpy.int64)]
    return float((log_norm - gold).mean())


def fit_temperature(logits: Any, labels: Any,
                    bounds: Tuple[float, float] = TEMPERATURE_BOUNDS) -> float:
    """
    The temperature in `bounds` that minimises `negative_log_likelihood(logits, labels, T)`.

    The NLL is convex in `1 / T`, hence has one minimum along `log T`: a bounded Brent search
    over `log T` (`scipy.optimize.minimize_scalar`) finds it, deterministically. With no
    interior minimum it goes to an end: to the smallest temperatures when every answer is right
    (there the NLL only falls as `T` does, until it rounds to 0), to the upper bound when the
    answers are no better than chance (`degenerate_fit` says so).
    """
    from scipy.optimize import minimize_scalar

    logits = numpy.asarray(logits, dtype=numpy.float64)
    labels = numpy.asarray(labels, dtype=numpy.int64)
    if logits.ndim != 2 or len(logits) != len(labels) or len(labels) == 0:
        raise ValueError(f"one row of logits per label: shapes {logits.shape} and {labels.shape}")
    low, high = math.log(bounds[0]), math.log(bounds[1])
    result = minimize_scalar(lambda log_t: negative_log_likelihood(logits, labels, math.exp(log_t)),
                             bounds=(low, high), method="bounded", options={"xatol": 1e-7})
    return float(math.exp(min(max(float(result.x), low), high)))


def degenerate_fit(temperature: float, accuracy: float, bounds: Tuple[float, float] = TEMPERATURE_BOUNDS) -> bool:
    """Whether a fitted temperature has no interior minimum behind it (every answer right, or at a bound)."""
    return accuracy >= 1.0 or temperature <= bounds[0] * 1.001 or temperature >= bounds[1] / 1.001


def calibration_summary(logits: Any, labels: Any, temperature: float = 1.0,
                        bins: int = DEFAULT_BINS) -> Dict[str, float]:
    """Accuracy, mean confidence, NLL and ECE of `softmax(logits / temperature)` against `labels`."""
    probs = softmax(logits, temperature)
    labels = numpy.asarray(labels, dtype=numpy.int64)
    correct = (probs.argmax(axis=-1) == labels).astype(numpy.float64)
    confidence = probs.max(axis=-1)
    return {"accuracy": float(correct.mean()), "mean_confidence": float(confidence.mean()),
            "nll": negative_log_likelihood(logits, labels, temperature),
            f"ece_{bins}": expected_calibration_error(confidence, correct, bins)}
