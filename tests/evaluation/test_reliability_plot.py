"""The reliability diagram, and the one-line error when matplotlib (the `lab` extra) is missing."""
import sys

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.evaluation.reliability_plot import PLOT_EXTRA, plot_reliability
from tests.evaluation.test_calibration import calibrated_answers


def test_the_reliability_diagram_is_a_png(tmp_path):
    confidence, correct = calibrated_answers(1_000)
    path = tmp_path / "reliability.png"
    sides = [("calibrated", confidence, correct), ("overconfident", confidence ** 0.2, correct)]
    plot_reliability(str(path), sides)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"



def test_without_matplotlib_a_plot_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ModuleNotFoundError
    path = tmp_path / "reliability.png"
    with pytest.raises(InputError) as error:
        plot_reliability(str(path), [("a", [0.9, 0.6], [1, 0])])
    assert "\n" not in str(error.value) and str(error.value).startswith(f"{path}: ")
    assert PLOT_EXTRA in str(error.value) and "sst_elmo[lab]" in PLOT_EXTRA
    assert not path.exists()
