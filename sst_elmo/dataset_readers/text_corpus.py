import re
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.data import DatasetReader, Instance, Token, TokenIndexer, Tokenizer
from allennlp.data.fields import TextField
from allennlp.data.token_indexers import ELMoTokenCharactersIndexer, SingleIdTokenIndexer
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import csv_with_header, numbered_lines
from sst_elmo.data.tokenizers import TreebankTokenizer, split_sentences
from sst_elmo.dataset_readers.hash_split import HashSplit
from sst_elmo.dataset_readers.sentence_jsonl import parse_json_line
from sst_elmo.dataset_readers.sharding import require_instances, shard_rows
from sst_elmo.dataset_readers.sst_trees import parse_tree
from sst_elmo.dataset_readers.tweets_csv import clean_tweet

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def bilm_token_indexers() -> Dict[str, TokenIndexer]:
    """The token indexers of every pre-training config (`configs/pretrain/pretrain.libsonnet`)."""
    return {"elmo": ELMoTokenCharactersIndexer(), "words": SingleIdTokenIndexer("lm_words")}


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
    csv_column : `str`, optional
        Read CSV files with a header instead, one document per record: the text of this
        column (e.g. `"tweet"` for the tweets' `train.csv` and `unlabelled.csv`, to adapt an
        ELMo to tweets). Other columns, labels included, are never read.
    csv_id_column : `str`, optional
        With `csv_column`: hash this column instead of the line number for `split`, so that
        the split is the one a classification reader with the same `split_seed` and
        `validation_fraction` makes (`tweets_csv` hashes its `id` column); pre-training on the
        `"train"` part then never reads the text of the classifier's validation rows.
    clean_tweets : `bool`, optional (default = `False`)
        Clean each document as `tweets_csv` cleans a tweet before it is tokenized.
    json_field : `str`, optional
        Read files named `*.jsonl` or `*.jsonl.gz` as JSON lines, one document per object: the
        string under this key (e.g. `"text"` for IMDB's `train.jsonl.gz`, to pre-train on the
        reviews' text). Other keys, labels included, are never read. Other files of a list
        are read as plain text, so one list can mix both. Not with `csv_column`.
    sst_trees : `bool`, optional (default = `False`)
        Read files of Stanford Sentiment Treebank trees (PTB brackets, one tree a line, such as
        SST's `train.txt`) instead: each tree is one sentence whose tokens are its leaves, as the
        `sst_trees` reader gives them to a classifier (not tokenized again, so `-LRB-` and
        `n't` stay). Labels are never read. For task-adaptive pre-training on SST's training
        sentences (`configs/pretrain/sst_adapt.jsonnet`). Not with `csv_column`, `json_field`,
        `clean_tweets` or `tokenizer`; `strip_html_breaks` does not apply.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).

    The file path may also be a list of files, read one after another.
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
        csv_column: Optional[str] = None,
        csv_id_column: Optional[str] = None,
        clean_tweets: bool = False,
        json_field: Optional[str] = None,
        sst_trees: bool = False,
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
        if csv_id_column is not None and csv_column is None:
            raise ValueError("csv_id_column needs csv_column")
        if json_field is not None and csv_column is not None:
            raise ValueError("give csv_column or json_field, not both")
        if sst_trees and (csv_column is not None or json_field is not None or clean_tweets or tokenizer):
            raise ValueError(
                "sst_trees reads tree files: not with csv_column, json_field, clean_tweets or tokenizer"
            )
        self._sst_trees = sst_trees
        self._csv_column = csv_column
        self._csv_id_column = csv_id_column
        self._json_field = json_field
        self._clean_tweets = clean_tweets

    def in_split(self, key: Union[int, str]) -> bool:
        """Whether the document with this key (line number, or CSV id) is in the configured split."""
        return key in self._split

    def documents(self, path: str) -> Iterator[Tuple[Union[int, str], str]]:
        """`(split key, text)` of every document of one file."""
        if self._json_field is not None and path.endswith((".jsonl", ".jsonl.gz")):
            for line_number, line in numbered_lines(path):
                text = parse_json_line(line, path, line_number).get(self._json_field)
                if not isinstance(text, str):
                    raise InputError(f"expected a string under {self._json_field!r}", path, line_number, line)
                yield line_number, text
            return
        if self._csv_column is None:
            yield from numbered_lines(path)
            return
        required = [self._csv_column] + ([self._csv_id_column] if self._csv_id_column else [])
        _, records = csv_with_header(path, required_columns=required)
        for line_number, row in records:
            yield (row[self._csv_id_column] if self._csv_id_column else line_number), row[self._csv_column]

    def sentences(self, document: str) -> Iterator[List[str]]:
        """The token lists of one document: sentence split, tokenized, chunked, filtered."""
        if self._clean_tweets:
            document = clean_tweet(document)
        if self._strip_html_breaks:
            document = _HTML_BREAK.sub(" ", document)
        for sentence in split_sentences(document):
            yield from self.chunks([token.text for token in self._tokenizer.tokenize(sentence)])

    def chunks(self, words: List[str]) -> Iterator[List[str]]:
        """One sentence's tokens cut to `max_sentence_length`, chunks below `min_sentence_length` left out."""
        step = self._max_sentence_length or max(len(words), 1)
        for start in range(0, len(words), step):
            chunk = words[start : start + step]
            if len(chunk) >= self._min_sentence_length:
                yield chunk

    def token_lists(self, file_path: Union[str, Sequence[str]]) -> Iterator[List[str]]:
        """
        The token lists of every sentence this reader reads from `file_path` (a file or a list
        of files), in order, without making instances: what `_read` turns into instances, and
        the text that `allennlp word-vectors` trains static vectors on.
        """
        paths = [file_path] if isinstance(file_path, str) else list(file_path)
        documents = ((path, *document) for path in paths for document in self.documents(path))
        for path, key, text in shard_rows(documents):
            if not self.in_split(key):
                continue
            if self._sst_trees:
                yield from self.chunks(parse_tree(text, path, key).leaves())
            else:
                yield from self.sentences(text)

    @overrides
    def read(self, file_path) -> Iterator[Instance]:
        """`DatasetReader.read`; a file that yields no sentence is an `InputError` naming it."""
        return require_instances(super().read(file_path), file_path)

    @overrides
    def _read(self, file_path: Union[str, Sequence[str]]) -> Iterable[Instance]:
        for words in self.token_lists(file_path):
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
