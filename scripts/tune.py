#!/usr/bin/env python
"""Runs a tuning study to a fixed budget of trials with allennlp-optuna's `allennlp tune`,
resuming a stopped one: `sst_elmo_lab.grids.tuning` (see its doc and --help).

    python scripts/tune.py configs/sst2_lstm.jsonnet configs/tune/lstm_glove.json --trials 8 \
        --out runs/tune/sst2_lstm
"""
import sys

from sst_elmo_lab.grids.tuning import main

if __name__ == "__main__":
    sys.exit(main())
