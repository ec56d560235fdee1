"""
The tweets baselines scored by stratified k-fold cross-validation over the whole labelled
file, rather than on one validation split of a few hundred tweets: sentence vectors of an
ELMo (`SentenceFeatures`, the vectors `allennlp elmo-embed --output pooled` writes) +
logistic regression, beside TF-IDF + logistic regression with no ELMo.

The cross-validation is nested. Every outer fold is scored by a model fitted on the other
folds alone: its standardisation (ELMo) or vocabulary and document frequencies (TF-IDF), and
its regularisation strength `C` (with the class weighting), chosen by an inner stratified
k-fold cross-validation inside those training folds, by the same metric (F1 of the positive
label). The test fold is never seen before it is scored. Every model is scored on the same
outer folds, so the models can be compared fold by fold (`paired_difference`).
"""
import argparse
import json
import os
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import h5py
import numpy
from allennlp.common.checks import ConfigurationError

from sst_elmo.common.file_utils import atomic_write, csv_with_header, file_sha256
from sst_elmo.dataset_readers.tweets_csv import clean_tweet
from sst_elmo.elmo.embedding.embedding_writer import SentenceFeatures, embed_file
from sst_elmo.evaluation.significance import mean_sd
from sst_elmo_lab.experiments.feature_baseline import scores

# The inverse regularisation strengths the inner cross-validation chooses from: for raw
# features (TF-IDF, unscaled ELMo vectors), and for standardised ELMo vectors (hundreds of
# unit-variance dimensions need strong regularisation; large C also costs the most time).
DEFAULT_CS = (1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0)
STANDARDIZED_CS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
DEFAULT_CLASS_WEIGHTS = (None, "balanced")
METRICS = ("positive_f1", "positive_precision", "positive_recall", "accuracy")


@dataclass
class LabelledTexts:
    """The rows of a labelled CSV file: keys in `elmo-embed`'s output, cleaned texts, labels."""

    path: str
    keys: List[str]
    texts: List[str]
    labels: numpy.ndarray


def read_labelled(path: str, text_column: str = "tweet", label_column: str = "label") -> LabelledTexts:
    """Every row of `path`: its `elmo-embed` key (0-based line index), its `clean_tweet` text, its label."""
    _, records = csv_with_header(path, required_columns=[text_column, label_column])
    keys, texts, labels = [], [], []
    for line_number, row in records:
        keys.append(str(line_number - 1))
        texts.append(clean_tweet(row[text_column]))
        labels.append(row[label_column].strip())
    return LabelledTexts(path, keys, texts, numpy.array(labels))


def embed_layers(data_path: str, text_column: str, options: str, weights: str, cache_dir: str,
                 batch_size: int = 64) -> str:
    """Every layer's activations of every row (`elmo-embed --output all`), cached by checksums; the HDF5 path."""
    digest = "-".join(file_sha256(path)[:12] for path in (data_path, options, weights))
    output = os.path.join(cache_dir, f"tweets-all-layers-{digest}.hdf5")
    if not os.path.exists(output):
        embed_file(data_path, output, options, weights, input_format="csv", column=text_column,
                   output_mode="all", batch_size=batch_size, clean_tweets=True)
    return output


def embed_elmos(data_path: str, entries: Sequence[str], cache_dir: str, text_column: str = "tweet"
                ) -> Dict[str, Dict[str, str]]:
    """`{name: {"layers": path}}` for `NAME=DIR` entries (DIR with `options.json` and `weights.hdf5`)."""
    elmos = {}
    for entry in entries:
        name, separator, directory = entry.partition("=")
        if not (separator and name and directory):
            raise ConfigurationError(f"--elmo {entry!r}: expected NAME=DIR")
        options, weights = (os.path.join(directory, file) for file in ("options.json", "weights.hdf5"))
        elmos[name] = {"layers": embed_layers(data_path, text_column, options, weights, cache_dir)}
    return elmos


