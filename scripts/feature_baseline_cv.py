"""Cross-validated tweets baselines: ELMo sentence vectors (several layer and pooling choices) and
TF-IDF, each + logistic regression with C chosen inside the training folds; mean ± sd over folds.

    SST_ELMO_DATA=../shared/data python scripts/feature_baseline_cv.py \\
        --elmo tweets=models/elmo-tweets --elmo imdb=models/elmo-imdb --out runs/feature_baseline_cv

Writes OUT/feature_baseline_cv.json and .md after every row. Every layer's vectors are cached in
--cache-dir (`elmo-embed --output all`, keyed by the checksums of the data and the biLM).
"""
import argparse
import json
import os
import sys

from sst_elmo.common.file_utils import atomic_write
from sst_elmo.experiments import feature_cv as cv


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="See the module docstring.")
    data_root = os.environ.get("SST_ELMO_DATA") or "data"
    parser.add_argument("--data", default=os.path.join(data_root, "tweets", "train.csv"),
                        help="the labelled tweets (default $SST_ELMO_DATA/tweets/train.csv)")
    parser.add_argument("--elmo", action="append", default=[], metavar="NAME=DIR",
                        help="a biLM directory with options.json and weights.hdf5 (repeatable)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="seeds the outer and inner folds (default 0)")
    parser.add_argument("--cache-dir", default="runs/feature_baseline_cv/cache")
    parser.add_argument("--out", default="runs/feature_baseline_cv")
    parser.add_argument("--only", action="append", help="score only this variant (repeatable; default all)")
    parser.add_argument("--class-weights", nargs="+", default=["1", "balanced"],
                        help="label-1 weights the inner CV chooses from: numbers (1: none) or 'balanced'")
    args = parser.parse_args(argv)
    data = cv.read_labelled(args.data)
    elmos = cv.embed_elmos(args.data, args.elmo, args.cache_dir)

    def save(result) -> None:
        atomic_write(os.path.join(args.out, "feature_baseline_cv.json"), json.dumps(result, indent=2))
        atomic_write(os.path.join(args.out, "feature_baseline_cv.md"), cv.markdown_cv(result))

    result = cv.run_cross_validation(data, elmos, folds=args.folds, seed=args.seed, only=args.only, on_row=save,
                                     class_weights=cv.positive_weights(args.class_weights))
    print(cv.markdown_cv(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
