#!/usr/bin/env python
"""Calibrates a shipped classifier (models/NAME) in place: temperature scaling on its validation
set, the archive replaced only if no answer changes, the card's calibration section written:
`sst_elmo_lab.shipping.ship_classifier.calibrate_shipped` (see its doc).

    .venv/bin/python scripts/calibrate_shipped.py sst2
"""
import sys

import sst_elmo  # noqa: F401  (registers the plugin; MKL's fast path on AMD)
from sst_elmo_lab.shipping.ship_classifier import calibrate_main

if __name__ == "__main__":
    sys.exit(calibrate_main())
