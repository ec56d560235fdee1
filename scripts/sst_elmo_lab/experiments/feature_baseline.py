"""
The ELMo feature-extraction tutorial's baseline: one mean-pooled ELMo vector per tweet
(`allennlp elmo-embed --output mean-pooled`, with the `tweets_csv` cleaning), then a
scikit-learn logistic regression, beside a TF-IDF (word uni- and bigrams of the same cleaned
text) + logistic regression baseline with no ELMo, scored on the same fixed validation split of `train.csv`
that the `tweets_elmo` config validates on, by F1 of the positive label (the contest
metric), precision, recall and accuracy.

The split and the columns are read from the config's readers (`split`,
`validation_fraction`, `split_seed`, `id_column`), and rows are assigned with the readers'
own `in_split`, so the two models are scored on the same tweets.
"""
import argparse
import inspect
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

import h5py
import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.common.params import Params
from allennlp.data import DatasetReader

from sst_elmo.common.file_utils import METRICS_NAME, atomic_write, csv_with_header, file_sha256, final_metrics
from sst_elmo.common.launch import run_logged, train_command
from sst_elmo.dataset_readers.tweets_csv import CLEANING_STEPS, TweetsCsvReader, clean_tweet
from sst_elmo.elmo.embedding.embedding_writer import embed_file
from sst_elmo.evaluation.significance import mean_sd
from sst_elmo_lab.grids.grid import evaluate_config

LSTM_METRICS = {
    "positive_f1": "best_validation_positive_f1",
    "positive_precision": "best_validation_positive_precision",
    "positive_recall": "best_validation_positive_recall",
    "accuracy": "best_validation_accuracy",
}


def _default(name: str) -> Any:
    return inspect.signature(TweetsCsvReader.__init__).parameters[name].default


@dataclass
class TweetRow:
    """One labelled tweet: its key in `elmo-embed`'s output (0-based line index) and label."""

    index: int
    label: str
    validation: bool


@dataclass
class SplitSetup:
    """What the config says about the data: the file, the columns and the two readers."""

    path: str
    text_column: str
    label_column: str
    id_column: str
    positive_label: str
    train_reader: TweetsCsvReader
    validation_reader: TweetsCsvReader


def split_setup(config: Mapping[str, Any]) -> SplitSetup:
    """
    The data file, columns and split readers of an evaluated tweets config. Raises
    `ConfigurationError` unless the config trains and validates on two `tweets_csv` splits
    of one file with the tutorial's cleaning (what `elmo-embed --clean-tweets` applies).
    """
    train, validation = config["dataset_reader"], config.get("validation_dataset_reader", {})
    for key, reader in (("dataset_reader", train), ("validation_dataset_reader", validation)):
        if reader.get("type") != "tweets_csv":
            raise ConfigurationError(f"{key}.type must be 'tweets_csv', not {reader.get('type')!r}")
        for step in CLEANING_STEPS:
            if reader.get(step, True) is not True:
                raise ConfigurationError(f"{key}.{step}: the feature baseline cleans with every step on")
    if (train.get("split"), validation.get("split")) != ("train", "validation"):
        raise ConfigurationError("the config must train on split 'train' and validate on split 'validation'")
    if config["train_data_path"] != config["validation_data_path"]:
        raise ConfigurationError("train_data_path and validation_data_path must be the same file")

    def reader(params: Mapping[str, Any]) -> TweetsCsvReader:
        params = {key: value for key, value in params.items() if key not in ("token_indexers", "max_instances")}
        return DatasetReader.from_params(Params(params))

    return SplitSetup(
        path=config["train_data_path"],
        text_column=train.get("text_column", _default("text_column")),
        label_column=train.get("label_column", _default("label_column")),
        id_column=train.get("id_column", _default("id_column")),
        positive_label=str(config["model"].get("positive_label") or "1"),
        train_reader=reader(train),
        validation_reader=reader(validation),
    )


def labelled_rows(setup: SplitSetup) -> List[TweetRow]:
    """Every row of the file with its label and split, keyed as the readers key them."""
    _, records = csv_with_header(setup.path, required_columns=[setup.text_column, setup.label_column])
    rows = []
    for line_number, row in records:
        key = row.get(setup.id_column) or line_number
        validation = setup.validation_reader.in_split(key)
        if validation == setup.train_reader.in_split(key):
            raise ConfigurationError(f"{setup.path}:{line_number}: the row is in both or neither split")
        rows.append(TweetRow(line_number - 1, row[setup.label_column].strip(), validation))
    return rows


