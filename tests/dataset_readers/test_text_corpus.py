import gzip

import pytest
from allennlp.data import Vocabulary
from allennlp.data.token_indexers import ELMoTokenCharactersIndexer, SingleIdTokenIndexer

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import TextCorpusReader
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "corpus.txt"


def tokens(instance):
    return [t.text for t in instance["tokens"]]


class TestTextCorpusReader:
    def test_sentences_are_split_tokenized_and_html_breaks_removed(self, tmp_path):
        path = tmp_path / "in.txt"
        path.write_text("It isn't good.<br /><br />Really!\n\n  \nA (fine) film. Two words\n")
        assert [tokens(i) for i in TextCorpusReader().read(str(path))] == [
            ["It", "is", "n't", "good", "."],
            ["Really", "!"],
            ["A", "-LRB-", "fine", "-RRB-", "film", "."],
            ["Two", "words"],
        ]
        kept = [tokens(i) for i in TextCorpusReader(strip_html_breaks=False).read(str(path))]
        assert any("<" in token for sentence in kept for token in sentence)

    def test_plain_and_gzip_give_the_same_instances(self, tmp_path):
        compressed = tmp_path / "corpus.txt.gz"
        compressed.write_bytes(gzip.compress(CORPUS.read_bytes()))
        plain = [tokens(i) for i in TextCorpusReader().read(str(CORPUS))]
        assert [tokens(i) for i in TextCorpusReader().read(str(compressed))] == plain
        assert len(plain) > 40

    def test_long_sentences_are_chunked_and_short_ones_dropped(self, tmp_path):
        path = tmp_path / "in.txt"
        path.write_text(" ".join(f"w{i}" for i in range(12)) + ". Yes.\n")
        chunked = [tokens(i) for i in TextCorpusReader(max_sentence_length=5).read(str(path))]
        assert [len(s) for s in chunked] == [5, 5, 3, 2]
        assert sum(chunked[:3], []) == [f"w{i}" for i in range(12)] + ["."]
        long_only = TextCorpusReader(max_sentence_length=5, min_sentence_length=3).read(str(path))
        assert [len(tokens(i)) for i in long_only] == [5, 5, 3]
        with pytest.raises(ValueError):
            TextCorpusReader(max_sentence_length=2, min_sentence_length=3)

    def test_held_out_split_is_a_partition_of_documents(self):
        everything = [tokens(i) for i in TextCorpusReader().read(str(CORPUS))]
        parts = {
            split: [tokens(i) for i in TextCorpusReader(
                split=split, validation_fraction=0.2).read(str(CORPUS))]
            for split in ("train", "validation")
        }
        assert parts["train"] and parts["validation"]
        assert sorted(parts["train"] + parts["validation"]) == sorted(everything)

    def test_indexers_and_text_to_instance(self):
        reader = TextCorpusReader(token_indexers={
            "elmo": ELMoTokenCharactersIndexer(),
            "words": SingleIdTokenIndexer(namespace="lm_words"),
        })
        instance = reader.text_to_instance(["A", "film"])
        vocab = Vocabulary.from_instances([instance])
        assert vocab.get_token_index("film", "lm_words") > 1
        instance.index_fields(vocab)
        tensors = instance.as_tensor_dict()["tokens"]
        assert tensors["elmo"]["elmo_tokens"].shape == (2, 50)
        assert tensors["words"]["tokens"].tolist() == [
            vocab.get_token_index("A", "lm_words"), vocab.get_token_index("film", "lm_words")]
        with pytest.raises(ValueError):
            reader.text_to_instance([])

    def test_streams_and_reports_bad_bytes_with_the_line(self, tmp_path):
        path = tmp_path / "bad.txt"
        path.write_bytes(b"Fine text.\n" * 5000 + b"Bad \xff byte.\n")
        read = iter(TextCorpusReader().read(str(path)))
        assert tokens(next(read)) == ["Fine", "text", "."]  # long before the bad line
        with pytest.raises(InputError, match=r"bad\.txt:5001: not valid UTF-8"):
            list(read)


def _tweets_csv(path, rows):
    path.write_text("id,label,tweet\n" + "".join(f"{i},{i % 2},Tweet number {i} is GREAT http://x.co/{i}\n"
                                                for i in range(rows)))
    return path


def _texts(instances):
    return [" ".join(t.text for t in instance["tokens"].tokens) for instance in instances]


def test_csv_column_reads_cleaned_tweets_and_never_the_labels(tmp_path):
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    path = _tweets_csv(tmp_path / "t.csv", 3)
    texts = _texts(TextCorpusReader(csv_column="tweet", clean_tweets=True).read(str(path)))
    assert texts == ["tweet number is great"] * 3  # URLs, digits, case and labels gone


