"""
The reliability diagram of `allennlp sst-compare --reliability-plot` and `allennlp
sst-calibrate --plot`: accuracy against confidence per bin, as a PNG.

matplotlib (the `lab` extra) is imported on the first plot only, with the Agg backend: the
plugin imports every module of the package, and a user who never draws a plot need not
install it. Without it, asking for a plot is a one-line error naming the extra to install.
"""
from typing import Any, Optional, Sequence, Tuple

import numpy

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file
from sst_elmo.evaluation.calibration import DEFAULT_BINS, expected_calibration_error, reliability_bins

# What to install for plots: matplotlib comes with the package's `lab` extra.
PLOT_EXTRA = "pip install 'sst_elmo[lab]'"


def pyplot(path: str) -> Any:
    """
    `matplotlib.pyplot` with the Agg backend, for a plot to be written to `path`; an `InputError`
    naming `path` and `PLOT_EXTRA` when matplotlib is not installed.
    """
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise InputError(f"drawing a plot needs matplotlib, which is not installed: {PLOT_EXTRA}", path) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_reliability(path: str, sides: Sequence[Tuple[str, Any, Any]], bins: int = DEFAULT_BINS,
                     title: Optional[str] = None) -> None:
    """
    Writes a reliability diagram to `path` (a PNG): for each `(name, confidences, correct)`
    side, each non-empty bin's accuracy at its mean confidence, the diagonal (perfect
    calibration), the ECE in the legend, and the share of answers per bin beneath.
    """
    plt = pyplot(path)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(5.5, 6.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfectly calibrated")
    width = 1.0 / (bins * (len(sides) + 1))
    for number, (name, confidences, correct) in enumerate(sides):
        rows = [row for row in reliability_bins(confidences, correct, bins) if row["count"]]
        ece = expected_calibration_error(confidences, correct, bins)
        top.plot([row["confidence"] for row in rows], [row["accuracy"] for row in rows], marker="o",
                 label=f"{name}: ECE {ece:.4f}")
        total = max(len(numpy.asarray(correct)), 1)
        bottom.bar([row["lower"] + (number + 0.5) * width for row in rows],
                   [row["count"] / total for row in rows], width=width, align="edge", label=name)
    top.set_ylabel("accuracy")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.legend(loc="upper left", fontsize="small")
    top.set_title(title or f"Reliability ({bins} equal-width bins of the top probability)", fontsize="medium")
    bottom.set_xlabel("confidence (probability of the predicted label)")
    bottom.set_ylabel("share of answers")
    figure.tight_layout()
    with atomic_file(path, "wb") as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)
