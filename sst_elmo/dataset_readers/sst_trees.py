import random
from typing import Iterable, List, Optional, Sequence, Tuple, TypeVar, Union

from allennlp.data import DatasetReader, Instance, Tokenizer
from nltk.tree import Tree
from overrides import overrides

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import numbered_lines
from sst_elmo.data.identity_swaps import DEFAULT_TERMS, IdentityTerms, swapped_copies
from sst_elmo.data.tokenizers import TreebankTokenizer
from sst_elmo.dataset_readers.classification_reader import ClassificationReader
from sst_elmo.dataset_readers.sharding import shard_rows

# How the five SST sentiment labels map onto coarser label sets; `None` drops the phrase.
GRANULARITIES = {
    "5-class": {0: "0", 1: "1", 2: "2", 3: "3", 4: "4"},
    "3-class": {0: "0", 1: "0", 2: "1", 3: "2", 4: "2"},
    "2-class": {0: "0", 1: "0", 2: None, 3: "1", 4: "1"},
}


@DatasetReader.register("sst_trees")
class SstTreesReader(ClassificationReader):
    """
    Reads the Stanford Sentiment Treebank in its PTB tree form, one tree per line, with a
    sentiment label 0-4 on every node, e.g. `(3 (2 It) (4 (4 rocks) (2 .)))`.

    Unlike AllenNLP's `sst_tokens`, every malformed tree (unbalanced brackets, a node
    without a 0-4 label) raises one `InputError` naming the file and line, and the
    instances carry whichever token indexers are configured, so ELMo character ids and
    word ids can be used together.

    Registered as a `DatasetReader` with name "sst_trees".

    # Parameters

    granularity : `str`, optional (default = `"5-class"`)
        `"5-class"` (labels "0".."4"), `"3-class"` (negative "0", neutral "1", positive "2")
        or `"2-class"` (negative "0", positive "1"; neutral phrases are dropped).
    use_subtrees : `bool`, optional (default = `False`)
        Also yield every labelled phrase inside each tree. For training only: keep it off
        for the validation and test readers.
    sample_trees : `int`, optional
        Read only this many trees of the file, drawn at random with `sample_seed` (then, with
        `use_subtrees`, every phrase of those trees). Samples of one seed are nested: the 100
        trees of `sample_trees=100` are among the 300 of `sample_trees=300`. Unlike
        `max_instances`, which keeps the first instances (phrases) read, this draws whole
        trees from the whole file: the small-data experiments of `configs/grids/`.
    sample_seed : `int`, optional (default = `13370`)
        The seed of the tree sample; fixed by default, so that every run sees the same trees.
    identity_terms : `str`, optional
        Counterfactual copies for training (`sst_elmo.data.identity_swaps`): each phrase that names
        an identity term of this TSV file (`"default"`: Dixon et al. 2018's sexuality, race and
        religion terms, `sst_elmo/data/lexicons/identity_terms.tsv`) is also read with the term
        swapped for another of its group, with the same label. For training only, like
        `use_subtrees`: set it with `-o '{"dataset_reader.identity_terms": "default"}'`, which
        leaves the validation reader as it is, and the SST configs' validation readers set it to null.
    identity_copies : `int`, optional (default = `1`)
        Copies per phrase that names a term (fewer where the draws coincide).
    identity_seed : `int`, optional (default = `13370`)
        Seeds the draws, per line and phrase: every read yields the same copies.
    tokenizer : `Tokenizer`, optional (default = `TreebankTokenizer(strip_urls_and_handles=True)`)
        Only for raw text given to predict on (the trees come tokenized). SST has no URL or
        @handle, so a model trained on it has never read one; by default they are dropped
        before tokenizing (`{"type": "treebank"}` keeps them).
    **kwargs
        Passed to `ClassificationReader` (token indexers, `max_tokens`, ...).
    """

    def __init__(
        self,
        granularity: str = "5-class",
        use_subtrees: bool = False,
        sample_trees: Optional[int] = None,
        sample_seed: int = 13370,
        identity_terms: Optional[str] = None,
        identity_copies: int = 1,
        identity_seed: int = 13370,
        tokenizer: Optional[Tokenizer] = None,
        **kwargs,
    ) -> None:
        super().__init__(tokenizer=tokenizer or TreebankTokenizer(strip_urls_and_handles=True), **kwargs)
        if sample_trees is not None and (isinstance(sample_trees, bool) or int(sample_trees) < 1):
            raise ValueError(f"sample_trees must be a count >= 1, not {sample_trees!r}")
        if granularity not in GRANULARITIES:
            raise ValueError(
                f"granularity must be one of {sorted(GRANULARITIES)}, not {granularity!r}"
            )
        self._label_map = GRANULARITIES[granularity]
        self._use_subtrees = use_subtrees
        self._sample_trees = None if sample_trees is None else int(sample_trees)
        self._sample_seed = sample_seed
        if isinstance(identity_copies, bool) or int(identity_copies) < 1:
            raise ValueError(f"identity_copies must be a count >= 1, not {identity_copies!r}")
        # Read on first use: an archive whose training reader names a file another machine lacks
        # still loads (its training reader is built, never used).
        self._identity_terms_file = DEFAULT_TERMS if identity_terms == "default" else identity_terms
        self._identity_terms: Optional[IdentityTerms] = None
        self._identity_copies = int(identity_copies)
        self._identity_seed = identity_seed

    @overrides
    def _read(self, file_path: str) -> Iterable[Instance]:
        rows: Iterable[Tuple[int, str]] = numbered_lines(file_path)
        if self._sample_trees is not None:
            rows = nested_sample(list(rows), self._sample_trees, self._sample_seed)
        for line_number, line in shard_rows(rows):
            tree = parse_tree(line, file_path, line_number)
            phrases = tree.subtrees() if self._use_subtrees else [tree]
            for index, phrase in enumerate(phrases):
                label = self._label_map[int(phrase.label())]
                if label is None:
                    continue
                yield self.instance_at(file_path, line_number, line, phrase.leaves(), label)
                for copy in self._identity_copies_of(phrase.leaves(), line_number, index):
                    yield self.instance_at(file_path, line_number, line, copy, label)

    def _identity_copies_of(self, tokens: List[str], line_number: int, index: int) -> List[List[str]]:
        if self._identity_terms_file is None:
            return []
        if self._identity_terms is None:
            self._identity_terms = IdentityTerms.from_file(self._identity_terms_file)
        rng = random.Random(f"{self._identity_seed}:{line_number}:{index}")
        return swapped_copies(tokens, self._identity_terms, self._identity_copies, rng)

    @overrides
    def text_to_instance(self, text, label: Optional[Union[str, int]] = None) -> Instance:  # type: ignore
        """
        `text` is raw text (tokenized; never read as a tree, even when it starts with `(`) or a
        list of tokens. Trees come from tree files (`read`) or `tree_to_instance`.
        """
        return super().text_to_instance(text, label)

    def tree_to_instance(self, tree: str) -> Instance:
        """The instance of one PTB tree string such as `(3 (2 a) (3 b))`; its root label is the gold label."""
        parsed = parse_tree(tree)
        return super().text_to_instance(parsed.leaves(), self._label_map[int(parsed.label())])


_T = TypeVar("_T")


def nested_sample(rows: Sequence[_T], count: int, seed: int) -> List[_T]:
    """
    `count` of `rows` drawn at random with `seed`, in their original order (all of them when
    there are no more). For one seed, a smaller sample is part of every larger one: both are
    prefixes of the same shuffled order.
    """
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    return [rows[i] for i in sorted(order[:count])]


def parse_tree(line: str, path: Optional[str] = None, line_number: Optional[int] = None) -> Tree:
    """Parses one SST tree, checking that every node has a sentiment label 0-4."""
    try:
        tree = Tree.fromstring(line)
    except ValueError as error:
        reason = str(error).strip().splitlines()[0]
        raise InputError(f"malformed tree: {reason}", path, line_number, line) from None
    if not isinstance(tree, Tree):
        raise InputError("not a tree: expected '(label ...)'", path, line_number, line)
    for node in tree.subtrees():
        if node.label() not in {"0", "1", "2", "3", "4"}:
            raise InputError(
                f"node label {node.label()!r} is not a sentiment 0-4", path, line_number, line
            )
        if not node.leaves() or not all(isinstance(child, (str, Tree)) for child in node):
            raise InputError("a node has no words", path, line_number, line)
    return tree
