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