def test_csv_split_by_id_is_the_classification_readers_split(tmp_path):
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader
    from sst_elmo.dataset_readers.tweets_csv import TweetsCsvReader

    path = tmp_path / "t.csv"
    path.write_text("id,label,tweet\n" + "".join(f"{i},{i % 2},word{chr(97 + i % 26)} w{i}\n" for i in range(200)))
    for split in ("train", "validation"):
        corpus = TextCorpusReader(csv_column="tweet", csv_id_column="id", split=split, validation_fraction=0.1)
        tweets = TweetsCsvReader(split=split, validation_fraction=0.1, strip_digits=False)
        assert _texts(corpus.read(str(path))) == _texts(tweets.read(str(path)))
    validation = TextCorpusReader(csv_column="tweet", csv_id_column="id", split="validation",
                                  validation_fraction=0.1)
    assert 5 <= len(list(validation.read(str(path)))) <= 40


def test_a_list_of_files_is_read_in_order(tmp_path):
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    (tmp_path / "a.txt").write_text("First file .\n")
    (tmp_path / "b.txt").write_text("Second file .\n")
    texts = _texts(TextCorpusReader().read([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]))
    assert texts == ["First file .", "Second file ."]


def test_a_missing_csv_column_names_the_file_and_line(tmp_path):
    from sst_elmo.common.errors import InputError
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    path = _tweets_csv(tmp_path / "t.csv", 2)
    with pytest.raises(InputError, match=r"t\.csv:1"):
        list(TextCorpusReader(csv_column="text").read(str(path)))
    with pytest.raises(ValueError, match="needs csv_column"):
        TextCorpusReader(csv_id_column="id")


def test_json_field_reads_the_review_text_and_never_the_labels(tmp_path):
    import gzip
    import json

    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    path = tmp_path / "reviews.jsonl.gz"
    rows = [{"id": str(i), "text": f"Review {i} .<br />It was fine .", "label": "pos", "rating": 9}
            for i in range(3)]
    with gzip.open(path, "wt") as handle:
        handle.write("".join(json.dumps(row) + "\n" for row in rows))
    texts = _texts(TextCorpusReader(json_field="text").read(str(path)))
    assert texts == [f"Review {i} ." if j == 0 else "It was fine ." for i in range(3) for j in range(2)]
    assert not any("pos" in text or "9" in text for text in texts)
    # A list mixes plain text and JSON lines.
    (tmp_path / "plain.txt").write_text('{"text": "kept as it is"}\n')
    mixed = _texts(TextCorpusReader(json_field="text").read([str(tmp_path / "plain.txt"), str(path)]))
    assert "-LCB- `` text" in mixed[0] and mixed[1:] == texts  # the plain line, braces and all


def test_bad_json_lines_name_the_file_and_line(tmp_path):
    from sst_elmo.common.errors import InputError
    from sst_elmo.dataset_readers.text_corpus import TextCorpusReader

    path = tmp_path / "r.jsonl"
    path.write_text('{"text": "fine ."}\n{"text": 3}\n')
    with pytest.raises(InputError, match=r"r\.jsonl:2.*string under 'text'"):
        list(TextCorpusReader(json_field="text").read(str(path)))
    path.write_text('{"text": "fine ."}\n{"text": \n')
    with pytest.raises(InputError, match=r"r\.jsonl:2.*not valid JSON"):
        list(TextCorpusReader(json_field="text").read(str(path)))
    with pytest.raises(ValueError, match="not both"):
        TextCorpusReader(json_field="text", csv_column="tweet")


def test_sst_trees_reads_each_tree_s_leaves_as_the_classifier_reader_does_and_never_the_labels(tmp_path):
    from sst_elmo.data.tokenizers import TreebankTokenizer
    from sst_elmo.dataset_readers.sst_trees import SstTreesReader

    train = FIXTURES / "data" / "sst" / "train.txt"
    corpus = TextCorpusReader(sst_trees=True, validation_fraction=0.25)
    whole = [list(sentence) for sentence in corpus.token_lists(str(train))]
    classifier = [[t.text for t in instance["tokens"]] for instance in SstTreesReader().read(str(train))]
    assert whole == classifier and len(whole) == len(train.read_text().splitlines())
    # The held-out split of its trees: the two parts are disjoint and make up the file.
    parts = [
        _texts(TextCorpusReader(sst_trees=True, split=split, validation_fraction=0.25).read(str(train)))
        for split in ("train", "validation")
    ]
    assert parts[0] and parts[1] and sorted(parts[0] + parts[1]) == sorted(" ".join(s) for s in whole)
    chunked = list(TextCorpusReader(sst_trees=True, max_sentence_length=3).token_lists(str(train)))
    assert max(len(chunk) for chunk in chunked) == 3 and sum(map(len, chunked)) == sum(map(len, whole))
    (tmp_path / "bad.txt").write_text("(3 (2 fine) (3 film))\n(3 (2 fine) (x film))\n")
    with pytest.raises(InputError, match=r"bad\.txt:2.*not a sentiment 0-4"):
        list(TextCorpusReader(sst_trees=True).read(str(tmp_path / "bad.txt")))
    for other in ({"csv_column": "tweet"}, {"clean_tweets": True}, {"tokenizer": TreebankTokenizer()}):
        with pytest.raises(ValueError, match="sst_trees reads tree files"):
            TextCorpusReader(sst_trees=True, **other)
