# allennlp-models' classification models (`bcn`), which configs/sst2_bcn*.jsonnet use, registered for
# every process that loads the plugin (the `allennlp` CLI imports allennlp_models by itself).
import allennlp_models.classification  # noqa: E402,F401

from sst_elmo.models.elmo_bilm import ElmoBiLm
from sst_elmo.models.lstm_classifier import LstmClassifier
