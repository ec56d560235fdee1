"""
Which of a sentence's tokens a model can read: the `unknown_share` of a prediction and its
`out_of_reach` flag (see `VocabularyReach`).
"""
from typing import Dict, List, Mapping, Sequence

from allennlp.data import TokenIndexer, Vocabulary
from allennlp.data.token_indexers import ELMoTokenCharactersIndexer, SingleIdTokenIndexer

# A prediction whose `unknown_share` is above this is flagged `out_of_reach`.
OUT_OF_REACH_THRESHOLD = 0.5
OUT_OF_REACH_WARNING = "most of these words are unknown to this model"
# The characters an English ELMo has read in training, as code point ranges: Basic Latin,
# Latin-1 Supplement, Latin Extended-A and -B, IPA extensions and spacing modifiers, combining
# accents, Latin Extended Additional, General Punctuation (curly quotes, dashes, ellipsis) and
# Currency Symbols.
LATIN_RANGES = ((0x0000, 0x036F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF))


def in_character_reach(character: str) -> bool:
    """Whether one character is Latin script, ASCII, or punctuation of English text (`LATIN_RANGES`)."""
    point = ord(character)
    return any(low <= point <= high for low, high in LATIN_RANGES)


def out_of_character_reach(token: str) -> bool:
    """
    Whether more than half of a token's characters are outside `LATIN_RANGES`: Chinese,
    Cyrillic, Arabic or Greek words, emoji. ELMo's character indexer turns any text into
    UTF-8 bytes, so it can represent every token; but an ELMo pre-trained on English text has
    seen the bytes of other scripts too rarely to read them.
    """
    outside = sum(not in_character_reach(character) for character in token)
    return outside * 2 > len(token)


class VocabularyReach:
    """
    Tells which tokens a model cannot read, from its vocabulary and its reader's token indexers:

    - a `single_id` indexer whose namespace the model's vocabulary holds: the token, lowercased
      where the indexer lowercases, is not in the namespace (it is read as `@@UNKNOWN@@`);
    - an `elmo_characters` indexer: the token is `out_of_character_reach`.

    A token is unknown when any of these says so. Other indexers are not judged; a model with
    none of these (`judged` is false) gets no `unknown_share`.

    # Parameters

    vocab : `Vocabulary`
        The model's vocabulary.
    token_indexers : `Mapping[str, TokenIndexer]`
        The reader's token indexers of the `tokens` field.
    threshold : `float`, optional (default = `OUT_OF_REACH_THRESHOLD`)
        A prediction whose unknown share is above it is `out_of_reach`.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        token_indexers: Mapping[str, TokenIndexer],
        threshold: float = OUT_OF_REACH_THRESHOLD,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"the out-of-reach threshold must be between 0 and 1, not {threshold!r}")
        self.threshold = threshold
        # (known words, lowercase) of each word namespace the model reads.
        self._words: List[tuple] = []
        self._characters = False
        for indexer in token_indexers.values():
            if isinstance(indexer, SingleIdTokenIndexer) and indexer.namespace is not None:
                if indexer.namespace in vocab.get_namespaces():
                    known = vocab.get_token_to_index_vocabulary(indexer.namespace)
                    self._words.append((known, bool(indexer.lowercase_tokens)))
            elif isinstance(indexer, ELMoTokenCharactersIndexer):
                self._characters = True

    @property
    def judged(self) -> bool:
        """Whether the model reads words or ELMo characters, so that its tokens can be judged."""
        return bool(self._words) or self._characters

    def unknown(self, token: str) -> bool:
        """Whether the model cannot read `token` (see the class docstring)."""
        for known, lowercase in self._words:
            if (token.lower() if lowercase else token) not in known:
                return True
        return self._characters and out_of_character_reach(token)

    def describe(self, tokens: Sequence[str]) -> Dict[str, object]:
        """
        `unknown_share` (0..1: the share of the words among `tokens` that the model cannot
        read), `unknown_tokens` (those words, in order) and `out_of_reach` (the share is above
        the threshold), with `warning` (`OUT_OF_REACH_WARNING`) when it is; nothing for a model
        that is not `judged` or for no tokens. Words are the tokens with a letter or a digit in
        them (punctuation, which every model knows, would only dilute the share); when no token
        has one (`"👎 !"`), every token counts.
        """
        if not self.judged or not tokens:
            return {}
        words = [token for token in tokens if any(character.isalnum() for character in token)] or list(tokens)
        unknown = [word for word in words if self.unknown(word)]
        share = len(unknown) / len(words)
        described: Dict[str, object] = {
            "unknown_share": share,
            "unknown_tokens": unknown,
            "out_of_reach": share > self.threshold,
        }
        if share > self.threshold:
            described["warning"] = OUT_OF_REACH_WARNING
        return described


def reader_token_indexers(reader: object) -> Mapping[str, TokenIndexer]:
    """The token indexers a `sst_elmo` reader gives its `tokens` field (none for another reader)."""
    indexers = getattr(reader, "_token_indexers", None)
    return indexers if isinstance(indexers, Mapping) else {}
