"""The `expected_calibration_error` metric agrees with `sst_elmo.evaluation.calibration` and accumulates."""
import numpy
import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.training.metrics import Metric

from sst_elmo.evaluation.calibration import expected_calibration_error
from sst_elmo.metrics import ExpectedCalibrationError


def test_registered_under_its_own_name_with_its_bins():
    metric = Metric.from_params(Params({"type": "expected_calibration_error", "bins": 15}))
    assert isinstance(metric, ExpectedCalibrationError) and metric.bins == 15
    with pytest.raises(ConfigurationError):
        ExpectedCalibrationError(bins=0)


def test_batches_add_up_to_the_ece_of_all_answers():
    generator = torch.Generator().manual_seed(0)
    probs = torch.softmax(3 * torch.randn(40, 5, generator=generator), dim=-1)
    labels = torch.randint(0, 5, (40,), generator=generator)
    metric = ExpectedCalibrationError()
    assert metric.get_metric() == 0.0  # nothing seen
    for begin in range(0, 40, 16):
        metric(probs[begin : begin + 16], labels[begin : begin + 16])
    confidence, predicted = probs.max(dim=-1)
    expected = expected_calibration_error(confidence.numpy(), (predicted == labels).numpy())
    assert expected > 0
    assert metric.get_metric(reset=True) == pytest.approx(expected, abs=1e-12)
    assert metric.get_metric() == 0.0  # reset


def test_edge_cases_a_sure_answer_and_a_mask():
    metric = ExpectedCalibrationError(bins=10)
    sure = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.3, 0.7]])
    metric(sure, torch.tensor([0, 0, 1]), mask=torch.tensor([True, True, False]))
    # two answers at confidence 1.0 (the last bin), one right: |0.5 - 1.0| = 0.5; the masked one counts nothing
    assert metric.get_metric() == pytest.approx(0.5)
    metric(sure[:1].unsqueeze(0), torch.tensor([[0]]))  # (batch, ..., classes) shapes flatten
    assert metric.get_metric(reset=True) == pytest.approx(numpy.mean([0.0, 1.0, 0.0]))
    with pytest.raises(ConfigurationError):
        metric(sure, torch.tensor([[0, 0, 1]]))
