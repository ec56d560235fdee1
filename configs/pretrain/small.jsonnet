// The shape of the published "small" ELMo (2x1024_128_2048cnn_1xhighway, output dim 256;
// the values of ../shared/elmo/small/options.json), pre-trained on IMDB's unlabelled
// reviews (SST_ELMO_DATA/imdb/unsup.txt.gz) with bilm-tf's recipe: sampled softmax with
// 8192 samples, Adagrad (lr 0.2, accumulators from 1.0), gradient norm clipped at 10,
// dropout 0.1. Meant for a GPU.
local pretrain = import 'pretrain.libsonnet';

pretrain.experiment(
  options=pretrain.options(
    dim=1024,
    projection_dim=128,
    filters=[[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
  ),
  train_data_path=pretrain.imdb_unsup,
  num_samples=8192,
  min_count=3,
  max_vocab_size=100000,
  max_sentence_length=50,
  batch_size=128,
  max_instances_in_memory=12800,
  max_validation_instances=10000,
  optimizer={ type: 'adagrad', lr: 0.2, initial_accumulator_value: 1.0 },
  num_epochs=10,
  patience=3,
  save_every_num_seconds=1800,
)
