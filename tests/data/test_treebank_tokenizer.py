from sst_elmo.data.tokenizers import TreebankTokenizer, split_sentences


def test_matches_sst_tokenization():
    words = [t.text for t in TreebankTokenizer().tokenize('He said "it\'s great" (twice).')]
    assert words == ["He", "said", "``", "it", "'s", "great", "''", "-LRB-", "twice", "-RRB-", "."]


def test_splits_sentences_before_tokenizing():
    assert split_sentences("Good film. Bad end! Why? no") == ["Good film.", "Bad end!", "Why? no"]
    words = [t.text for t in TreebankTokenizer(lowercase=True).tokenize("Good film. Bad end.")]
    assert words == ["good", "film", ".", "bad", "end", "."]


def test_parentheses_can_stay():
    assert [t.text for t in TreebankTokenizer(convert_parentheses=False).tokenize("(a)")] == ["(", "a", ")"]
