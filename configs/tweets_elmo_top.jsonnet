// Tweets as in the ELMo feature-extraction tutorial: the top ELMo layer alone into the
// biLSTM, the loss weighing the rare label 1 up, no word vectors. The baseline that
// configs/tweets_elmo.jsonnet improves on (docs/results.md, tweets).
//   allennlp train configs/tweets_elmo_top.jsonnet -s runs/tweets_elmo_top
local classifier = import 'lib/classifier.libsonnet';
local elmo = import 'lib/elmo.libsonnet';
local paths = import 'lib/paths.libsonnet';
local labels = import 'lib/labels.libsonnet';

local positive_share = 0.26;  // share of label 1 in train.csv

classifier.experiment(
  reader={ type: 'tweets_csv', split: 'train', validation_fraction: 0.1, labels: ['0', '1'], label_names: labels.tweets },
  validation_reader={ split: 'validation' },
  train_data_path=paths.tweets('train.csv'),
  validation_data_path=paths.tweets('train.csv'),
  representation=elmo.representation(mix='top'),
  positive_label='1',
  class_weights={ '1': (1 - positive_share) / positive_share },
  validation_metric='+positive_f1',
  num_epochs=10,
  patience=3,
)
