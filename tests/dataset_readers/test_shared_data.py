"""The readers on the real data sets in ../shared (skipped when it is absent)."""
from collections import Counter

from sst_elmo.dataset_readers import SentenceJsonlReader, SstTreesReader, TweetsCsvReader


def test_sst_splits_match_the_published_counts(shared_dir):
    # Root label counts from ../shared/README.md.
    expected = {
        "train": [1092, 2218, 1624, 2322, 1288],
        "dev": [139, 289, 229, 279, 165],
        "test": [279, 633, 389, 510, 399],
    }
    for split, counts in expected.items():
        instances = SstTreesReader().read(str(shared_dir / f"data/sst/{split}.txt"))
        labels = Counter(i["label"].label for i in instances)
        assert [labels[str(k)] for k in range(5)] == counts


def test_tweets_split_covers_every_row_once(shared_dir):
    path = str(shared_dir / "data/tweets/train.csv")
    train = list(TweetsCsvReader(split="train").read(path))
    validation = list(TweetsCsvReader(split="validation").read(path))
    assert len(train) + len(validation) == 6920
    assert 0.08 < len(validation) / 6920 < 0.12
    share = sum(i["label"].label == "1" for i in train) / len(train)
    assert 0.2 < share < 0.32


def test_imdb_reviews_sample(shared_dir):
    # A 2% hash sample: the file is sorted by label, and rows outside the split are not tokenized.
    reader = SentenceJsonlReader(max_tokens=400, split="validation", validation_fraction=0.02)
    instances = list(reader.read(str(shared_dir / "data/imdb/test.jsonl.gz")))
    assert 300 < len(instances) < 700
    assert set(Counter(i["label"].label for i in instances)) == {"pos", "neg"}
    assert not any(t.text.startswith("<") for i in instances for t in i["tokens"])
