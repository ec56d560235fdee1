import re
from typing import Dict, Iterable, Iterator, List, Optional

from allennlp.data import DatasetReader, Instance, Token, TokenIndexer, Tokenizer
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from overrides import overrides

from sst_elmo.common.file_utils import numbered_lines
from sst_elmo.data.tokenizers import TreebankTokenizer, split_sentences
from sst_elmo.dataset_readers.hash_split import HashSplit
from sst_elmo.dataset_readers.sharding import require_instances, shard_rows

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@DatasetReader.register("text_corpus")
class TextCorpusReader(DatasetReader):
    """
    Reads raw text for language-model pre-training: one document per line (plain or `.gz`,
    blank lines skipped), each split into sentences with `split_sentences` and every
    sentence tokenized (PTB tokenization by default). Each sentence becomes one `Instance`
    with a single `TextField` `"tokens"`, e.g. the `elmo_characters` ids the biLM reads and
    the word ids (`single_id`, namespace `lm_words`) that are its softmax targets.

    Reading streams the file (nothing but the current line is held in memory) and shards
    documents across distributed and data-loader workers.

    Registered as a `DatasetReader` with name "text_corpus".

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional (default = `{"tokens": SingleIdTokenIndexer()}`)
        For `elmo_bilm`: `{"elmo": {"type": "elmo_characters"},
        "words": {"type": "single_id", "namespace": "lm_words"}}`.
    tokenizer : `Tokenizer`, optional (default = `TreebankTokenizer()`)
        Applied to each sentence.
    strip_html_breaks : `bool`, optional (default = `True`)
        Replace `<br />` (and `<br>`) with a space, for IMDB-style text.
    max_sentence_length : `int`, optional
        Longer sentences are cut into consecutive chunks of at most this many tokens.
    min_sentence_length : `int`, optional (default = `1`)
        Sentences (and trailing chunks) with fewer tokens are skipped.
    split : `str`, optional
        `"train"` or `"validation"`: read only that part of the corpus, to hold out text for
        validation perplexity. A document goes to one part by a hash of its line number, so
        the split is fixed and the same on every machine and run.
    validation_fraction : `float`, optional (default = `0.01`)
        The share of documents that `split="validation"` reads.
    split_seed : `str`, optional (default = `"sst_elmo"`)
        Mixed into the hash; another seed gives another fixed split.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    def __init__(
        self,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        tokenizer: Optional[Tokenizer] = None,
        strip_html_breaks: bool = True,
        max_sentence_length: Optional[int] = None,
        min_sentence_length: int = 1,
        split: Optional[str] = None,
        validation_fraction: float = 0.01,
        split_seed: str = "sst_elmo",
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        if min_sentence_length < 1:
            raise ValueError(f"min_sentence_length must be at least 1, not {min_sentence_length}")
        if max_sentence_length is not None and max_sentence_length < min_sentence_length:
            raise ValueError(
                f"max_sentence_length ({max_sentence_length}) is below "
                f"min_sentence_length ({min_sentence_length})"
            )
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._tokenizer = tokenizer or TreebankTokenizer()
        self._strip_html_breaks = strip_html_breaks
        self._max_sentence_length = max_sentence_length
        self._min_sentence_length = min_sentence_length
        self._split = HashSplit(split, validation_fraction, split_seed)

    def in_split(self, line_number: int) -> bool:
        """Whether the document on this line belongs to the configured split."""
        return line_number in self._split

    def sentences(self, document: str) -> Iterator[List[str]]:
        """The token lists of one document: sentence split, tokenized, chunked, filtered."""
        if self._strip_html_breaks:
            document = _HTML_BREAK.sub(" ", document)
        for sentence in split_sentences(document):
            words = [token.text for token in self._tokenizer.tokenize(sentence)]
            step = self._max_sentence_length or max(len(words), 1)
            for start in range(0, len(words), step):
                chunk = words[start : start + step]
                if len(chunk) >= self._min_sentence_length:
                    yield chunk

    @overrides
    def read(self, file_path) -> Iterator[Instance]:
        """`DatasetReader.read`; a file that yields no sentence is an `InputError` naming it."""
        return require_instances(super().read(file_path), file_path)

    @overrides
    def _read(self, file_path: str) -> Iterable[Instance]:
        for line_number, line in shard_rows(numbered_lines(file_path)):
            if not self.in_split(line_number):
                continue
            for words in self.sentences(line):
                yield self.text_to_instance(words)

    @overrides(check_signature=False)
    def text_to_instance(self, tokens: List[str]) -> Instance:  # type: ignore
        """
        # Parameters

        tokens : `List[str]`
            One tokenized sentence (not empty).
        """
        if not tokens:
            raise ValueError("the sentence has no tokens")
        return Instance({"tokens": TextField([Token(word) for word in tokens], self._token_indexers)})

    @overrides
    def apply_token_indexers(self, instance: Instance) -> None:
        instance.fields["tokens"]._token_indexers = self._token_indexers  # type: ignore
