#!/usr/bin/env python
"""The cross-validated word + character TF-IDF fitted on every tweet that is not held out, and its
answers on the held-out tweets as an `sst-compare` predictions file: `sst_elmo_lab.experiments.held_out`.

    SST_ELMO_DATA=../shared/data python scripts/tweets_held_out.py --out runs/tweets_held_out
"""
import sys

from sst_elmo_lab.experiments.held_out import main

if __name__ == "__main__":
    sys.exit(main())
