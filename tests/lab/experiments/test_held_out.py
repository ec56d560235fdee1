"""The held-out tweets baseline (`sst_elmo_lab.experiments.held_out`) on a synthetic CSV it makes itself."""
import json
import random

from sst_elmo.dataset_readers import TweetsCsvReader
from sst_elmo.evaluation.predictions import read_predictions
from sst_elmo_lab.experiments.held_out import held_out_baseline


def synthetic_tweets(path, rows=300):
    rng = random.Random(0)
    lines = ["id,label,tweet"]
    for key in range(rows):
        label = int(rng.random() < 0.3)
        pool = ["awful", "broken", "hate", "worst"] if label else ["love", "great", "nice", "happy"]
        words = rng.sample(pool, 2)
        lines.append(f"{key},{label},my #phone is {' '.join(words)} today http://t.co/{key}")
    path.write_text("\n".join(lines) + "\n")


def test_fits_on_the_other_rows_and_answers_exactly_the_held_out_ones(tmp_path):
    data = tmp_path / "tweets.csv"
    synthetic_tweets(data)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"validation_dataset_reader": {"type": "tweets_csv", "labels": ["0", "1"],
                                                                "split": "validation"},
                                  "validation_data_path": str(data)}))
    summary = held_out_baseline(str(config), str(tmp_path / "out"))
    held_out = [tuple(t.text for t in i["tokens"].tokens) for i in TweetsCsvReader(
        split="held_out", split_seed="split2", held_out_seed="sst_elmo").read(str(data))]
    assert summary["held_out_rows"] == len(held_out) > 10
    assert summary["training_rows"] + summary["held_out_rows"] == 300
    answers = read_predictions(str(tmp_path / "out" / "tfidf.jsonl"))
    assert answers.tokens == held_out  # the rows and order an archive's validation reader gives
    assert summary["held_out_f1"] > 0.9  # the classes are separable by their words
    assert summary["chosen"]["class_weight"] in (None, "balanced")
    assert json.loads((tmp_path / "out" / "tfidf.json").read_text()) == summary
