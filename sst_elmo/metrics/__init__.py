"""AllenNLP `Metric`s that `sst_elmo` adds (registered on import)."""
from sst_elmo.metrics.expected_calibration_error import ExpectedCalibrationError
