"""
The tweets baseline on rows that nothing has seen: the cross-validated TF-IDF of
`feature_cv` (word uni-/bigrams beside character 2-5-grams, `C` and the class weighting
chosen by inner cross-validation) fitted on every row that is not held out, and its answers
on the held-out rows written as an `sst-compare` predictions file, so that it can be compared
with `tweets_elmo` archives trained on the same rows:

    python scripts/tweets_held_out.py --out runs/tweets_held_out
    allennlp sst-compare runs/tweets_held_out/tfidf.jsonl runs/tuned/tweets_held_out/runs \\
        ../shared/data/tweets/train.csv --positive-label 1 \\
        --overrides '{"validation_dataset_reader.split": "held_out"}'

The rows are read with the config's own validation reader (its cleaning and tokenizer), with
`split_seed` and `held_out_seed` set as in `configs/grids/tweets_held_out.json`: the held-out
rows are the default split's validation rows, which neither the classifier's training, its
early stopping, nor the adaptation of `elmo-tweets` read. The baseline learns from all the
other rows (the classifier leaves its early-stopping rows out of training, so the baseline
sees more labelled rows than the classifier does).
"""
import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy

from sst_elmo.common.file_utils import atomic_write
from sst_elmo.evaluation.predictions import write_predictions
from sst_elmo.evaluation.significance import f1_scores
from sst_elmo_lab.experiments.feature_cv import WORDS_AND_CHARACTERS, tfidf_model
from sst_elmo_lab.grids.grid import evaluate_config

DEFAULT_CONFIG = "configs/tweets_elmo.jsonnet"
DEFAULT_SPLIT_SEED = "split2"
DEFAULT_HELD_OUT_SEED = "sst_elmo"
POSITIVE_LABEL = "1"

Rows = List[Tuple[Tuple[str, ...], str]]


def read_rows(config: Dict[str, Any], data_path: str, split: Optional[str], split_seed: str,
              held_out_seed: str) -> Rows:
    """`(tokens, label)` of each row the config's validation reader reads with this split."""
    from allennlp.common.params import Params
    from allennlp.data import DatasetReader

    params = {**config["validation_dataset_reader"], "split": split, "split_seed": split_seed,
              "held_out_seed": held_out_seed}
    params.pop("max_instances", None)
    reader = DatasetReader.from_params(Params(params))
    return [(tuple(token.text for token in instance["tokens"].tokens), instance["label"].label)
            for instance in reader.read(data_path)]


def fit_and_predict(train: Rows, test: Rows, seed: int = 0) -> Tuple[List[str], Dict[str, Any]]:
    """The inner-CV-tuned TF-IDF fitted on `train`; its labels for `test` and what it chose."""
    def texts(rows: Rows) -> List[str]:
        return [" ".join(tokens) for tokens, _ in rows]

    labels = numpy.array([int(label == POSITIVE_LABEL) for _, label in train])
    model = tfidf_model(WORDS_AND_CHARACTERS, seed=seed).fit(texts(train), labels)
    negative = next(label for _, label in train if label != POSITIVE_LABEL)
    predicted = [POSITIVE_LABEL if value == 1 else negative for value in model.predict(texts(test))]
    return predicted, {**model.best_params_, "inner_f1": model.inner_f1_}


def held_out_baseline(config_path: str, out_dir: str, data_path: Optional[str] = None,
                      split_seed: str = DEFAULT_SPLIT_SEED, held_out_seed: str = DEFAULT_HELD_OUT_SEED,
                      seed: int = 0) -> Dict[str, Any]:
    """Writes OUT/tfidf.jsonl (the held-out answers) and OUT/tfidf.json (counts, choice, F1)."""
    config = evaluate_config(config_path, os.environ)
    data_path = data_path or config["validation_data_path"]
    train = read_rows(config, data_path, None, split_seed, held_out_seed)
    test = read_rows(config, data_path, "held_out", split_seed, held_out_seed)
    predicted, chosen = fit_and_predict(train, test, seed)
    gold = [label for _, label in test]
    os.makedirs(out_dir, exist_ok=True)
    write_predictions(os.path.join(out_dir, "tfidf.jsonl"),
                      [(tokens, label, guess) for (tokens, label), guess in zip(test, predicted)])
    summary = {
        "config": config_path, "data": data_path, "split_seed": split_seed, "held_out_seed": held_out_seed,
        "features": "TF-IDF words 1-2 + characters 2-5, sublinear tf", "training_rows": len(train),
        "held_out_rows": len(test), "held_out_positive": gold.count(POSITIVE_LABEL), "chosen": chosen,
        "held_out_f1": f1_scores(gold, [predicted], POSITIVE_LABEL)[0],
        "held_out_accuracy": float(numpy.mean([g == p for g, p in zip(gold, predicted)])),
    }
    atomic_write(os.path.join(out_dir, "tfidf.json"), json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module docstring.")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"whose reader reads the rows ({DEFAULT_CONFIG})")
    parser.add_argument("--data", help="the labelled CSV (default: the config's validation_data_path)")
    parser.add_argument("--split-seed", default=DEFAULT_SPLIT_SEED)
    parser.add_argument("--held-out-seed", default=DEFAULT_HELD_OUT_SEED)
    parser.add_argument("--seed", type=int, default=0, help="the inner cross-validation's seed")
    parser.add_argument("--out", required=True, help="output directory")
    args = parser.parse_args(argv)
    summary = held_out_baseline(args.config, args.out, args.data, args.split_seed, args.held_out_seed, args.seed)
    print(json.dumps(summary, indent=2))
    print(f"wrote {os.path.join(args.out, 'tfidf.jsonl')}", file=sys.stderr)
    return 0
