// A tiny biLM (sst_elmo.elmo.hdf5_layout.TINY_OPTIONS) on the test fixture corpus: trains in
// seconds, for tests and smoke runs (paths are relative to the project root).
local pretrain = import 'pretrain.libsonnet';

pretrain.experiment(
  options={
    lstm: { cell_clip: 3, use_skip_connections: true, n_layers: 2, proj_clip: 3,
            projection_dim: 8, dim: 16 },
    char_cnn: { embedding: { dim: 4 }, filters: [[1, 4], [2, 8], [3, 16]], n_highway: 1,
                n_characters: 262, max_characters_per_token: 50, activation: 'relu' },
  },
  train_data_path='tests/fixtures/corpus.txt',
  validation_data_path='tests/fixtures/corpus.txt',
  min_count=1,
  max_sentence_length=20,
  batch_size=8,
  max_instances_in_memory=80,
  optimizer={ type: 'adam', lr: 0.01 },
  num_epochs=2,
)
