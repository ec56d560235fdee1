from sst_elmo.models.elmo_bilm import ElmoBiLm
from sst_elmo.models.lstm_classifier import LstmClassifier
