// A tiny biLM (sst_elmo.testing.elmo.TINY_OPTIONS) on the test fixture corpus: trains in
// seconds, for tests and smoke runs (paths are relative to the project root).
local pretrain = import 'pretrain.libsonnet';

pretrain.experiment(
  options=pretrain.options(dim=16, projection_dim=8, filters=[[1, 4], [2, 8], [3, 16]], char_dim=4),
  train_data_path='tests/fixtures/corpus.txt',
  validation_data_path='tests/fixtures/corpus.txt',
  min_count=1,
  max_sentence_length=20,
  batch_size=8,
  max_instances_in_memory=80,
  optimizer={ type: 'adam', lr: 0.01 },
  num_epochs=2,
)
