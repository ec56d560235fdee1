from sst_elmo.predictors.sentence_classifier import SentenceClassifierPredictor

try:  # `allennlp checklist ARCHIVE sst-sentiment`, when CheckList is installed (scripts/setup.sh does)
    from sst_elmo.predictors.sentiment_suite import SstSentimentSuite
except ModuleNotFoundError as error:
    if error.name != "checklist":
        raise
