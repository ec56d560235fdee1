"""
`sst_elmo.common.launch` under its old name, for the modules that still import it from here
(`sst_elmo.experiments.feature_baseline`). New code imports `sst_elmo.common.launch`.
"""
from sst_elmo.common.launch import allennlp_command, run_logged, train_command  # noqa: F401