def sentence_features(layers_path: str, keys: Sequence[str], variants: Mapping[str, SentenceFeatures]
                      ) -> Dict[str, numpy.ndarray]:
    """For each variant, the matrix of its vectors of the rows `keys` (from an `--output all` file)."""
    vectors: Dict[str, List[numpy.ndarray]] = {name: [] for name in variants}
    with h5py.File(layers_path, "r") as layers:
        if layers.attrs.get("output_mode") != "all":
            raise ConfigurationError(f"{layers_path}: needs every layer (--output all), "
                                     f"not {layers.attrs.get('output_mode')!r}")
        for key in keys:
            if key not in layers:
                raise ConfigurationError(f"{layers_path}: no vectors for line {key}")
            # Shape: (num_layers, n_tokens, dim)
            activations = layers[key][()]
            for name, features in variants.items():
                vectors[name].append(features(activations))
    # Each shape: (num_rows, feature_dim)
    return {name: numpy.stack(rows) for name, rows in vectors.items()}


class InnerCVLogisticRegression:
    """
    A logistic regression that chooses its own `C` and class weighting by a stratified
    `folds`-fold cross-validation of the rows it is fitted on (scikit-learn's
    `LogisticRegressionCV` path for each class weighting, F1 of label 1; labels are 0/1), after
    an optional `transform` fitted on those rows (`StandardScaler`, `TfidfVectorizer`).
    `best_params_` holds the choice and `inner_f1_` its inner cross-validated F1.
    A scikit-learn estimator: `clone` copies its unfitted settings.
    """

    def __init__(self, transform: Any = None, Cs: Sequence[float] = DEFAULT_CS,
                 class_weights: Sequence[Optional[str]] = DEFAULT_CLASS_WEIGHTS, folds: int = 5, seed: int = 0,
                 max_iter: int = 5000) -> None:
        self.transform = transform
        self.Cs = Cs
        self.class_weights = class_weights
        self.folds = folds
        self.seed = seed
        self.max_iter = max_iter

    def get_params(self, deep: bool = False) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in ("transform", "Cs", "class_weights", "folds", "seed",
                                                        "max_iter")}

    def set_params(self, **params: Any) -> "InnerCVLogisticRegression":
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit(self, features: Any, labels: numpy.ndarray) -> "InnerCVLogisticRegression":
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
        from sklearn.metrics import f1_score, make_scorer
        from sklearn.model_selection import StratifiedKFold

        self.transform_ = None if self.transform is None else clone(self.transform).fit(features)
        inputs = features if self.transform_ is None else self.transform_.transform(features)
        scorer = make_scorer(f1_score, pos_label=1, zero_division=0)
        best = (-1.0, None, None)
        for class_weight in self.class_weights:
            search = LogisticRegressionCV(
                Cs=list(self.Cs), cv=StratifiedKFold(self.folds, shuffle=True, random_state=self.seed),
                scoring=scorer, class_weight=class_weight, max_iter=self.max_iter, refit=False,
            ).fit(inputs, labels)
            # Shape: (folds, len(Cs)): the inner folds' F1 of label 1 for each C.
            (fold_scores,) = search.scores_.values()
            means = fold_scores.mean(axis=0)
            if means.max() > best[0]:
                best = (float(means.max()), float(search.Cs_[int(means.argmax())]), class_weight)
        self.inner_f1_, c, class_weight = best
        self.best_params_ = {"C": c, "class_weight": class_weight}
        self.model_ = LogisticRegression(C=c, class_weight=class_weight, max_iter=self.max_iter)
        self.model_.fit(inputs, labels)
        return self

    def predict(self, features: Any) -> numpy.ndarray:
        inputs = features if self.transform_ is None else self.transform_.transform(features)
        return self.model_.predict(inputs)


def elmo_model(standardize: bool = True, **settings: Any) -> InnerCVLogisticRegression:
    """Standardisation (fitted on the training rows, when `standardize`) + `InnerCVLogisticRegression`."""
    from sklearn.preprocessing import StandardScaler

    settings.setdefault("Cs", STANDARDIZED_CS if standardize else DEFAULT_CS)
    return InnerCVLogisticRegression(StandardScaler() if standardize else None, **settings)


