"""
sst_elmo: an AllenNLP plugin to train, compare and serve ELMo sentiment classifiers.

Importing the package registers every component with AllenNLP (the `allennlp` CLI does
this through `.allennlp_plugins` or `--include-package sst_elmo`) and gives each config
variable of `configs/` its empty default (see `sst_elmo.common.config_env`).
"""
from sst_elmo.common.config_env import set_config_defaults

set_config_defaults()

# Registering modules; imported for their side effect on AllenNLP's registries.
from sst_elmo import commands, data, dataset_readers, models, modules, predictors, training  # noqa: E402,F401
from sst_elmo.version import VERSION  # noqa: E402,F401
