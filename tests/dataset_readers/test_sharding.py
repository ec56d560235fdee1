"""`max_instances` counts instances, not the rows a reader skips or expands (sharding.shard_rows)."""
from sst_elmo.dataset_readers import SstTreesReader, TextCorpusReader, TweetsCsvReader
from tests.conftest import FIXTURES


def test_max_instances_of_a_held_out_split_counts_its_instances(tmp_path):
    # 200 documents, about 10% of them held out: the first 5 held-out sentences, not those of
    # the held-out documents among the first 5 lines.
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("".join(f"Document number {i} is here .\n" for i in range(200)))
    everything = [
        instance["tokens"].tokens[2].text
        for instance in TextCorpusReader(split="validation", validation_fraction=0.1).read(str(corpus))
    ]
    assert len(everything) > 10
    capped = TextCorpusReader(split="validation", validation_fraction=0.1, max_instances=5).read(str(corpus))
    assert [instance["tokens"].tokens[2].text for instance in capped] == everything[:5]


def test_max_instances_of_a_split_csv_counts_its_rows():
    path = str(FIXTURES / "data" / "tweets" / "train.csv")
    validation = list(TweetsCsvReader(split="validation", validation_fraction=0.5).read(path))
    assert len(validation) >= 4
    capped = list(TweetsCsvReader(split="validation", validation_fraction=0.5, max_instances=4).read(path))
    assert [instance["tokens"].tokens for instance in capped] == [
        instance["tokens"].tokens for instance in validation[:4]
    ]


def test_max_instances_with_subtrees_counts_phrases():
    path = str(FIXTURES / "data" / "sst" / "train.txt")
    phrases = list(SstTreesReader(use_subtrees=True).read(path))
    capped = list(SstTreesReader(use_subtrees=True, max_instances=len(phrases) - 1).read(path))
    assert len(capped) == len(phrases) - 1
