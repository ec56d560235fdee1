"""
`allennlp checklist ARCHIVE sst-sentiment`: AllenNLP's sentiment behavioral test suite
(CheckList, Ribeiro et al., ACL 2020) for a classifier of any label set, offline.
"""
import json
import logging
import sys
from typing import Dict, Iterable, List, Optional, Sequence, TextIO, Tuple, Union

import numpy
from allennlp.common.checks import ConfigurationError
from allennlp.data.instance import Instance
from allennlp.predictors import Predictor
from nltk.tokenize.treebank import TreebankWordDetokenizer
from overrides import overrides

from sst_elmo.common.file_utils import atomic_write, numbered_lines
from sst_elmo.dataset_readers.sst_trees import GRANULARITIES, parse_tree

logger = logging.getLogger(__name__)

try:  # CheckList is optional (scripts/setup.sh installs it); AllenNLP's suites need it too
    from allennlp.confidence_checks.task_checklists.sentiment_analysis_suite import SentimentAnalysisSuite
    from allennlp.confidence_checks.task_checklists.task_suite import TaskSuite
    from checklist.perturb import Perturb
    from checklist.test_suite import TestSuite
    from checklist.test_types import INV
except ModuleNotFoundError as error:  # without it, `--include-package sst_elmo` still imports this module
    if error.name != "checklist":
        raise
    HAVE_CHECKLIST = False
else:
    HAVE_CHECKLIST = True

# The suite's columns: a model's label probabilities are summed into these groups.
GROUPS = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
# Label names (the readers' `label_names`, configs/lib/labels.libsonnet) and their group.
NAMED_GROUPS = {"very negative": "negative", "negative": "negative", "neutral": "neutral",
                "positive": "positive", "very positive": "positive"}
# Labels without names: the SST granularities' numbers (sst_trees' GRANULARITIES).
NUMBERED_GROUPS = {
    frozenset({"0", "1"}): {"0": "negative", "1": "positive"},
    frozenset({"0", "1", "2"}): {"0": "negative", "1": "neutral", "2": "positive"},
    frozenset({"0", "1", "2", "3", "4"}): {
        str(five): GROUPS[int(three)] for five, three in GRANULARITIES["3-class"].items()
    },
}
# The treebank's bracket tokens, written back as the brackets before detokenizing.
BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}


def label_groups_of(labels: Sequence[str], label_names: Optional[Dict[str, str]] = None,
                    label_groups: Optional[Dict[str, List[str]]] = None) -> Dict[str, str]:
    """
    `{label: "negative" | "neutral" | "positive"}` for each of a model's `labels`: from
    `label_groups` (`{group: [labels]}`) when given, else from the reader's `label_names`
    ("very negative" ... "very positive"), else, for labels without names, from the SST
    numbers ("0"/"1"; "0"-"2"; "0"-"4", where 0-1 are negative, 2 neutral, 3-4 positive).
    Anything else raises a `ConfigurationError` asking for `label_groups`.
    """
    labels = [str(label) for label in labels]
    if label_groups:
        unknown = set(label_groups) - set(GROUPS)
        if unknown:
            raise ConfigurationError(f"label_groups: unknown groups {sorted(unknown)}; the groups are {GROUPS}")
        groups = {str(label): group for group, members in label_groups.items() for label in members}
    elif label_names:
        groups = {label: NAMED_GROUPS.get(label_names.get(label, "")) for label in labels}
    else:
        groups = dict(NUMBERED_GROUPS.get(frozenset(labels), {}))
    missing = [label for label in labels if not groups.get(label)]
    if missing or not {"negative", "positive"} <= set(groups.values()):
        named = {label: (label_names or {}).get(label, label) for label in labels}
        raise ConfigurationError(
            f"cannot tell which of the labels {named} are negative, neutral or positive; say it with "
            '--task-suite-args \'{"label_groups": {"negative": [...], "positive": [...]}}\''
        )
    return {label: groups[label] for label in labels}


def group_matrix(labels: Sequence[str], groups: Dict[str, str]) -> numpy.ndarray:
    """The 0/1 matrix that sums probabilities in the order of `labels` into the `GROUPS` columns."""
    # Shape: (num_labels, 3)
    matrix = numpy.zeros((len(labels), len(GROUPS)))
    for row, label in enumerate(labels):
        matrix[row, GROUPS.index(groups[str(label)])] = 1.0
    return matrix


