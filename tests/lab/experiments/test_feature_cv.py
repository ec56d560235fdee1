"""The cross-validated tweets baselines: nesting, the inner choice of C, the features, the script."""
import json

import h5py
import numpy
import pytest
from allennlp.common.checks import ConfigurationError

from sst_elmo.elmo.embedding.embedding_writer import SentenceFeatures, embed_file
from sst_elmo_lab.experiments import feature_cv
from sst_elmo_lab.experiments.feature_cv import (
    InnerCVLogisticRegression,
    cross_validate,
    elmo_model,
    main,
    paired_difference,
    read_labelled,
    sentence_features,
)

WORDS = ["good", "great", "fine", "bad", "awful", "sad", "phone", "apple", "today", "new"]


def separable(rows=80, dim=6, seed=0):
    """Features whose first dimension carries the label (1 for about a third of the rows), plus noise."""
    generator = numpy.random.default_rng(seed)
    labels = numpy.array(["1" if i % 3 == 0 else "0" for i in range(rows)])
    features = generator.normal(size=(rows, dim))
    features[:, 0] += 3.0 * (labels == "1")
    return features, labels


class Recording:
    """A model that predicts the majority label of what it saw and records the rows it was fitted on."""

    fitted = []

    def fit(self, features, labels):
        Recording.fitted.append({tuple(row) for row in features})
        self.label = int(round(labels.mean()))
        return self

    def predict(self, features):
        return numpy.full(len(features), self.label)


def test_every_outer_fold_is_scored_by_a_model_that_never_saw_it():
    features, labels = separable()
    features[:, 1] = numpy.arange(len(labels))  # makes every row distinct
    Recording.fitted = []
    result = cross_validate(Recording, features, labels, "1", folds=4, seed=3)
    assert len(result["folds"]) == len(Recording.fitted) == 4
    everything = {tuple(row) for row in features}
    held_out = [everything - seen for seen in Recording.fitted]
    assert all(len(rows) == fold["test_rows"] for rows, fold in zip(held_out, result["folds"]))
    assert set().union(*held_out) == everything and sum(map(len, held_out)) == len(everything)
    # Stratified: each test fold holds its share of label 1.
    assert {fold["test_positive_rows"] for fold in result["folds"]} <= {6, 7}


def test_cross_validation_is_fixed_by_its_seed():
    features, labels = separable()
    model = lambda: elmo_model(Cs=(0.01, 1.0), class_weights=(None,), folds=3)  # noqa: E731
    first = cross_validate(model, features, labels, "1", folds=3, seed=1)
    assert cross_validate(model, features, labels, "1", folds=3, seed=1) == first
    assert first["positive_f1"] > 0.8  # the label is in the features
    assert first["positive_f1"] == pytest.approx(numpy.mean([fold["positive_f1"] for fold in first["folds"]]))
    assert first["positive_f1_sd"] == pytest.approx(numpy.std([f["positive_f1"] for f in first["folds"]], ddof=1))


def test_the_inner_choice_is_the_best_mean_f1_over_the_inner_folds():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    features, labels = separable(rows=90, dim=20, seed=4)
    positive = (labels == "1").astype(int)
    cs, weights = (1e-3, 0.03, 1.0, 30.0), (None, "balanced")
    model = InnerCVLogisticRegression(Cs=cs, class_weights=weights, folds=3, seed=5).fit(features, positive)
    expected = {}
    for weight in weights:
        for c in cs:
            folds = StratifiedKFold(3, shuffle=True, random_state=5).split(features, positive)
            expected[(c, weight)] = numpy.mean([
                f1_score(positive[test], LogisticRegression(C=c, class_weight=weight, max_iter=5000)
                         .fit(features[train], positive[train]).predict(features[test]), zero_division=0)
                for train, test in folds
            ])
    best = max(expected.values())
    assert model.inner_f1_ == pytest.approx(best, abs=1e-6)
    assert expected[(model.best_params_["C"], model.best_params_["class_weight"])] == pytest.approx(best, abs=1e-6)
    # The final model is refitted on all the rows with the chosen settings.
    assert model.model_.C == model.best_params_["C"] and len(model.predict(features)) == len(labels)


