// SST-5 with frozen ELMo (a learned scalar mix of all biLM layers) -> biLSTM.
// Trains on whole sentences only: running ELMo over every phrase multiplies its cost.
//   allennlp train configs/sst5_elmo.jsonnet -s runs/sst5_elmo
// Local ELMo files: SST_ELMO_OPTIONS=... SST_ELMO_WEIGHTS=... (see configs/lib/elmo.libsonnet).
local classifier = import 'lib/classifier.libsonnet';
local elmo = import 'lib/elmo.libsonnet';
local paths = import 'lib/paths.libsonnet';

local granularity = '5-class';

classifier.experiment(
  reader={ type: 'sst_trees', granularity: granularity, use_subtrees: false },
  train_data_path=paths.sst('train'),
  validation_data_path=paths.sst('dev'),
  test_data_path=paths.sst('test'),
  representation=elmo.representation(mix='all', dropout=0.5),
  batch_size=32,
  num_epochs=10,
  patience=3,
)
