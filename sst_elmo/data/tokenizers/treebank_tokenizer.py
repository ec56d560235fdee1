import re
from typing import List

from allennlp.data.tokenizers import Token, Tokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from nltk.tokenize.treebank import TreebankWordTokenizer
from overrides import overrides

from sst_elmo.data.text_cleaning import strip_urls_and_handles

# Abbreviations whose full stop does not end a sentence, as punkt stores them: lower case,
# without the final full stop. A trained punkt model learns such a list from a corpus (and
# needs a data download); this short one covers common English titles, Latin abbreviations and
# months, and `_Abbreviations` adds every dotted form such as "u.s", "e.g", "a.m", "l.a" or "e.t"
# (single letters with full stops between them). Splitting less is harmless (the abbreviation
# keeps its full stop, as in the Penn Treebank); splitting after "Mr." would cut "Mr" from ".".
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "messrs", "dr", "prof", "rev", "st", "jr", "sr", "mt", "ft", "gov", "sen",
        "gen", "lt", "col", "capt", "sgt", "vs", "etc", "cf", "al", "approx", "dept", "inc", "ltd",
        "corp", "co", "bros", "vol", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec",
    }
)
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


class _Abbreviations(frozenset):
    """`ABBREVIATIONS`, and every dotted form of single letters ("u.s", "e.g"), for punkt's `in` test."""

    def __contains__(self, word: object) -> bool:
        return super().__contains__(word) or (isinstance(word, str) and bool(_DOTTED.fullmatch(word)))


_PARAMETERS = PunktParameters()
_PARAMETERS.abbrev_types = _Abbreviations(ABBREVIATIONS)
# Punkt without trained data: its rules, these abbreviations, and no learned statistics.
_PUNKT = PunktSentenceTokenizer(_PARAMETERS)

# URLs and e-mail addresses are kept as one token each (the Treebank rules would cut them at
# ":", "@", "?" and "&"); a URL's trailing punctuation ("see x.com/a.") is not part of it. An
# address begins where a run of the characters it may start with begins (the look-behind), so
# the search reads each run once: without it, a 20,000-letter word took 6 s (quadratic).
_URL_OR_EMAIL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?'()\[\]{}]"
    r"|(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
# Marks around a hidden URL's number while the Treebank rules run: private-use characters,
# which no rule touches.
_HIDDEN = ("\ue000", "\ue001")
_RESTORE = re.compile(f"{_HIDDEN[0]}([0-9]+){_HIDDEN[1]}")


def split_sentences(text: str) -> List[str]:
    """
    Splits running text into sentences the way NLTK's punkt does, with no download: an
    untrained `PunktSentenceTokenizer` that knows the `ABBREVIATIONS`. A sentence ends at a
    `.`, `!` or `?` (closing quotes and brackets go with it) followed by white space, whatever
    comes next (a word in either case, an emoji, a symbol); not at a known abbreviation
    ("Mr. Smith", "U.S."), an initial ("J. K. Rowling"), an ellipsis ("Well... ok") or a
    full stop inside a token ("3.5", "e.g.", "x.com").
    """
    return [sentence for sentence in _PUNKT.tokenize(text) if sentence.strip()]


@Tokenizer.register("treebank")
class TreebankTokenizer(Tokenizer):
    """
    Penn Treebank tokenization with NLTK's `TreebankWordTokenizer`, which needs no data
    download. Its output matches the tokens of the Stanford Sentiment Treebank: `does n't`,
    `` `` `` and `''` for double quotes, and (by default) `-LRB-`/`-RRB-` for parentheses.

    The Treebank tokenizer only separates a full stop at the very end of its input, so text
    is first split into sentences the way punkt does (see `split_sentences`) and each sentence
    is tokenized: "Terrible. 👎" is `Terrible . 👎`. URLs and e-mail addresses stay one token.

    Registered as a `Tokenizer` with name "treebank".

    # Parameters

    lowercase : `bool`, optional (default = `False`)
        Lower-case every token.
    convert_parentheses : `bool`, optional (default = `True`)
        Write `(` `)` `[` `]` `{` `}` as `-LRB-` `-RRB-` ... as the SST trees do.
    strip_urls_and_handles : `bool`, optional (default = `False`)
        Drop URLs and @handles before tokenizing (`sst_elmo.data.text_cleaning`); a text of
        nothing else is tokenized as it is. For models trained on text that has none, such as
        SST (the `sst_trees` reader turns it on for the raw text it is given to predict on).
    """

    def __init__(
        self, lowercase: bool = False, convert_parentheses: bool = True, strip_urls_and_handles: bool = False
    ) -> None:
        self._tokenizer = TreebankWordTokenizer()
        self._lowercase = lowercase
        self._convert_parentheses = convert_parentheses
        self._strip_urls_and_handles = strip_urls_and_handles

    def tokenize_sentence(self, sentence: str) -> List[str]:
        """The Treebank tokens of one sentence, each URL or e-mail address kept whole."""
        found: List[str] = []

        def hide(match) -> str:  # a stand-in that the Treebank rules neither split nor join
            found.append(match.group())
            return f"{_HIDDEN[0]}{len(found) - 1}{_HIDDEN[1]}"

        # (A text with the marks in it already, which no real text has, keeps its URLs unhidden.)
        marked = any(mark in sentence for mark in _HIDDEN)
        hidden = sentence if marked else _URL_OR_EMAIL.sub(hide, sentence)
        words = self._tokenizer.tokenize(hidden, convert_parentheses=self._convert_parentheses)
        if not found:
            return words
        return [_RESTORE.sub(lambda match: found[int(match.group(1))], word) for word in words]

    @overrides
    def tokenize(self, text: str) -> List[Token]:
        if self._strip_urls_and_handles:
            text = strip_urls_and_handles(text) or text
        words: List[str] = []
        for sentence in split_sentences(text):
            words.extend(self.tokenize_sentence(sentence))
        if self._lowercase:
            words = [word.lower() for word in words]
        return [Token(word) for word in words]
