// SST-5 with frozen ELMo (a learned scalar mix of all biLM layers) -> biLSTM.
// Trains on every labelled phrase of the training trees, each phrase read by the biLM on its
// own (the ELMo paper's SST setting), and validates and tests on whole sentences, as the
// GloVe baseline (sst5_lstm) does. Phrases are 7x the tokens of the sentences: use the
// activation cache (SST_ELMO_CACHE=1; fill it first with `allennlp elmo-cache`), which runs
// the biLM once per distinct phrase, ever. `-o '{"dataset_reader.use_subtrees": false}'`
// trains on whole sentences only.
//   SST_ELMO_CACHE=1 allennlp train configs/sst5_elmo.jsonnet -s runs/sst5_elmo
// Local ELMo files: SST_ELMO_OPTIONS=... SST_ELMO_WEIGHTS=... (see configs/lib/elmo.libsonnet).
local classifier = import 'lib/classifier.libsonnet';
local elmo = import 'lib/elmo.libsonnet';
local paths = import 'lib/paths.libsonnet';
local labels = import 'lib/labels.libsonnet';

local granularity = '5-class';

classifier.experiment(
  reader={ type: 'sst_trees', granularity: granularity, use_subtrees: true, label_names: labels.sst[granularity] },
  validation_reader={ use_subtrees: false, identity_terms: null },  // training-only options off
  train_data_path=paths.sst('train'),
  validation_data_path=paths.sst('dev'),
  test_data_path=paths.sst('test'),
  representation=elmo.representation(mix='all', dropout=0.5),
  batch_size=64,
  num_epochs=10,
  patience=3,
)
