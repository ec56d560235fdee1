from typing import Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.nn.util import dist_reduce_sum
from allennlp.training.metrics.metric import Metric
from overrides import overrides

from sst_elmo.evaluation.calibration import DEFAULT_BINS, ece_from_bin_sums


@Metric.register("expected_calibration_error")
class ExpectedCalibrationError(Metric):
    """
    The expected calibration error of a classifier's probabilities: the answers' confidences
    (the probability of the predicted label) go into `bins` equal-width bins over [0, 1]
    (`floor(confidence * bins)`, a confidence of 1.0 in the last bin), and the ECE is the mean
    over answers of `|accuracy - mean confidence|` of their bin. Empty bins count nothing;
    with no answers it is 0.0. The formula and binning are `sst_elmo.evaluation.calibration`'s,
    which `allennlp sst-compare` and `allennlp sst-calibrate` use too.

    Registered as a `Metric` with name "expected_calibration_error".

    # Parameters

    bins : `int`, optional (default = `10`)
        The number of equal-width confidence bins.
    """

    supports_distributed = True

    def __init__(self, bins: int = DEFAULT_BINS) -> None:
        if bins < 1:
            raise ConfigurationError(f"expected_calibration_error needs at least 1 bin, not {bins}")
        self.bins = bins
        self.reset()

    @overrides
    def __call__(
        self, predictions: torch.Tensor, gold_labels: torch.Tensor, mask: Optional[torch.BoolTensor] = None
    ) -> None:
        """
        # Parameters

        predictions : `torch.Tensor`
            Probabilities, shape `(batch_size, ..., num_classes)`, each row summing to 1.
        gold_labels : `torch.Tensor`
            Gold label indices, shape `(batch_size, ...)`.
        mask : `torch.BoolTensor`, optional
            Which answers count, the shape of `gold_labels`.
        """
        predictions, gold_labels, mask = self.detach_tensors(predictions, gold_labels, mask)
        num_classes = predictions.size(-1)
        if gold_labels.dim() != predictions.dim() - 1:
            raise ConfigurationError(
                f"gold_labels must have one dimension fewer than predictions, not {tuple(gold_labels.shape)} "
                f"and {tuple(predictions.shape)}"
            )
        # Shape: (num_answers,)
        confidence, predicted = predictions.reshape(-1, num_classes).double().max(dim=-1)
        # Shape: (num_answers,)
        correct = predicted.eq(gold_labels.reshape(-1).long()).double()
        # Shape: (num_answers,)
        weight = torch.ones_like(correct) if mask is None else mask.reshape(-1).double()
        # Shape: (num_answers,)
        index = torch.clamp(torch.floor(confidence * self.bins), 0, self.bins - 1).long()
        for total, values in ((self._counts, weight), (self._confidence_sums, confidence * weight),
                              (self._correct_sums, correct * weight)):
            # Shape: (bins,)
            sums = torch.zeros(self.bins, dtype=torch.float64, device=values.device).index_add_(0, index, values)
            total += dist_reduce_sum(sums).cpu()

    @overrides
    def get_metric(self, reset: bool = False) -> float:
        """
        # Returns

        The expected calibration error of the answers seen since the last reset.
        """
        ece = ece_from_bin_sums(self._counts.numpy(), self._confidence_sums.numpy(), self._correct_sums.numpy())
        if reset:
            self.reset()
        return ece

    @overrides
    def reset(self) -> None:
        # Shape: (bins,) each: answers, their summed confidence, and how many were right, per bin
        self._counts = torch.zeros(self.bins, dtype=torch.float64)
        self._confidence_sums = torch.zeros(self.bins, dtype=torch.float64)
        self._correct_sums = torch.zeros(self.bins, dtype=torch.float64)
