import hashlib
import json
import time

import pytest

from sst_elmo.data.tokenizers import TreebankTokenizer, split_sentences
from sst_elmo.dataset_readers import SstTreesReader


def words(text: str, **kwargs):
    return [token.text for token in TreebankTokenizer(**kwargs).tokenize(text)]


def test_matches_sst_tokenization():
    assert words('He said "it\'s great" (twice).') == [
        "He", "said", "``", "it", "'s", "great", "''", "-LRB-", "twice", "-RRB-", "."
    ]


def test_splits_sentences_before_tokenizing():
    assert split_sentences("Good film. Bad end! Why? no") == ["Good film.", "Bad end!", "Why?", "no"]
    assert words("Good film. Bad end.", lowercase=True) == ["good", "film", ".", "bad", "end", "."]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Terrible. 👎", ["Terrible", ".", "👎"]),
        ("Great film. Loved it.", ["Great", "film", ".", "Loved", "it", "."]),
        ("Good film. great acting.", ["Good", "film", ".", "great", "acting", "."]),
        ("Awful. :( 2/10", ["Awful", ".", ":", "-LRB-", "2/10"]),
        ('He said "great." Then left.', ["He", "said", "``", "great", ".", "''", "Then", "left", "."]),
    ],
)
def test_a_full_stop_before_any_following_text_is_its_own_token(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith liked it.", ["Mr.", "Smith", "liked", "it", "."]),
        ("Dr. No is fun.", ["Dr.", "No", "is", "fun", "."]),
        ("Made in the U.S. and sold here.", ["Made", "in", "the", "U.S.", "and", "sold", "here", "."]),
        ("Spielberg's A.I. Good.", ["Spielberg", "'s", "A.I.", "Good", "."]),
        ("Slow, e.g. the start.", ["Slow", ",", "e.g.", "the", "start", "."]),
        ("J. K. Rowling wrote it.", ["J.", "K.", "Rowling", "wrote", "it", "."]),
        ("It is 3.5 stars.", ["It", "is", "3.5", "stars", "."]),
        ("Well... Ok then.", ["Well", "...", "Ok", "then", "."]),
    ],
)
def test_abbreviations_initials_decimals_and_ellipses_stay_whole(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("See http://x.com/a.b. Good.", ["See", "http://x.com/a.b", ".", "Good", "."]),
        ('Visit "https://t.co/a?x=1&y=2" now!', ["Visit", "``", "https://t.co/a?x=1&y=2", "''", "now", "!"]),
        ("(see www.imdb.com/title)", ["-LRB-", "see", "www.imdb.com/title", "-RRB-"]),
        ("Mail a.b@c.co.uk, thanks.", ["Mail", "a.b@c.co.uk", ",", "thanks", "."]),
    ],
)
def test_urls_and_email_addresses_are_one_token(text, expected):
    assert words(text) == expected


def test_a_long_word_is_read_in_linear_time():
    """The address rule reads each run of address characters once: a 30,000-letter word took
    about 12 s when a match could start inside the run (2-core AMD EPYC), and takes milliseconds."""
    start = time.perf_counter()
    assert words("a" * 30_000 + " x@y.org") == ["a" * 30_000, "x@y.org"]
    assert time.perf_counter() - start < 1.0


def test_text_that_already_has_the_private_marks_is_tokenized_without_loss():
    assert words("x \ue0000\ue001 http://a.b")[:2] == ["x", "\ue0000\ue001"]


def test_parentheses_can_stay():
    assert words("(a)", convert_parentheses=False) == ["(", "a", ")"]


def test_empty_text_has_no_tokens():
    assert words("") == [] and words(" \n ") == []


# The sha256 of each SST file's token stream (one JSON list of a tree's tokens per line) as
# the `sst_trees` reader gave it before sentences were split the way punkt does.
SST_TOKENS = {
    "train": (8544, "96c6037181e642cc7ea272237cc2ea3cb84f1a885cfd8a2b501a6e4c062ee5eb"),
    "dev": (1101, "393c9bbbf8e8bf4f903c5dd49bd71147fd3a6848f55baa56992956b1569ddf22"),
    "test": (2210, "90ac8d12dfd7b1ba021307ffd49951b10b252e97782a74b08cd579456e2694b9"),
}


@pytest.mark.parametrize("split", sorted(SST_TOKENS))
def test_every_sst_file_reads_to_the_same_tokens(shared_dir, split):
    digest, count = hashlib.sha256(), 0
    for instance in SstTreesReader().read(str(shared_dir / "data" / "sst" / f"{split}.txt")):
        digest.update(json.dumps([token.text for token in instance["tokens"]]).encode() + b"\n")
        count += 1
    assert (count, digest.hexdigest()) == SST_TOKENS[split]
