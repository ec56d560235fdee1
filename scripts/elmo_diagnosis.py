#!/usr/bin/env python
"""Where an ELMo's effect on SST-2 comes from: `sst_elmo.experiments.diagnosis` (see its doc).

    .venv/bin/python scripts/elmo_diagnosis.py --elmo models/elmo-imdb-512_128 --out runs/diagnosis
"""
import sys

import sst_elmo  # noqa: F401  (registers the plugin; MKL's fast path on AMD)
from sst_elmo.experiments.diagnosis import main

if __name__ == "__main__":
    sys.exit(main())
