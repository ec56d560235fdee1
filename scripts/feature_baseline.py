"""The ELMo feature-extraction tutorial's baseline on the tweets: mean-pooled ELMo vectors ->
logistic regression, scored on the `tweets_elmo` config's validation split by F1 of label 1,
precision, recall and accuracy, beside an `lstm_classifier` run of that config.

    SST_ELMO_DATA=../shared/data python scripts/feature_baseline.py \\
        --elmo-options options.json --elmo-weights weights.hdf5 \\
        --lstm-dir runs/tweets_elmo [--train-lstm] --out runs/feature_baseline

--lstm-dir takes several runs (e.g. seeds): the table then gives their mean ± sd.

Writes OUT/feature_baseline.json and OUT/feature_baseline.md. The vectors are cached in
--cache-dir by the checksums of the data and the biLM files.
"""
import sys

from sst_elmo_lab.experiments.feature_baseline import main

if __name__ == "__main__":
    sys.exit(main())