def test_standardisation_is_fitted_on_the_training_rows_only():
    features, labels = separable()
    positive = (labels == "1").astype(int)
    model = elmo_model(Cs=(1.0,), class_weights=(None,), folds=3).fit(features[:40] + 100.0, positive[:40])
    assert model.transform_.mean_ == pytest.approx((features[:40] + 100.0).mean(axis=0))
    assert elmo_model(standardize=False).transform is None


def test_vectors_and_tfidf_are_fitted_on_the_training_rows_only():
    texts = ["good day", "bad day", "good phone", "awful phone", "new day", "sad phone"]
    vectors = numpy.arange(24, dtype=float).reshape(6, 4)
    combined = feature_cv.VectorsAndTfidf(texts, vectors, {}).fit(numpy.array([0, 1, 2]))
    assert sorted(combined.tfidf_.vocabulary_) == ["bad", "day", "good", "phone"]  # not "awful", "new", "sad"
    assert combined.scaler_.mean_ == pytest.approx(vectors[:3].mean(axis=0))
    features = combined.transform(numpy.array([3, 4])).toarray()
    assert features.shape == (2, 4 + 4)
    dense = (vectors[3:5] - vectors[:3].mean(axis=0)) / vectors[:3].std(axis=0) / 2.0  # sqrt(4) = 2
    assert features[:, 4:] == pytest.approx(dense)


def test_paired_difference_needs_the_same_folds():
    first = {"folds": [{"test_rows": 5, "positive_f1": 0.8}, {"test_rows": 5, "positive_f1": 0.6}]}
    second = {"folds": [{"test_rows": 5, "positive_f1": 0.7}, {"test_rows": 5, "positive_f1": 0.7}]}
    difference = paired_difference(first, second)
    assert difference["differences"] == pytest.approx([0.1, -0.1]) and difference["wins"] == 1
    assert difference["mean"] == pytest.approx(0.0)
    with pytest.raises(ConfigurationError, match="same folds"):
        paired_difference(first, {"folds": second["folds"][:1]})


def test_a_single_label_is_refused():
    with pytest.raises(ConfigurationError, match="label '1' and others"):
        cross_validate(Recording, numpy.zeros((10, 2)), numpy.array(["0"] * 10), "1")


