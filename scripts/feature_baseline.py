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
import argparse
import json
import logging
import os
import sys

import sst_elmo  # noqa: F401 - registers the readers; defaults for SST_ELMO_* variables
from sst_elmo.common.file_utils import atomic_write
from sst_elmo.experiments.feature_baseline import markdown, run_feature_baseline


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="See the module docstring.")
    parser.add_argument("--elmo-options", default=os.environ.get("SST_ELMO_OPTIONS") or None,
                        help="ELMo options.json (default: $SST_ELMO_OPTIONS)")
    parser.add_argument("--elmo-weights", default=os.environ.get("SST_ELMO_WEIGHTS") or None,
                        help="ELMo weights .hdf5 (default: $SST_ELMO_WEIGHTS)")
    parser.add_argument("--config", default="configs/tweets_elmo.jsonnet",
                        help="the tweets config whose split and cleaning are used (default %(default)s)")
    parser.add_argument("--out", default="runs/feature_baseline", help="output directory (default %(default)s)")
    parser.add_argument("--cache-dir", default="cache/feature_baseline", help="ELMo vectors (default %(default)s)")
    parser.add_argument("--lstm-dir", nargs="+", action="extend", default=[],
                        help="serialization directories of lstm_classifier runs of --config "
                             "(several: their mean ± sd)")
    parser.add_argument("--train-lstm", action="store_true",
                        help="train --config into --lstm-dir first (skipped if it has metrics.json)")
    parser.add_argument("--lstm-overrides", default="{}", help="JSON overrides for --train-lstm")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength (default 1.0)")
    parser.add_argument("--class-weight", choices=["balanced"],
                        help="weigh the classes (default: none, as in the tutorial)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64, help="ELMo batch size (default 64)")
    args = parser.parse_args(argv)
    if not (args.elmo_options and args.elmo_weights):
        parser.error("give --elmo-options and --elmo-weights (or set SST_ELMO_OPTIONS and SST_ELMO_WEIGHTS)")
    if args.train_lstm and len(args.lstm_dir) != 1:
        parser.error("--train-lstm needs exactly one --lstm-dir")
    env = dict(os.environ, SST_ELMO_OPTIONS=args.elmo_options, SST_ELMO_WEIGHTS=args.elmo_weights)
    result = run_feature_baseline(
        args.config, args.elmo_options, args.elmo_weights, args.cache_dir, env, lstm_dirs=args.lstm_dir,
        train=args.train_lstm, lstm_overrides=json.loads(args.lstm_overrides), c=args.C,
        class_weight=args.class_weight, seed=args.seed, batch_size=args.batch_size,
    )
    table = markdown(result)
    atomic_write(os.path.join(args.out, "feature_baseline.json"), json.dumps(result, indent=2))
    atomic_write(os.path.join(args.out, "feature_baseline.md"), table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