def embed(setup: SplitSetup, options: str, weights: str, cache_dir: str, batch_size: int = 64) -> str:
    """Mean-pooled ELMo vectors of every tweet (cached by input and biLM checksums); returns the HDF5 path."""
    digest = "-".join(file_sha256(path)[:12] for path in (setup.path, options, weights))
    output = os.path.join(cache_dir, f"tweets-mean-pooled-{digest}.hdf5")
    if not os.path.exists(output):
        embed_file(setup.path, output, options, weights, input_format="csv", column=setup.text_column,
                   output_mode="mean-pooled", batch_size=batch_size, clean_tweets=True)
    return output


def scores(gold: List[str], predicted: List[str], positive_label: str) -> Dict[str, float]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        gold, predicted, labels=[positive_label], average=None, zero_division=0
    )
    return {
        "positive_f1": float(f1[0]),
        "positive_precision": float(precision[0]),
        "positive_recall": float(recall[0]),
        "accuracy": float(accuracy_score(gold, predicted)),
    }


def _fit_and_score(
    features: Any, rows: List[TweetRow], positive_label: str, c: float, class_weight: Optional[str], seed: int
) -> Dict[str, Any]:
    """A logistic regression fitted on the training rows' features, scored on the validation rows."""
    from sklearn.linear_model import LogisticRegression

    train = [i for i, row in enumerate(rows) if not row.validation]
    validation = [i for i, row in enumerate(rows) if row.validation]
    labels = [row.label for row in rows]
    model = LogisticRegression(C=c, class_weight=class_weight, max_iter=2000, random_state=seed)
    model.fit(features[train], [labels[i] for i in train])
    predicted = list(model.predict(features[validation]))
    return {
        "train_rows": len(train),
        "validation_rows": len(validation),
        "validation_positive_rows": sum(labels[i] == positive_label for i in validation),
        "features_dim": int(features.shape[1]),
        "C": c,
        "class_weight": class_weight,
        **scores([labels[i] for i in validation], predicted, positive_label),
    }


def fit_and_score(
    rows: List[TweetRow], vectors_path: str, positive_label: str, c: float = 1.0,
    class_weight: Optional[str] = None, seed: int = 0,
) -> Dict[str, Any]:
    """Fits the logistic regression on the training rows' vectors and scores it on the validation rows."""
    with h5py.File(vectors_path, "r") as vectors:
        # Shape: (num_rows, dim)
        features = numpy.stack([vectors[str(row.index)][...] for row in rows])
    result = _fit_and_score(features, rows, positive_label, c, class_weight, seed)
    return {"model": "mean-pooled ELMo + logistic regression", **result}


def tfidf_fit_and_score(
    setup: SplitSetup, rows: List[TweetRow], c: float = 1.0, class_weight: Optional[str] = None, seed: int = 0
) -> Dict[str, Any]:
    """
    The no-ELMo baseline: TF-IDF of word uni- and bigrams of the cleaned tweets (the vocabulary
    and document frequencies from the training rows only) + the same logistic regression.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    _, records = csv_with_header(setup.path, required_columns=[setup.text_column])
    texts = [clean_tweet(row[setup.text_column]) for _, row in records]
    if len(texts) != len(rows):
        raise ConfigurationError(f"{setup.path}: {len(texts)} texts for {len(rows)} labelled rows")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    vectorizer.fit([text for text, row in zip(texts, rows) if not row.validation])
    features = vectorizer.transform(texts).tocsr()
    result = _fit_and_score(features, rows, setup.positive_label, c, class_weight, seed)
    return {"model": "TF-IDF (words, bigrams) + logistic regression", **result}


def lstm_metrics(serialization_dir: str) -> Dict[str, Any]:
    """The best-epoch validation metrics of an `lstm_classifier` run's `metrics.json`."""
    path = os.path.join(serialization_dir, METRICS_NAME)
    if not os.path.isfile(path):
        raise ConfigurationError(f"{path}: not found (has the lstm_classifier run finished?)")
    metrics = final_metrics(serialization_dir)
    missing = [key for key in LSTM_METRICS.values() if key not in metrics]
    if missing:
        raise ConfigurationError(f"{path}: no {', '.join(missing)} (is positive_label set in the config?)")
    return {"model": "lstm_classifier (configs)", "serialization_dir": serialization_dir,
            "best_epoch": metrics.get("best_epoch"),
            **{name: metrics[key] for name, key in LSTM_METRICS.items()}}


