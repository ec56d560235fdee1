#!/usr/bin/env python
"""A linear probe of an ELMo (or a pre-training checkpoint) on SST-2: `sst_elmo_lab.experiments.probe`.

    .venv/bin/python scripts/probe_elmo.py --elmo models/elmo-imdb --control
    .venv/bin/python scripts/probe_elmo.py --checkpoint RUN_DIR model_state_e0_b1522.th --control
"""
import sys

import sst_elmo  # noqa: F401  (registers the plugin; MKL's fast path on AMD)
from sst_elmo_lab.experiments.probe import main

if __name__ == "__main__":
    sys.exit(main())