def suite_sentences(path: str) -> List[str]:
    """
    The sentences of `path` as text: an SST tree per line (its words, detokenized: "does n't"
    -> "doesn't", `-LRB-` -> "("), or a sentence per line.
    """
    detokenizer = TreebankWordDetokenizer()
    sentences = []
    for line_number, line in numbered_lines(path):
        if line.lstrip().startswith("("):
            words = [BRACKETS.get(word, word) for word in parse_tree(line, path, line_number).leaves()]
            sentences.append(detokenizer.detokenize(words))
        else:
            sentences.append(line.strip())
    return sentences


def name_and_place_ruler(data: Iterable[str]):
    """
    A spaCy pipeline that needs no download and marks as PERSON the first names (with an
    optional last name) and as GPE the cities and countries of CheckList's own lists: the
    entities that `Perturb.change_names` and `Perturb.change_location` can replace. A name
    that is also a word ("Will", "Love", "An": a stop word, or written in lower case somewhere
    in `data`) is left out; a city that is also a name ("Jackson") is not a place, and a country
    or city is not a first name ("India", "Cleveland").
    """
    import spacy
    from spacy.lang.en.stop_words import STOP_WORDS

    nlp = spacy.blank("en")
    words = {token.text for doc in nlp.pipe(data) for token in doc if token.text.islower()} | STOP_WORDS

    def proper(names: Iterable[str]) -> List[str]:
        return sorted({name for name in names if name.lower() not in words})

    names = Perturb.data["name"]
    ruler = nlp.add_pipe("entity_ruler")
    people, cities = set(names["men"] + names["women"] + names["last"]), set(Perturb.data["city"])
    places = (cities - people) | set(Perturb.data["country"])
    first, last = proper(set(names["men"] + names["women"]) - places), proper(names["last"])
    ruler.add_patterns(
        [{"label": "PERSON", "pattern": [{"ORTH": {"IN": first}}, {"ORTH": {"IN": last}, "OP": "?"}]}]
        + [{"label": "GPE", "pattern": place} for place in proper(places)]
    )
    return nlp


