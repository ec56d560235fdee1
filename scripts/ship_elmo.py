#!/usr/bin/env python
"""Ships a pre-trained ELMo as models/elmo-NAME (float16 weights, vocab, model card):
`sst_elmo_lab.shipping.ship_elmo` (see its doc).

    .venv/bin/python scripts/ship_elmo.py RUN_DIR imdb --machine "2-core AMD EPYC (Zen 4) CPU"
"""
import sys

import sst_elmo  # noqa: F401  (registers the plugin; MKL's fast path on AMD)
from sst_elmo_lab.shipping.ship_elmo import main

if __name__ == "__main__":
    sys.exit(main())
