import re
from typing import List

from allennlp.data.tokenizers import Token, Tokenizer
from nltk.tokenize.treebank import TreebankWordTokenizer
from overrides import overrides

# A sentence ends at ., ! or ? (optionally followed by closing quotes or brackets) and the
# next one starts with an upper-case letter, a digit or an opening quote/bracket. This needs
# no trained model (NLTK's punkt would need a data download).
_SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> List[str]:
    """Splits running text into sentences with a rule that needs no download."""
    return [sentence for sentence in _SENTENCE_BOUNDARY.split(text.strip()) if sentence]


@Tokenizer.register("treebank")
class TreebankTokenizer(Tokenizer):
    """
    Penn Treebank tokenization with NLTK's `TreebankWordTokenizer`, which needs no data
    download. Its output matches the tokens of the Stanford Sentiment Treebank: `does n't`,
    `` `` `` and `''` for double quotes, and (by default) `-LRB-`/`-RRB-` for parentheses.

    The Treebank tokenizer only separates a full stop at the very end of its input, so text
    is first split into sentences (see `split_sentences`) and each sentence is tokenized.

    Registered as a `Tokenizer` with name "treebank".

    # Parameters

    lowercase : `bool`, optional (default = `False`)
        Lower-case every token.
    convert_parentheses : `bool`, optional (default = `True`)
        Write `(` `)` `[` `]` `{` `}` as `-LRB-` `-RRB-` ... as the SST trees do.
    """

    def __init__(self, lowercase: bool = False, convert_parentheses: bool = True) -> None:
        self._tokenizer = TreebankWordTokenizer()
        self._lowercase = lowercase
        self._convert_parentheses = convert_parentheses

    @overrides
    def tokenize(self, text: str) -> List[Token]:
        words: List[str] = []
        for sentence in split_sentences(text):
            words.extend(
                self._tokenizer.tokenize(sentence, convert_parentheses=self._convert_parentheses)
            )
        if self._lowercase:
            words = [word.lower() for word in words]
        return [Token(word) for word in words]
