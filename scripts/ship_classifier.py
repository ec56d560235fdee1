#!/usr/bin/env python
"""Ships a trained classifier as models/NAME (archive with portable ELMo paths, model card):
`sst_elmo_lab.shipping.ship_classifier` (see its doc).

    .venv/bin/python scripts/ship_classifier.py runs/ship/sst2 sst2 --description "..." --command "..."
"""
import sys

import sst_elmo  # noqa: F401  (registers the plugin; MKL's fast path on AMD)
from sst_elmo_lab.shipping.ship_classifier import main

if __name__ == "__main__":
    sys.exit(main())
