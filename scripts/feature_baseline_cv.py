"""Cross-validated tweets baselines: ELMo sentence vectors (several layer and pooling choices) and
TF-IDF, each + logistic regression with C chosen inside the training folds; mean ± sd over folds.

    SST_ELMO_DATA=../shared/data python scripts/feature_baseline_cv.py \\
        --elmo tweets=models/elmo-tweets --elmo imdb=models/elmo-imdb --out runs/feature_baseline_cv

Writes OUT/feature_baseline_cv.json and .md after every row. Every layer's vectors are cached in
--cache-dir (`elmo-embed --output all`, keyed by the checksums of the data and the biLM).
"""
import sys

from sst_elmo_lab.experiments.feature_cv import main

if __name__ == "__main__":
    sys.exit(main())