if HAVE_CHECKLIST:  # registers `allennlp checklist ARCHIVE sst-sentiment`

    @TaskSuite.register("sst-sentiment")
    class SstSentimentSuite(SentimentAnalysisSuite):
        """
        AllenNLP's `sentiment-analysis` suite (the same tests, built the same way) for a classifier
        of any label set: each prediction's `probs` are summed into negative, neutral and positive
        (`label_groups_of`), so SST-5's five labels count as three and SST-2's two as two (its
        neutral column is 0). Everything it needs ships with CheckList: the perturbation tests read
        sentences from `data_file`, and the NER tests find names and places with
        `name_and_place_ruler` unless `spacy_model` names an installed spaCy model. It also adds
        "Add random urls and handles", a Robustness test that AllenNLP's suite defines but never adds.

        `allennlp checklist models/sst2/model.tar.gz sst-sentiment --task-suite-args
        '{"data_file": "../shared/data/sst/dev.txt"}'`

        Registered as a `TaskSuite` with name "sst-sentiment".

        # Parameters

        suite : `checklist.test_suite.TestSuite`, optional
            A saved suite to run instead of building one (`--checklist-suite`).
        data_file : `str`, optional
            Sentences for the Robustness, NER and "Add ... phrases" tests: SST trees (detokenized)
            or one sentence per line (`suite_sentences`). Without it (or `data`) those tests are left out.
        label_groups : `Dict[str, List[str]]`, optional
            `{"negative": [labels], "neutral": [labels], "positive": [labels]}`, for label sets
            whose names do not say it (e.g. the tweets' "not negative").
        seed : `int`, optional (default = `0`)
            Seeds NumPy before the tests are built and before they run, so two models meet the
            same test cases (and the same `--max-examples` sample).
        spacy_model : `str`, optional
            A spaCy model for the NER tests (AllenNLP's way, which downloads a missing model).
        batch_size : `int`, optional (default = `64`)
            Sentences per call of the predictor.
        results_file : `str`, optional
            Also write each test's capability, test cases and failure rate there (JSON).
        **kwargs
            Passed to AllenNLP's suite (`data`, `num_test_cases`, `add_default_tests`).
        """

        def __init__(
            self,
            suite: Optional[TestSuite] = None,
            data_file: Optional[str] = None,
            label_groups: Optional[Dict[str, List[str]]] = None,
            seed: int = 0,
            spacy_model: Optional[str] = None,
            batch_size: int = 64,
            results_file: Optional[str] = None,
            **kwargs,
        ) -> None:
            self._label_groups = label_groups
            self._seed = seed
            self._spacy_model = spacy_model
            self._batch_size = batch_size
            self._results_file = results_file
            if data_file is not None and kwargs.get("data") is None:
                kwargs["data"] = suite_sentences(data_file)
            numpy.random.seed(seed)
            super().__init__(suite, positive=POSITIVE, negative=NEGATIVE, **kwargs)

        @overrides
        def _default_tests(self, data: Optional[Iterable[str]], num_test_cases: int = 100):
            # AllenNLP's groups of tests, in its order, NumPy seeded before each: a group's cases
            # do not depend on how many random numbers the groups before it drew.
            self._setup_editor()
            groups = [super(SentimentAnalysisSuite, self)._default_tests, self._default_vocabulary_tests,
                      self._default_ner_tests, self._default_temporal_tests, self._default_fairness_tests,
                      self._default_negation_tests]
            if data:  # defined by AllenNLP's suite, which never adds it
                groups.append(self._default_robustness_tests)
            for group in groups:
                numpy.random.seed(self._seed)
                group(data, num_test_cases)

        @overrides
        def _prediction_and_confidence_scores(self, predictor: Predictor):
            vocabulary = predictor._model.vocab.get_index_to_token_vocabulary("labels")
            labels = getattr(predictor, "labels", None) or [label for _, label in sorted(vocabulary.items())]
            groups = label_groups_of(labels, getattr(predictor, "label_names", None), self._label_groups)
            logger.info("label groups: %s", groups)
            matrix = group_matrix(labels, groups)

            def preds_and_confs_fn(data):
                probs = []
                for start in range(0, len(data), self._batch_size):
                    batch = data[start : start + self._batch_size]
                    if isinstance(batch[0], Instance):
                        outputs = predictor.predict_batch_instance(batch)
                    else:
                        outputs = predictor.predict_batch_json([{"sentence": sentence} for sentence in batch])
                    probs.extend(output["probs"] for output in outputs)
                # Shape: (len(data), 3)
                confs = numpy.asarray(probs, dtype=float) @ matrix
                return confs.argmax(axis=1), confs

            return preds_and_confs_fn

        @overrides
        def _format_failing_examples(self, inputs: Tuple, pred: int, conf: Union[numpy.array, numpy.ndarray],
                                     label: Optional[int] = None, *args, **kwargs):
            text = str(inputs)
            if label is not None:
                text += f" (Original: {GROUPS[label].capitalize()})"
            return text + f"\nPrediction: {GROUPS[pred].capitalize()} (Confidence: {conf[pred]:.1f})"

        @overrides
        def _default_ner_tests(self, data: Optional[Iterable[str]], num_test_cases: int = 100):
            if self._spacy_model is not None:
                return super()._default_ner_tests(data, num_test_cases)
            if not data:
                return
            data = list(data)
            docs = list(name_and_place_ruler(data).pipe(data))
            for perturb, name, description in [
                (Perturb.change_names, "Change names", "Replace names with other common names"),
                (Perturb.change_location, "Change locations",
                 "Replace city or country names with other cities or countries"),
                (Perturb.change_number, "Change numbers",
                 "Replace integers with random integers within a 20% radius of the original"),
            ]:
                template = Perturb.perturb(docs, perturb, nsamples=num_test_cases)
                self.add_test(INV(template.data, name=name, capability="NER", description=description))

        @overrides
        def run(self, predictor: Predictor, capabilities: Optional[List[str]] = None,
                max_examples: Optional[int] = None):
            numpy.random.seed(self._seed)
            super().run(predictor, capabilities, max_examples)

        @overrides
        def summary(self, capabilities: Optional[List[str]] = None, file: TextIO = sys.stdout, **kwargs):
            numpy.random.seed(self._seed)  # the failing examples shown are drawn at random
            super().summary(capabilities, file, **kwargs)
            if self._results_file is not None:
                atomic_write(self._results_file, json.dumps(self.results(capabilities), indent=2) + "\n")

        def results(self, capabilities: Optional[List[str]] = None) -> Dict[str, Dict]:
            """
            `{test name: {"capability", "test_cases", "test_cases_run", "failures", "failure_rate"}}`
            of the tests run (`failure_rate` from 0 to 1).
            """
            results = {}
            for name, test in self.suite.tests.items():
                if (capabilities and test.capability not in capabilities) or test.results is None:
                    continue
                stats = test.get_stats()
                results[name] = {
                    "capability": test.capability,
                    "test_cases": stats.testcases,
                    "test_cases_run": stats.get("testcases_run", stats.testcases),
                    "failures": stats.get("fails"),
                    "failure_rate": None if stats.get("fail_rate") is None else stats.fail_rate / 100,
                }
            return results
