"""
The environment variables that the Jsonnet configs in `configs/` read.

AllenNLP hands every environment variable to Jsonnet as an external variable, but
`std.extVar` fails on a variable that is not set. Importing `sst_elmo` (which the
`allennlp` CLI does through `.allennlp_plugins` or `--include-package`) sets each of
these to the empty string when it is unset, and the configs read an empty value as
"use the default from `configs/lib/`". The defaults themselves live only there, and so do
the checks of the values (an unknown GloVe, a `SST_ELMO_CACHE` that is not yes or no), except
one that Jsonnet cannot make: whether `SST_ELMO_ELMO=NAME` names a shipped ELMo, a directory
`SST_ELMO_MODELS/elmo-NAME/`. `install_config_variable_check` makes that one wherever a config
is read (`Params.from_file`, which evaluates it with `_jsonnet.evaluate_file`).
"""
import functools
import json
import os
from typing import Any, Callable, Dict, List, Mapping

from sst_elmo.common.errors import InputError

CONFIG_VARIABLES: Dict[str, str] = {
    "SST_ELMO_DATA": "a directory laid out like ../shared/data (sst/, tweets/, imdb/); "
    "empty: SST from its public URL, tweets and IMDB from ./data",
    "SST_ELMO_ELMO": "which ELMo: a published one (small, medium, original, original-5.5B) or "
    "a shipped one, NAME for SST_ELMO_MODELS/elmo-NAME (e.g. imdb) (empty: small)",
    "SST_ELMO_MODELS": "the directory of the shipped ELMo models (empty: the project's models/)",
    "SST_ELMO_OPTIONS": "local ELMo options.json; with SST_ELMO_WEIGHTS replaces the named ELMo",
    "SST_ELMO_WEIGHTS": "local ELMo weights .hdf5; with SST_ELMO_OPTIONS replaces the named ELMo",
    "SST_ELMO_ELMO_DIM": "the ELMo's output dimension, for configs that need it (bcn) and an ELMo "
    "given by files or another name (empty: known for the published and shipped ELMo)",
    "SST_ELMO_GLOVE": "which GloVe: 6B.50d, 6B.100d, 6B.300d or 840B.300d "
    "(empty: each config's own choice)",
    "SST_ELMO_GLOVE_FILE": "a local file with the vectors of the chosen GloVe (same dimension)",
    "SST_ELMO_WORDS": "word vectors trained on your own text (allennlp word-vectors): NAME for "
    "SST_ELMO_MODELS/words-NAME (imdb, tweets, sst; built on first use or by `make words`); "
    "overrides SST_ELMO_GLOVE",
    "SST_ELMO_WORDS_DIM": "the dimension of SST_ELMO_WORDS's vectors, for a NAME of your own "
    "(empty: read from the card.json of imdb, tweets and sst)",
    "SST_ELMO_CACHE": "1, true, yes or on: frozen ELMo reads its activations from an on-disk cache "
    "(cached_elmo); 0, false, no, off or empty: no cache",
    # configs/csv_classifier.jsonnet: your own CSV of labelled texts (empty: the config's own value)
    "SST_ELMO_CSV_TRAIN": "csv_classifier: the CSV file to train on (a header row first)",
    "SST_ELMO_CSV_VALIDATION": "csv_classifier: a CSV file to validate on "
    "(empty: a fixed 10% of the training file's rows)",
    "SST_ELMO_CSV_TEXT_COLUMN": "csv_classifier: the column of the texts (empty: text)",
    "SST_ELMO_CSV_LABEL_COLUMN": "csv_classifier: the column of the labels (empty: label)",
    "SST_ELMO_CSV_LABELS": "csv_classifier: every label, comma-separated, e.g. neg,pos "
    "(empty: whatever labels the training file has)",
}

# The hyperparameters that a tuning study sets (configs/lib/tunable.libsonnet; empty: the
# config's own value). `allennlp tune` hands a trial's suggestions to Jsonnet under these names.
TUNABLE_HYPERPARAMETERS: Dict[str, str] = {
    "lr": "Adam's learning rate",
    "dropout": "dropout before the encoder",
    "hidden_size": "the biLSTM encoder's hidden size (per direction)",
    "elmo_dropout": "dropout on the ELMo vectors",
    "elmo_layer_norm": "layer norm of the biLM layers before the scalar mix (true/false)",
    "glove_trainable": "whether the GloVe vectors train (true/false)",
    "num_epochs": "the epoch budget",
    "patience": "epochs without a better validation metric before stopping",
    "batch_size": "instances per batch",
}
HYPERPARAMETER_PREFIX = "SST_ELMO_HP_"
CONFIG_VARIABLES.update(
    {HYPERPARAMETER_PREFIX + name.upper(): f"tuning: {what}" for name, what in TUNABLE_HYPERPARAMETERS.items()}
)


