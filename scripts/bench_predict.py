#!/usr/bin/env python
"""
Prediction speed of `allennlp predict` and `allennlp sst-predict` on the same sentences, side by
side, for an LSTM and two frozen-ELMo models: `sst_elmo_lab.benchmarks.predict_speed` (see --help).
Speed only, no assertions.

    .venv/bin/python scripts/bench_predict.py --threads 1
"""
from sst_elmo_lab.benchmarks.predict_speed import main

if __name__ == "__main__":
    main()
