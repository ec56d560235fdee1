from sst_elmo.models.elmo_bilm import ElmoBilm
from sst_elmo.models.lstm_classifier import LstmClassifier
