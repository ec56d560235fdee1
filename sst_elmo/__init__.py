"""
sst_elmo: an AllenNLP plugin to train, compare and serve ELMo sentiment classifiers.

Importing the package registers every component with AllenNLP (the `allennlp` CLI does
this through `.allennlp_plugins` or `--include-package sst_elmo`) and gives each config
variable of `configs/` its empty default (see `sst_elmo.common.config_env`). Before any of
that, on an AMD CPU, it selects MKL's AVX2 path (`sst_elmo.common.cpu`): about 2.8x the fp32
matrix speed of MKL's default path there.

It also makes the process safer for archives from elsewhere: every tar extraction goes
through Python's PEP 706 `data` filter with links refused (`sst_elmo.safety.archive_safety`),
AllenNLP's own archive and checkpoint loading (in every `allennlp` command) builds only
registered types and unpickles only tensors (`sst_elmo.safety.archive_hooks`), within the
limits of `sst_elmo.safety.limits`. `allennlp train` refuses a config key that no constructor
takes before it starts (`sst_elmo.safety.config_keys`), and an uncaught `InputError` prints as
one line (`sst_elmo.common.error_output`). An `-o` override of `dataset_reader` reaches the validation
reader that derives from it (`sst_elmo.common.reader_overrides`). `allennlp predict` names the
input file and real line in its errors, writes its output file all or nothing, and keeps INFO
logging off the terminal under `--silent` (`sst_elmo.commands.allennlp_predict`).
"""
from sst_elmo.common.cpu import prefer_fast_mkl

prefer_fast_mkl()

from sst_elmo.common.config_env import install_config_variable_check, set_config_defaults  # noqa: E402
from sst_elmo.common.error_output import install_excepthook  # noqa: E402
from sst_elmo.common.reader_overrides import install_reader_overrides  # noqa: E402
from sst_elmo.safety.archive_hooks import install_archive_hooks  # noqa: E402
from sst_elmo.safety.archive_safety import install_extraction_filter  # noqa: E402
from sst_elmo.safety.config_keys import install_config_key_check  # noqa: E402

set_config_defaults()
install_config_variable_check()
install_extraction_filter()
install_archive_hooks()
install_excepthook()
install_config_key_check()
install_reader_overrides()

# Registering modules; imported for their side effect on AllenNLP's registries.
from sst_elmo import commands, data, dataset_readers, models, modules, predictors, training  # noqa: E402,F401
from sst_elmo.commands.allennlp_predict import install_predict_hooks  # noqa: E402
from sst_elmo.version import VERSION  # noqa: E402,F401

install_predict_hooks()
