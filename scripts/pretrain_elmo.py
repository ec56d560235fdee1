#!/usr/bin/env python
"""
Pre-trains the project's own ELMo and measures it: train (or --recover an interrupted run, or
archive a stopped one with --best-so-far), export, held-out perplexity, report. See
`scripts/sst_elmo_lab/shipping/pretrain.py` and docs/own-elmo.md.

    SST_ELMO_DATA=../shared/data .venv/bin/python scripts/pretrain_elmo.py [--config C] [--run-dir R]
"""
import os
import sys

from sst_elmo_lab.shipping.pretrain import main

if __name__ == "__main__":
    sys.exit(main(project=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
