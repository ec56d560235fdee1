"""The calibration identities: ECE binning, temperature scaling and its fit."""
import numpy
import pytest

from sst_elmo.evaluation.calibration import (
    TEMPERATURE_BOUNDS,
    bin_indices,
    calibration_summary,
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    reliability_bins,
    softmax,
)


def draw_labels(rng, probs):
    """One label per row, drawn with that row's probabilities."""
    return (rng.uniform(size=(len(probs), 1)) > probs.cumsum(axis=1)).sum(axis=1)


def calibrated_answers(n: int, seed: int = 0):
    """Answers whose confidence is exactly their chance of being right, drawn at random."""
    rng = numpy.random.default_rng(seed)
    confidence = rng.uniform(0.5, 1.0, n)
    return confidence, (rng.uniform(size=n) < confidence).astype(int)


def test_a_perfectly_calibrated_set_has_an_ece_near_zero():
    confidence, correct = calibrated_answers(200_000)
    assert expected_calibration_error(confidence, correct) < 0.005


def test_an_overconfident_set_has_an_ece_of_its_gap():
    confidence, correct = calibrated_answers(200_000)
    overconfident = numpy.minimum(confidence + 0.1, 1.0)  # 10 points more sure than right
    ece = expected_calibration_error(overconfident, correct)
    assert 0.07 < ece < 0.11


def test_ece_by_hand_with_empty_bins():
    # bin 5: 0.55 and 0.55, one right (acc 0.5, conf 0.55); bin 9: 0.95, right (acc 1, conf 0.95)
    confidence, correct = [0.55, 0.55, 0.95], [1, 0, 1]
    assert expected_calibration_error(confidence, correct) == pytest.approx((2 * 0.05 + 1 * 0.05) / 3)
    rows = reliability_bins(confidence, correct)
    assert [row["count"] for row in rows] == [0, 0, 0, 0, 0, 2, 0, 0, 0, 1]
    assert rows[0]["accuracy"] is None and rows[0]["confidence"] is None  # empty bins: nothing to say
    assert rows[5] == {"lower": 0.5, "upper": 0.6, "count": 2, "confidence": pytest.approx(0.55), "accuracy": 0.5}


def test_bin_edges_and_a_probability_of_exactly_one():
    assert list(bin_indices([0.0, 0.1, 0.5, 0.95, 0.999999, 1.0])) == [0, 1, 5, 9, 9, 9]
    assert list(bin_indices([1.0, 0.5], bins=1)) == [0, 0]
    assert expected_calibration_error([1.0, 1.0], [1, 1]) == 0.0  # sure and right
    assert expected_calibration_error([1.0, 1.0], [1, 0]) == pytest.approx(0.5)
    assert expected_calibration_error([], []) == 0.0  # nothing to judge
    with pytest.raises(ValueError):
        bin_indices([0.5], bins=0)
    with pytest.raises(ValueError):
        expected_calibration_error([0.5, 0.6], [1])


def test_a_temperature_of_one_changes_no_probability_and_none_changes_the_argmax():
    logits = numpy.random.default_rng(1).normal(size=(50, 5)) * 3
    plain = numpy.exp(logits) / numpy.exp(logits).sum(axis=1, keepdims=True)
    assert numpy.array_equal(softmax(logits, 1.0), softmax(logits))
    assert numpy.allclose(softmax(logits, 1.0), plain)
    for temperature in (0.3, 2.0, 50.0):
        assert numpy.array_equal(softmax(logits, temperature).argmax(axis=1), logits.argmax(axis=1))


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 2.5])
def test_the_fit_recovers_the_temperature_that_made_the_labels(true_temperature):
    rng = numpy.random.default_rng(7)
    logits = rng.normal(size=(20_000, 3)) * 4
    probs = softmax(logits, true_temperature)
    labels = draw_labels(rng, probs)
    fitted = fit_temperature(logits, labels)
    assert fitted == pytest.approx(true_temperature, rel=0.05)
    assert fit_temperature(logits, labels) == fitted  # deterministic
    best = negative_log_likelihood(logits, labels, fitted)
    for other in (fitted * 0.9, fitted * 1.1):
        assert negative_log_likelihood(logits, labels, other) > best


def test_fitting_lowers_the_ece_of_overconfident_logits():
    rng = numpy.random.default_rng(3)
    logits = rng.normal(size=(5_000, 2)) * 2
    labels = draw_labels(rng, softmax(logits, 1.0))
    overconfident = logits * 3  # the same answers, three times as sure
    fitted = fit_temperature(overconfident, labels)
    before, after = calibration_summary(overconfident, labels), calibration_summary(overconfident, labels, fitted)
    assert fitted == pytest.approx(3.0, rel=0.1)
    assert after["accuracy"] == before["accuracy"]
    assert after["ece_10"] < 0.03 < before["ece_10"]
    assert after["nll"] < before["nll"]


def test_data_with_no_interior_minimum_goes_to_the_ends():
    logits = numpy.array([[5.0, -5.0], [-5.0, 5.0]] * 10)
    fitted = fit_temperature(logits, [0, 1] * 10)  # every answer right: the surer the better
    assert TEMPERATURE_BOUNDS[0] <= fitted < 0.2 and negative_log_likelihood(logits, [0, 1] * 10, fitted) < 1e-12
    coin = fit_temperature(logits, [0, 1, 1, 0] * 5)  # half right, half wrong: the less sure the better
    assert coin == pytest.approx(TEMPERATURE_BOUNDS[1], rel=1e-3)
    with pytest.raises(ValueError):
        fit_temperature(logits, [0, 1])