def write_tweets(path, rows=40):
    generator = numpy.random.default_rng(0)
    lines = ["id,label,tweet"]
    for i in range(rows):
        label = int(i % 3 == 0)
        sentiment = generator.choice(WORDS[3:6] if label else WORDS[:3], 2).tolist()
        words = sentiment + generator.choice(WORDS[6:], 3).tolist()
        lines.append(f'{i + 1},{label},"{" ".join(words).title()} http://t.co/{i}!"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_sentence_features_are_the_vectors_elmo_embed_writes(tmp_path, tiny_elmo):
    source = write_tweets(tmp_path / "tweets.csv", rows=6)
    every = tmp_path / "all.hdf5"
    embed_file(source, str(every), *tiny_elmo, input_format="csv", column="tweet", clean_tweets=True)
    data = read_labelled(source)
    assert data.keys == [str(i) for i in range(1, 7)] and data.texts[0] == data.texts[0].lower()
    variants = {"concat": SentenceFeatures(pooling=("mean", "max")), "top": SentenceFeatures(layers=(-1,))}
    matrices = sentence_features(str(every), data.keys, variants)
    for name, features in variants.items():
        pooled = tmp_path / f"{name}.hdf5"
        embed_file(source, str(pooled), *tiny_elmo, input_format="csv", column="tweet", clean_tweets=True,
                   output_mode="pooled", features=features)
        with h5py.File(pooled, "r") as vectors:
            expected = numpy.stack([vectors[key][()] for key in data.keys])
        assert numpy.abs(matrices[name] - expected).max() <= 1e-6
    with pytest.raises(ConfigurationError, match="--output all"):
        sentence_features(str(tmp_path / "top.hdf5"), data.keys, variants)
    with pytest.raises(ConfigurationError, match="no vectors for line 99"):
        sentence_features(str(every), ["99"], variants)


def test_the_script_scores_every_variant_on_the_same_folds(tmp_path, tiny_elmo, monkeypatch):
    source = write_tweets(tmp_path / "tweets.csv")
    elmo_dir = tmp_path / "elmo"
    elmo_dir.mkdir()
    for name, path in zip(("options.json", "weights.hdf5"), tiny_elmo):
        (elmo_dir / name).write_bytes(open(path, "rb").read())
    monkeypatch.setattr(feature_cv, "ELMO_VARIANTS", {
        "top": (SentenceFeatures(layers=(-1,)), True), "raw": (SentenceFeatures(combine="average"), False)})
    monkeypatch.setattr(feature_cv, "TFIDF_VARIANTS", {"words 1": {}, "words 1-2": {"ngram_range": (1, 2)}})
    monkeypatch.setattr(feature_cv, "COMBINED_VARIANTS", {"top + words": (SentenceFeatures(layers=(-1,)), {})})
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["--data", source, "--elmo", f"tiny={elmo_dir}", "--folds", "3", "--out", str(out),
            "--cache-dir", str(cache)]
    assert main(args) == 0
    result = json.loads((out / "feature_baseline_cv.json").read_text())
    assert [(row["elmo"], row["features"]) for row in result["models"]] == [
        (None, "words 1"), (None, "words 1-2"), ("tiny", "top"), ("tiny", "raw"), ("tiny", "top + words")]
    assert result["models"][-1]["model"] == "ELMo vectors + TF-IDF + logistic regression"
    folds = [[fold["test_rows"] for fold in row["folds"]] for row in result["models"]]
    assert all(row == folds[0] for row in folds) and sum(folds[0]) == 40
    best = max(result["models"][:2], key=lambda row: row["positive_f1"])
    for row in result["models"][2:]:
        assert row["minus_best_tfidf"]["differences"] == pytest.approx(
            [a["positive_f1"] - b["positive_f1"] for a, b in zip(row["folds"], best["folds"])])
    assert result["models"][0]["positive_f1"] > 0.9  # the words give the label away
    table = (out / "feature_baseline_cv.md").read_text()
    assert "3-fold stratified cross-validation (seed 0) over the 40 rows" in table
    assert table.count("| ELMo vectors + logistic regression | tiny |") == 2
    assert main(args + ["--only", "words 1", "--only", "top"]) == 0
    only = json.loads((out / "feature_baseline_cv.json").read_text())["models"]
    assert [row["features"] for row in only] == ["words 1", "top"] and only[0] == result["models"][0]
    # Every layer's vectors are embedded once and cached (main embeds before it scores anything,
    # whichever variants it scores).
    (cached,) = cache.glob("*.hdf5")
    mtime = cached.stat().st_mtime_ns
    assert main(args + ["--only", "words 1"]) == 0 and cached.stat().st_mtime_ns == mtime
    with pytest.raises(ConfigurationError, match="NAME=DIR"):
        main(["--data", source, "--elmo", str(elmo_dir), "--out", str(out)])


def test_class_weights_from_words_reach_the_inner_search():
    assert feature_cv.positive_weights(["1", "balanced", "2.5"]) == [None, "balanced", {0: 1.0, 1: 2.5}]
    for bad in ("heavy", "0", "-1"):
        with pytest.raises(ConfigurationError, match="class weight"):
            feature_cv.positive_weights([bad])
    features, labels = separable(rows=90, seed=2)
    positive = (labels == "1").astype(int)
    model = elmo_model(Cs=(0.1,), class_weights=[{0: 1.0, 1: 4.0}], folds=3).fit(features, positive)
    assert model.best_params_["class_weight"] == {0: 1.0, 1: 4.0}
    assert model.model_.class_weight == {0: 1.0, 1: 4.0}
    result = cross_validate(lambda: elmo_model(Cs=(0.1,), class_weights=[{0: 1.0, 1: 4.0}], folds=3),
                            features, labels, "1", folds=3)
    table = feature_cv.markdown_cv({"folds": 3, "seed": 0, "rows": 90, "data": "d.csv", "positive_rows": 30,
                                    "positive_label": "1", "models": [{"model": "m", "elmo": None, "features": "f",
                                                                      **result}]})
    assert "| 0.1w4, 0.1w4, 0.1w4 |" in table
