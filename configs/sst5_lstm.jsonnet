// SST-5 baseline without ELMo: GloVe-initialised trainable word embeddings -> biLSTM.
// Trains on every labelled phrase of the training trees, validates and tests on whole
// sentences (root labels), the standard fine-grained SST-5 setting.
//   allennlp train configs/sst5_lstm.jsonnet -s runs/sst5_lstm
local classifier = import 'lib/classifier.libsonnet';
local paths = import 'lib/paths.libsonnet';
local words = import 'lib/words.libsonnet';
local labels = import 'lib/labels.libsonnet';

local granularity = '5-class';

classifier.experiment(
  reader={ type: 'sst_trees', granularity: granularity, use_subtrees: true, label_names: labels.sst[granularity] },
  validation_reader={ use_subtrees: false, identity_terms: null },  // training-only options off
  train_data_path=paths.sst('train'),
  validation_data_path=paths.sst('dev'),
  test_data_path=paths.sst('test'),
  representation=words.representation(glove='840B.300d'),
  batch_size=64,
  num_epochs=10,
  patience=3,
)
