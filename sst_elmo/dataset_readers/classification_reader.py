from typing import Dict, Iterable, Iterator, List, Optional, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Instance, Token, TokenIndexer, Tokenizer
from allennlp.data.fields import LabelField, TextField
from allennlp.data.token_indexers import SingleIdTokenIndexer
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.data.tokenizers import TreebankTokenizer
from sst_elmo.dataset_readers.hash_split import HashSplit
from sst_elmo.dataset_readers.sharding import require_instances


class ClassificationReader(DatasetReader):
    """
    Shared behaviour of the `sst_elmo` classification readers: tokenization, token
    indexers, truncation, a seeded hold-out split of one file, and the `Instance` layout
    `{"tokens": TextField, "label": LabelField}` that `lstm_classifier` consumes.

    Reading streams the file and shards it across distributed and data-loader workers.

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional (default = `{"tokens": SingleIdTokenIndexer()}`)
        For ELMo add `{"elmo": {"type": "elmo_characters"}}`; word ids and ELMo character
        ids can be used together.
    tokenizer : `Tokenizer`, optional (default = `TreebankTokenizer()`)
        Splits raw text (readers of pre-tokenized input do not use it).
    max_tokens : `int`, optional
        Keep only the first `max_tokens` tokens of each text.
    split : `str`, optional
        `"train"` or `"validation"`: read only that part of a file, for data sets that come
        without a validation file. Each row goes to one part by a hash of its id (or its line
        number), so the split is fixed and the same on every machine and run.
    validation_fraction : `float`, optional (default = `0.1`)
        The share of rows that `split="validation"` reads.
    split_seed : `str`, optional (default = `"sst_elmo"`)
        Mixed into the hash; another seed gives another fixed split.
    held_out_seed : `str`, optional
        Hold out the validation rows of this seed's split from both parts: `split="held_out"`
        reads only them. E.g. `split_seed: "split2", held_out_seed: "sst_elmo"` trains and
        early-stops on `split2` while the default split's validation rows stay unseen.
    labels : `List[str]`, optional
        The label set: any other label is an error naming the file, the line, the configured
        labels and the key to set (`dataset_reader.labels`). Without it every label is taken.
    label_names : `Dict[str, str]`, optional (default = each of `labels` names itself)
        A name a person reads for each label (`{"0": "negative", "1": "positive"}`). Not used in
        training; kept in the archive's config, the predictor adds `label_name` to its outputs.
        Naming a label that is not in `labels` is an error.

    Reading a file that yields no instance (empty, or no row in the `split`) is an error
    naming the file, as is a token with a C0 control character (such as NUL) in it.
    """

    def __init__(
        self,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        tokenizer: Optional[Tokenizer] = None,
        max_tokens: Optional[int] = None,
        split: Optional[str] = None,
        validation_fraction: float = 0.1,
        split_seed: str = "sst_elmo",
        held_out_seed: Optional[str] = None,
        labels: Optional[List[str]] = None,
        label_names: Optional[Dict[str, str]] = None,
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._tokenizer = tokenizer or TreebankTokenizer()
        self._max_tokens = max_tokens
        self._split = HashSplit(split, validation_fraction, split_seed, held_out_seed)
        self._labels = None if labels is None else [str(label) for label in labels]
        if label_names is None:
            label_names = {label: label for label in self._labels or []}
        self.label_names = {str(label): str(name) for label, name in label_names.items()}
        unknown = sorted(set(self.label_names) - set(self._labels)) if self._labels is not None else []
        if unknown:
            raise ConfigurationError(
                f"the reader's label_names name {unknown}, which are not among its labels {self._labels}: "
                f"set dataset_reader.label_names to a name for each of {self._labels}, or leave it out"
            )

    def unknown_label(self, label: str, in_file: Optional[List[str]] = None) -> str:
        """The message for a `label` that is not in `labels`; `in_file`: the labels the file holds."""
        found = f" (the labels in this file: {in_file})" if in_file else ""
        return (
            f"label {label!r} is not one of the configured labels {self._labels}{found}; "
            "set dataset_reader.labels to every label of your data"
        )

    def in_split(self, key: Union[str, int]) -> bool:
        """Whether the row with this id (or line number) belongs to the configured split."""
        return key in self._split

    def tokenize(self, text: str) -> List[str]:
        return [token.text for token in self._tokenizer.tokenize(text)]

    @overrides(check_signature=False)
    def text_to_instance(  # type: ignore
        self, text: Union[str, List[str]], label: Optional[Union[str, int]] = None
    ) -> Instance:
        """
        # Parameters

        text : `Union[str, List[str]]`
            Raw text (tokenized by this reader's tokenizer) or a list of tokens.
        label : `Union[str, int]`, optional
            The gold label; integers are converted to strings.
        """
        words = self.tokenize(text) if isinstance(text, str) else list(text)
        if self._max_tokens is not None:
            words = words[: self._max_tokens]
        if not words:
            raise ValueError("the text has no tokens")
        for word in words:
            if any(char < " " for char in word):  # NUL and the other C0 controls; never in text
                raise ValueError(f"the token {word!r} has a control character in it")
        if label is not None and self._labels is not None and str(label) not in self._labels:
            raise ValueError(self.unknown_label(str(label)))
        fields = {"tokens": TextField([Token(word) for word in words], self._token_indexers)}
        if label is not None:
            fields["label"] = LabelField(str(label))
        return Instance(fields)

    def instance_at(
        self, path: str, line_number: int, content: str, text, label=None
    ) -> Instance:
        """`text_to_instance`, with any problem reported as an `InputError` at `path:line`."""
        try:
            return self.text_to_instance(text, label)
        except ValueError as error:
            raise InputError(str(error), path, line_number, content) from None

    @overrides
    def apply_token_indexers(self, instance: Instance) -> None:
        instance.fields["tokens"]._token_indexers = self._token_indexers  # type: ignore

    @overrides
    def read(self, file_path) -> Iterator[Instance]:
        return require_instances(super().read(file_path), file_path)

    @overrides
    def _read(self, file_path: str) -> Iterable[Instance]:
        raise NotImplementedError
