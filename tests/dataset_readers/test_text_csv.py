import pytest
from allennlp.common.checks import ConfigurationError

from sst_elmo.common.errors import InputError
from sst_elmo.dataset_readers import TextCsvReader, TweetsCsvReader
from tests.conftest import FIXTURES

REVIEWS = str(FIXTURES / "data" / "csv" / "reviews.csv")  # text,sentiment with neg/pos


def tokens(instance):
    return [t.text for t in instance["tokens"]]


def test_reads_any_column_names_and_label_strings():
    instances = list(TextCsvReader(label_column="sentiment", labels=["neg", "pos"]).read(REVIEWS))
    assert len(instances) == 30
    assert {i["label"].label for i in instances} == {"neg", "pos"}
    assert tokens(instances[0]) == ["A", "gorgeous", ",", "witty", "film", "."]  # not cleaned like tweets
    # A quoted text over two lines is one text.
    assert "long after it ends ." in " ".join(tokens(instances[14]))


def test_the_split_parts_cover_the_file():
    def count(split):
        return len(list(TextCsvReader(label_column="sentiment", split=split).read(REVIEWS)))

    assert count("train") + count("validation") == 30 and count("validation") > 0


def test_a_label_outside_labels_names_the_files_labels_and_the_key_to_set():
    with pytest.raises(InputError) as caught:
        list(TextCsvReader(label_column="sentiment", labels=["0", "1"]).read(REVIEWS))
    message = str(caught.value)
    assert message.startswith(f"{REVIEWS}:2: label 'pos' is not one of the configured labels ['0', '1']")
    assert "(the labels in this file: ['neg', 'pos'])" in message
    assert "set dataset_reader.labels" in message and "\n" not in message


def test_a_missing_column_and_an_empty_label_name_their_line(tmp_path):
    with pytest.raises(InputError, match=r"reviews\.csv:1: no 'tweet' column in the header 'text,sentiment'"):
        list(TextCsvReader(text_column="tweet").read(REVIEWS))
    path = tmp_path / "gap.csv"
    path.write_text("text,sentiment\nfine,pos\nodd,\n")
    with pytest.raises(InputError, match=r"gap\.csv:3: empty label \(column 'sentiment'\)"):
        list(TextCsvReader(label_column="sentiment").read(str(path)))


def test_label_names_default_to_the_labels_and_must_name_only_labels():
    assert TextCsvReader(labels=["neg", "pos"]).label_names == {"neg": "neg", "pos": "pos"}
    assert TextCsvReader().label_names == {}
    with pytest.raises(ConfigurationError) as caught:
        TextCsvReader(labels=["neg", "pos"], label_names={"0": "negative", "1": "positive"})
    assert str(caught.value) == (
        "the reader's label_names name ['0', '1'], which are not among its labels ['neg', 'pos']: "
        "set dataset_reader.label_names to a name for each of ['neg', 'pos'], or leave it out"
    )


def test_tweets_stay_one_line_each(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,label,tweet\n1,0,"runs\nover"\n')
    with pytest.raises(InputError, match="a quoted field runs over lines 2-3"):
        list(TweetsCsvReader().read(str(path)))