# The source checkout that holds the package (its `configs/`, `models/`, and `../shared` beside it).
PROJECT_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The shipped ELMo models: `models/` beside the package, in a source checkout.
SHIPPED_MODELS = os.path.join(PROJECT_ROOT, "models")
# The shared data directory beside the checkout (tests and benchmarks read it).
SHARED = os.path.join(PROJECT_ROOT, "..", "shared")


def set_config_defaults() -> None:
    """
    Sets every unset config variable to "" so that `std.extVar` always finds it, except an
    unset or empty `SST_ELMO_MODELS`, which names the project's `models/` directory.
    """
    for name in CONFIG_VARIABLES:
        os.environ.setdefault(name, "")
    if not os.environ["SST_ELMO_MODELS"]:
        os.environ["SST_ELMO_MODELS"] = SHIPPED_MODELS


def published_elmo_names() -> List[str]:
    """The published ELMo models' names of `configs/lib/elmo.libsonnet`, smallest first."""
    return list(_published_elmo_names())


@functools.lru_cache(maxsize=1)
def _published_elmo_names() -> tuple:
    import _jsonnet

    snippet = ("local e = import 'elmo.libsonnet'; "
               "std.sort(std.objectFields(e.published), function(n) e.published_dims[n])")
    library = os.path.join(PROJECT_ROOT, "configs", "lib")
    return tuple(json.loads(_jsonnet.evaluate_snippet("names", snippet, jpathdir=library)))


def shipped_elmo_names(models: str) -> List[str]:
    """The shipped ELMo models in `models`: each `elmo-NAME/` that holds an `options.json`."""
    try:
        entries = sorted(os.listdir(models))
    except OSError:
        return []
    return [entry[len("elmo-"):] for entry in entries
            if entry.startswith("elmo-") and os.path.isfile(os.path.join(models, entry, "options.json"))]


def check_elmo_choice(config: Any, variables: Mapping[str, str]) -> None:
    """
    Raises an `InputError` naming `SST_ELMO_ELMO` and the known names when the evaluated
    `config` reads the options file of a shipped ELMo (`SST_ELMO_MODELS/elmo-NAME/options.json`,
    NAME from `variables`, the config's external variables) that is not there.
    """
    name = variables.get("SST_ELMO_ELMO", "")
    if not name or variables.get("SST_ELMO_OPTIONS") or name in published_elmo_names():
        return
    models = variables.get("SST_ELMO_MODELS") or SHIPPED_MODELS
    options = os.path.join(models, f"elmo-{name}", "options.json")
    if os.path.isfile(options) or not _holds(config, options):
        return
    known = published_elmo_names() + shipped_elmo_names(models)
    raise InputError(f"unknown ELMo {name!r}; known: {', '.join(known)}", f"SST_ELMO_ELMO={name}")


def _holds(config: Any, value: str) -> bool:
    """Whether `value` is one of the (nested) values of `config`."""
    if isinstance(config, dict):
        return any(_holds(item, value) for item in config.values())
    if isinstance(config, list):
        return any(_holds(item, value) for item in config)
    return config == value


# Checks run with the external variables before each config is evaluated (registered by the
# modules that own what they check, e.g. sst_elmo.vectors.recipes builds missing word vectors).
_CONFIG_CHECKS: List[Callable[[Mapping[str, str]], None]] = []


def register_config_check(check: Callable[[Mapping[str, str]], None]) -> None:
    """Runs `check(external variables)` before every config that `Params.from_file` evaluates."""
    if check not in _CONFIG_CHECKS:
        _CONFIG_CHECKS.append(check)


def install_config_variable_check() -> None:
    """
    Runs the registered checks before, and `check_elmo_choice` after, every config
    `Params.from_file` evaluates (installed once per process).
    """
    from allennlp.common import params

    evaluate_file = params.evaluate_file
    if getattr(evaluate_file, "checks_config_variables", False):
        return

    @functools.wraps(evaluate_file)
    def checked_evaluate_file(filename, *args, **kwargs):
        variables = kwargs.get("ext_vars") or {}
        for check in _CONFIG_CHECKS:
            check(variables)
        text = evaluate_file(filename, *args, **kwargs)
        if variables.get("SST_ELMO_ELMO"):
            check_elmo_choice(json.loads(text), variables)
        return text

    checked_evaluate_file.checks_config_variables = True  # type: ignore[attr-defined]
    params.evaluate_file = checked_evaluate_file
