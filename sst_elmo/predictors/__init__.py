from sst_elmo.predictors import sentiment_suite  # `allennlp checklist ARCHIVE sst-sentiment`, with CheckList
from sst_elmo.predictors.sentence_classifier import SentenceClassifierPredictor
