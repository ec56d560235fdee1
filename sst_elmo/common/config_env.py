"""
The environment variables that the Jsonnet configs in `configs/` read.

AllenNLP hands every environment variable to Jsonnet as an external variable, but
`std.extVar` fails on a variable that is not set. Importing `sst_elmo` (which the
`allennlp` CLI does through `.allennlp_plugins` or `--include-package`) sets each of
these to the empty string when it is unset, and the configs read an empty value as
"use the default from `configs/lib/`". The defaults themselves live only there.
"""
import os
from typing import Dict

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
    "SST_ELMO_MODELS/words-NAME (imdb, tweets; built by `make words`); overrides SST_ELMO_GLOVE",
    "SST_ELMO_WORDS_DIM": "the dimension of SST_ELMO_WORDS's vectors, for a NAME of your own "
    "(empty: read from the card.json of imdb and tweets)",
    "SST_ELMO_CACHE": "1 (or true): frozen ELMo reads its activations from an on-disk cache "
    "(cached_elmo); empty: no cache",
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
