from sst_elmo.data.tokenizers import TreebankTokenizer
