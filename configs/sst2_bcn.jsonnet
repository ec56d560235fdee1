// SST-2 with allennlp-models' biattentive classification network (bcn) on GloVe: the head of
// the ELMo paper's SST result (configs/lib/bcn.libsonnet), without ELMo. Trains on every
// labelled phrase, validates and tests on whole sentences, as sst2_lstm does.
//   allennlp train configs/sst2_bcn.jsonnet -s runs/sst2_bcn
local bcn = import 'lib/bcn.libsonnet';
local classifier = import 'lib/classifier.libsonnet';
local paths = import 'lib/paths.libsonnet';
local words = import 'lib/words.libsonnet';
local labels = import 'lib/labels.libsonnet';

local glove = '840B.300d';
local num_labels = 2;

local experiment(representation, input_dim) = classifier.experiment(
  reader={ type: 'sst_trees', granularity: '2-class', use_subtrees: true, label_names: labels.sst['2-class'] },
  validation_reader={ use_subtrees: false, identity_terms: null },  // training-only options off
  train_data_path=paths.sst('train'),
  validation_data_path=paths.sst('dev'),
  test_data_path=paths.sst('test'),
  representation=representation,
  head=bcn.head(input_dim, num_labels),
  batch_size=64,
  num_epochs=10,
  patience=3,
);

// experiment and glove (hidden fields) build the configs on this one (sst2_bcn_elmo).
experiment(words.representation(glove=glove), words.dim(glove)) + { experiment:: experiment, glove:: glove }