def tfidf_model(vectorizer: Any = None, **settings: Any) -> InnerCVLogisticRegression:
    """
    TF-IDF of the texts (vocabulary and document frequencies from the training rows) +
    `InnerCVLogisticRegression`. `vectorizer`: `TfidfVectorizer` settings such as
    `{"ngram_range": (1, 2), "sublinear_tf": True}`, a list of such settings (their features
    side by side, e.g. word and character n-grams), or a transformer.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    if vectorizer is None or isinstance(vectorizer, Mapping):
        vectorizer = TfidfVectorizer(**(vectorizer or {}))
    elif isinstance(vectorizer, (list, tuple)):
        vectorizer = make_union(*(TfidfVectorizer(**part) for part in vectorizer))
    return InnerCVLogisticRegression(vectorizer, **settings)


def cross_validate(make_model: Callable[[], Any], features: Any, labels: numpy.ndarray, positive_label: str,
                   folds: int = 5, seed: int = 0) -> Dict[str, Any]:
    """
    Scores `make_model()` (an estimator whose `fit` chooses its own settings) by stratified
    `folds`-fold CV with `seed`: per fold its scores and the settings it chose (`best_params_`),
    and each metric's mean and sample sd over the folds.
    """
    from sklearn.model_selection import StratifiedKFold

    # Shape: (num_rows,), 1 for the positive label.
    positive = (numpy.asarray(labels) == positive_label).astype(int)
    if positive.min() == positive.max():
        raise ConfigurationError(f"cross-validation needs rows with label {positive_label!r} and others")
    outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    runs = []
    for train, test in outer.split(numpy.zeros(len(positive)), positive):
        fitted = make_model().fit(_take(features, train), positive[train])
        predicted = fitted.predict(_take(features, test))
        runs.append({"test_rows": len(test), "test_positive_rows": int(positive[test].sum()),
                     **scores(list(positive[test]), list(predicted), 1),
                     "chosen": dict(getattr(fitted, "best_params_", {})),
                     "inner_f1": getattr(fitted, "inner_f1_", None)})
    result: Dict[str, Any] = {"folds": runs}
    for name in METRICS:
        result[name], result[f"{name}_sd"] = mean_sd([run[name] for run in runs])
    return result


def _take(features: Any, rows: numpy.ndarray) -> Any:
    return [features[i] for i in rows] if isinstance(features, list) else features[rows]


def paired_difference(first: Mapping[str, Any], second: Mapping[str, Any], metric: str = "positive_f1"
                      ) -> Dict[str, Any]:
    """`first` minus `second`, fold by fold (both scored on the same folds): mean, sd, folds where `first` wins."""
    if len(first["folds"]) != len(second["folds"]) or any(
        a["test_rows"] != b["test_rows"] for a, b in zip(first["folds"], second["folds"])
    ):
        raise ConfigurationError("the two results were not scored on the same folds")
    differences = [a[metric] - b[metric] for a, b in zip(first["folds"], second["folds"])]
    mean, sd = mean_sd(differences)
    return {"metric": metric, "differences": differences, "mean": mean, "sd": sd,
            "wins": sum(difference > 0 for difference in differences), "folds": len(differences)}


class VectorsAndTfidf:
    """
    For row indices: the TF-IDF features of their texts (`tfidf_model`'s `vectorizer`) beside
    their sentence vectors, standardised and divided by the square root of their size (so that
    both blocks have about unit norm), fitted on the rows given to `fit` only. For
    `InnerCVLogisticRegression`, so that one C and class weighting serve both.
    """

    def __init__(self, texts: Sequence[str], vectors: numpy.ndarray, vectorizer: Any = None) -> None:
        self.texts = texts
        self.vectors = vectors
        self.vectorizer = vectorizer

    def get_params(self, deep: bool = False) -> Dict[str, Any]:
        return {"texts": self.texts, "vectors": self.vectors, "vectorizer": self.vectorizer}

    def fit(self, rows: numpy.ndarray, labels: Any = None) -> "VectorsAndTfidf":
        from sklearn.preprocessing import StandardScaler

        rows = numpy.asarray(rows)
        self.tfidf_ = tfidf_model(self.vectorizer).transform.fit([self.texts[i] for i in rows])
        self.scaler_ = StandardScaler().fit(self.vectors[rows])
        return self

    def transform(self, rows: numpy.ndarray) -> Any:
        from scipy import sparse

        rows = numpy.asarray(rows)
        # Shape: (len(rows), vector_dim), each row of norm about 1.
        dense = self.scaler_.transform(self.vectors[rows]) / numpy.sqrt(self.vectors.shape[1])
        return sparse.hstack([self.tfidf_.transform([self.texts[i] for i in rows]), dense]).tocsr()


# The ELMo sentence vectors measured: name -> (features, standardised).
ELMO_VARIANTS: Dict[str, Any] = {
    "layers averaged, mean-pooled, raw (the tutorial)": (SentenceFeatures(combine="average"), False),
    "layers averaged, mean-pooled": (SentenceFeatures(combine="average"), True),
    "top layer, mean-pooled": (SentenceFeatures(layers=(-1,)), True),
    "all layers concatenated, mean-pooled": (SentenceFeatures(), True),
    "all layers concatenated, mean+max-pooled": (SentenceFeatures(pooling=("mean", "max")), True),
}
# The TF-IDF settings measured (every one with C and the class weighting chosen by inner CV).
WORDS_AND_CHARACTERS = [
    {"ngram_range": (1, 2), "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True, "min_df": 2},
]
TFIDF_VARIANTS: Dict[str, Any] = {
    "words 1-2, min_df 2, sublinear tf (the earlier setting)": {"ngram_range": (1, 2), "min_df": 2,
                                                                 "sublinear_tf": True},
    "words 1": {"ngram_range": (1, 1)},
    "words 1-2": {"ngram_range": (1, 2)},
    "words 1-2, sublinear tf": {"ngram_range": (1, 2), "sublinear_tf": True},
    "words 1-3, sublinear tf": {"ngram_range": (1, 3), "sublinear_tf": True},
    "words 1-2 + characters 2-5, sublinear tf": WORDS_AND_CHARACTERS,
}
# ELMo sentence vectors beside TF-IDF features: name -> (features, TF-IDF settings).
COMBINED_VARIANTS: Dict[str, Any] = {
    "all layers concatenated, mean-pooled + TF-IDF words 1-2 + characters 2-5":
        (SentenceFeatures(), WORDS_AND_CHARACTERS),
}


def _row(model: str, features: str, result: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return {"model": model, "features": features, **extra, **result}


def run_cross_validation(
    data: LabelledTexts, elmos: Mapping[str, Mapping[str, str]], positive_label: str = "1", folds: int = 5,
    seed: int = 0, only: Optional[Sequence[str]] = None, on_row: Optional[Callable[[Dict[str, Any]], None]] = None,
    class_weights: Sequence[Any] = DEFAULT_CLASS_WEIGHTS,
) -> Dict[str, Any]:
    """
    Every `TFIDF_VARIANTS` row, then every `ELMO_VARIANTS` and `COMBINED_VARIANTS` row of each
    biLM of `elmos` (`{name: {"layers": path of its --output all file}}`), cross-validated on
    the same folds; only the variants named in `only` when given. `on_row(result)` follows each
    row (to save partial results). Each ELMo row gets its fold-by-fold difference from the best
    TF-IDF row (by mean F1). `class_weights`: the weightings every inner search chooses from.
    """
    def chosen(variants: Mapping[str, Any]) -> Dict[str, Any]:
        return {name: value for name, value in variants.items() if only is None or name in only}

    result: Dict[str, Any] = {"data": data.path, "rows": len(data.labels), "folds": folds, "seed": seed,
                              "positive_label": positive_label,
                              "positive_rows": int((data.labels == positive_label).sum()), "models": []}

    def add(row: Dict[str, Any]) -> None:
        result["models"].append(row)
        if on_row is not None:
            on_row(result)

    for name, vectorizer in chosen(TFIDF_VARIANTS).items():
        make = partial(tfidf_model, vectorizer, seed=seed, class_weights=class_weights)
        scored = cross_validate(make, data.texts, data.labels, positive_label, folds, seed)
        add(_row("TF-IDF + logistic regression", name, scored, elmo=None))
    best_tfidf = max(result["models"], key=lambda row: row["positive_f1"], default=None)
    elmo_variants, combined = chosen(ELMO_VARIANTS), chosen(COMBINED_VARIANTS)
    wanted = {name: features for name, (features, _) in {**elmo_variants, **combined}.items()}
    for elmo, files in elmos.items():
        matrices = sentence_features(files["layers"], data.keys, wanted) if wanted else {}
        rows = numpy.arange(len(data.labels))
        for name, (features, setting) in {**elmo_variants, **combined}.items():
            if name in combined:
                make = partial(InnerCVLogisticRegression, VectorsAndTfidf(data.texts, matrices[name], setting),
                               seed=seed, class_weights=class_weights)
                scored = cross_validate(make, rows, data.labels, positive_label, folds, seed)
                model = "ELMo vectors + TF-IDF + logistic regression"
            else:
                make = partial(elmo_model, setting, seed=seed, class_weights=class_weights)
                scored = cross_validate(make, matrices[name], data.labels, positive_label, folds, seed)
                model = "ELMo vectors + logistic regression"
            row = _row(model, name, scored, elmo=elmo, features_dim=int(matrices[name].shape[1]),
                       sentence_features=features.settings(), standardized=name in combined or setting)
            if best_tfidf is not None:
                row["minus_best_tfidf"] = paired_difference(row, best_tfidf)
            add(row)
    return result


def positive_weights(values: Sequence[str]) -> List[Any]:
    """Class weightings from words: `"1"` none, `"balanced"`, or a weight of label 1 such as `"2"`."""
    weights: List[Any] = []
    for value in values:
        if value == "balanced":
            weights.append("balanced")
            continue
        try:
            weight = float(value)
        except ValueError:
            raise ConfigurationError(f"class weight {value!r}: a number or 'balanced'") from None
        if not weight > 0:
            raise ConfigurationError(f"class weight {value!r}: must be positive")
        weights.append(None if weight == 1.0 else {0: 1.0, 1: weight})
    return weights


def _weight_mark(weight: Any) -> str:
    if weight is None:
        return ""
    if weight == "balanced":
        return "b"
    return f"w{weight['1' if '1' in weight else 1]:g}"


def markdown_cv(result: Mapping[str, Any]) -> str:
    """The table of `run_cross_validation`'s result: mean ± sd over the folds, the choices of C."""
    lines = [
        f"{result['folds']}-fold stratified cross-validation (seed {result['seed']}) over the "
        f"{result['rows']} rows of `{result['data']}` ({result['positive_rows']} with label "
        f"{result['positive_label']}); C and the class weighting chosen by 5-fold CV inside each training fold.",
        "",
        f"| model | ELMo | features | F1 (label {result['positive_label']}) | precision | recall | accuracy "
        "| C chosen (per fold) | minus best TF-IDF (paired) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["models"]:
        cells = [f"{row[name]:.4f} ± {row[name + '_sd']:.4f}" for name in METRICS]
        chosen = ", ".join(f"{fold['chosen']['C']:g}{_weight_mark(fold['chosen']['class_weight'])}"
                           for fold in row["folds"])
        difference = row.get("minus_best_tfidf")
        paired = "" if difference is None else (f"{difference['mean']:+.4f} ± {difference['sd']:.4f} "
                                                f"({difference['wins']}/{difference['folds']} folds)")
        lines.append(f"| {row['model']} | {row['elmo'] or '—'} | {row['features']} | " + " | ".join(cells)
                     + f" | {chosen} | {paired} |")
    lines += ["", "C chosen: one per outer fold; `b` marks class_weight='balanced', `wX` label 1 weighted X."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """`scripts/feature_baseline_cv.py`: the cross-validation's command line."""
    parser = argparse.ArgumentParser(
        description="Cross-validated tweets baselines: ELMo vectors and TF-IDF, each + logistic regression",
        epilog="See scripts/feature_baseline_cv.py.",
    )
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
    data = read_labelled(args.data)
    elmos = embed_elmos(args.data, args.elmo, args.cache_dir)

    def save(result) -> None:
        atomic_write(os.path.join(args.out, "feature_baseline_cv.json"), json.dumps(result, indent=2))
        atomic_write(os.path.join(args.out, "feature_baseline_cv.md"), markdown_cv(result))

    result = run_cross_validation(data, elmos, folds=args.folds, seed=args.seed, only=args.only, on_row=save,
                                  class_weights=positive_weights(args.class_weights))
    print(markdown_cv(result))
    return 0