def train_lstm(config: str, serialization_dir: str, overrides: Mapping[str, Any], env: Mapping[str, str]) -> None:
    """Trains the config with `allennlp train` (log in `serialization_dir.log`) unless it has `metrics.json`."""
    if os.path.exists(os.path.join(serialization_dir, "metrics.json")):
        return
    command = train_command(config, serialization_dir, overrides, force=os.path.exists(serialization_dir))
    returncode = run_logged(command, serialization_dir.rstrip("/") + ".log", env)
    if returncode != 0:
        raise RuntimeError(f"allennlp train failed ({returncode}); see {serialization_dir.rstrip('/')}.log")


def lstm_runs_metrics(serialization_dirs: Sequence[str]) -> Dict[str, Any]:
    """
    One table row for `lstm_classifier` runs of the config (seeds): each metric's mean over the
    runs, its sample standard deviation in `{metric}_sd` (with two runs or more), and every
    run's own metrics in `runs`.
    """
    runs = [lstm_metrics(directory) for directory in serialization_dirs]
    if len(runs) == 1:
        return runs[0]
    row: Dict[str, Any] = {"model": f"lstm_classifier (configs), {len(runs)} runs", "runs": runs}
    for name in LSTM_METRICS:
        row[name], row[f"{name}_sd"] = mean_sd([run[name] for run in runs])
    return row


def markdown(result: Dict[str, Any]) -> str:
    """The comparison table of `run_feature_baseline`'s result (mean ± sd for repeated runs)."""
    lines = [
        f"Validation: {result['validation_rows']} tweets of `{result['data']}` (the `{result['config']}` split), "
        f"{result['validation_positive_rows']} with label {result['positive_label']}.",
        "",
        f"| model | F1 (label {result['positive_label']}) | precision | recall | accuracy |",
        "|---|---|---|---|---|",
    ]
    for model in result["models"]:
        cells = []
        for name in ("positive_f1", "positive_precision", "positive_recall", "accuracy"):
            sd = model.get(f"{name}_sd")
            cells.append(f"{model[name]:.4f}" if sd is None else f"{model[name]:.4f} ± {sd:.4f}")
        lines.append(f"| {model['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def run_feature_baseline(
    config: str, options: str, weights: str, cache_dir: str, env: Mapping[str, str],
    lstm_dirs: Sequence[str] = (), train: bool = False, lstm_overrides: Optional[Mapping[str, Any]] = None,
    c: float = 1.0, class_weight: Optional[str] = None, seed: int = 0, batch_size: int = 64,
) -> Dict[str, Any]:
    """
    Embeds, fits and scores the feature baseline beside TF-IDF; adds the `lstm_classifier` runs
    of `lstm_dirs` (one row; mean ± sd over several), training a single one first if `train`.
    """
    if train and len(lstm_dirs) != 1:
        raise ConfigurationError(f"training needs exactly one LSTM directory, not {len(lstm_dirs)}")
    # Runs given as finished are read first: a missing one stops before the embedding.
    lstm_row = lstm_runs_metrics(lstm_dirs) if lstm_dirs and not train else None
    evaluated = evaluate_config(config, env)
    setup = split_setup(evaluated)
    rows = labelled_rows(setup)
    vectors = embed(setup, options, weights, cache_dir, batch_size)
    baseline = fit_and_score(rows, vectors, setup.positive_label, c, class_weight, seed)
    tfidf = tfidf_fit_and_score(setup, rows, c, class_weight, seed)
    result: Dict[str, Any] = {
        "config": config, "data": setup.path, "positive_label": setup.positive_label,
        "elmo_options": options, "elmo_weights": weights, "vectors": vectors,
        "validation_rows": baseline["validation_rows"],
        "validation_positive_rows": baseline["validation_positive_rows"],
        "models": [tfidf, baseline],
    }
    if train:
        train_lstm(config, lstm_dirs[0], lstm_overrides or {}, env)
        lstm_row = lstm_runs_metrics(lstm_dirs)
    if lstm_row is not None:
        result["models"].append(lstm_row)
    return result


def main(argv=None) -> int:
    """`scripts/feature_baseline.py`: the baseline's command line."""
    import sst_elmo  # noqa: F401 - registers the readers; defaults for SST_ELMO_* variables

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("allennlp").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        description="The ELMo tutorial's tweets baseline: mean-pooled ELMo vectors + logistic regression",
        epilog="See scripts/feature_baseline.py.",
    )
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
