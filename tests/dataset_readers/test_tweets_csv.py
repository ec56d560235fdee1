import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import TweetsCsvReader
from tests.conftest import FIXTURES

TRAIN = str(FIXTURES / "data" / "tweets" / "train.csv")


def tokens(instance):
    return [t.text for t in instance["tokens"]]


class TestTweetsCsvReader:
    def test_tutorial_cleaning(self):
        reader = TweetsCsvReader()
        assert reader.clean("I love my new #iphone http://t.co/x1 so fast! 100%") == (
            "i love my new iphone so fast"
        )
        assert reader.clean("Apple sucks $&@*# www.apple.com") == "apple sucks"

    def test_each_step_can_be_switched_off(self):
        reader = TweetsCsvReader(strip_urls=False, strip_punctuation=False, lowercase=False,
                                 strip_digits=False, squeeze_whitespace=False)
        assert reader.clean("Hi  http://x.y 42!") == "Hi  http://x.y 42!"
        assert TweetsCsvReader(lowercase=False).clean("Hi #Apple") == "Hi Apple"

    def test_reads_labels(self):
        instances = list(TweetsCsvReader().read(TRAIN))
        assert len(instances) == 27
        assert {i["label"].label for i in instances} == {"0", "1"}
        assert tokens(instances[0]) == ["happy", "with", "the", "new", "sony", "headphones"]

    def test_unlabelled_file_gives_instances_without_labels(self):
        instances = list(TweetsCsvReader().read(str(FIXTURES / "data/tweets/unlabelled.csv")))
        assert len(instances) == 2
        assert all("label" not in i.fields for i in instances)

    def test_split_is_fixed_and_disjoint(self):
        def ids(split):
            return [tuple(tokens(i)) + (i["label"].label,)
                    for i in TweetsCsvReader(split=split, validation_fraction=0.3).read(TRAIN)]
        train, validation = ids("train"), ids("validation")
        assert len(train) + len(validation) == 27
        assert 0 < len(validation) < 27
        assert ids("validation") == validation  # the same on every read

    def test_held_out_rows_are_in_no_other_part(self):
        keys = [str(key) for key in range(1000)]

        def part(split, **kwargs):
            reader = TweetsCsvReader(split=split, validation_fraction=0.3, **kwargs)
            return {key for key in keys if reader.in_split(key)}

        held = dict(split_seed="split2", held_out_seed="sst_elmo")
        held_out = part("held_out", **held)
        # The held-out rows are exactly the default split's validation rows ...
        assert held_out == part("validation") and 200 < len(held_out) < 400
        # ... and neither part of the other split keeps any of them; the three parts cover every row.
        train, validation = part("train", **held), part("validation", **held)
        assert not held_out & train and not held_out & validation and not train & validation
        assert train | validation | held_out == set(keys) == part(None)
        assert part(None, **held) == train | validation
        # Reading a file: the held-out part reads as many rows as the default split's validation part.
        read = [len(list(TweetsCsvReader(split=split, validation_fraction=0.3, **kwargs).read(TRAIN)))
                for split, kwargs in [("held_out", held), ("validation", {})]]
        assert read[0] == read[1] > 0

    @pytest.mark.parametrize("kwargs, message", [
        (dict(split="held_out"), "needs a held_out_seed"),
        (dict(split="train", held_out_seed="sst_elmo"), "must differ from the split's own seed"),
    ])
    def test_held_out_misuse_is_an_error(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            TweetsCsvReader(**kwargs)

    @pytest.mark.parametrize(
        "content, message, line",
        [
            ("id,label,text\n1,0,hello\n", "no 'tweet' column in the header 'id,label,text'", 1),
            ("id,label,tweet\n1,0,hello\n2,1\n", "fewer columns than the header", 3),
            ("id,label,tweet\n1,0,hello,extra\n", "more columns than the header", 2),
            ("id,label,tweet\n1,,hello\n", "empty label", 2),
            ("id,label,tweet\n1,0,http://only.a.url\n", "the text has no tokens", 2),
        ],
    )
    def test_bad_rows_name_file_and_line(self, tmp_path, content, message, line):
        path = tmp_path / "bad.csv"
        path.write_text(content)
        with pytest.raises(InputError) as error:
            list(TweetsCsvReader().read(str(path)))
        assert str(error.value).startswith(f"{path}:{line}: ")
        assert message in str(error.value)

    def test_invalid_utf8(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_bytes(b"id,label,tweet\n1,0,ok\n2,1,bad \xff byte\n")
        with pytest.raises(InputError, match="not valid UTF-8"):
            list(TweetsCsvReader().read(str(path)))


def test_invalid_utf8_names_the_exact_line(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"{i},0,fine tweet number {i}\n" for i in range(1, 3000))
    path.write_bytes(b"id,label,tweet\n" + rows.encode() + b"3000,1,bad \xff byte\n")
    with pytest.raises(InputError) as error:
        list(TweetsCsvReader().read(str(path)))
    assert str(error.value).startswith(f"{path}:3001: not valid UTF-8")


def test_one_cleaning_function_with_switchable_steps():
    from sst_elmo.dataset_readers.tweets_csv import TweetsCsvReader, clean_tweet

    tweet = "Love my #iPhone 6!!  http://t.co/x  "
    assert clean_tweet(tweet) == TweetsCsvReader().clean(tweet) == "love my iphone"
    assert clean_tweet(tweet, lowercase=False, strip_digits=False) == "Love my iPhone 6"
    assert TweetsCsvReader(lowercase=False, strip_digits=False).clean(tweet) == "Love my iPhone 6"
    with pytest.raises(ValueError, match="unknown cleaning steps"):
        clean_tweet(tweet, lemmatise=True)
