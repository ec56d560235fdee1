// A small biLM for about an hour on 2 CPU cores, on IMDB's unlabelled reviews
// (SST_ELMO_DATA/imdb/unsup.txt.gz): LSTM 512 -> 128, 2 layers, a narrow character CNN
// (256 filters, 1 highway layer), sampled softmax over a 20k-word vocabulary. Chosen by
// measurement (docs/own-elmo.md, history: 2-core CPU, batches of 32 x 24 tokens): this shape
// trains at ~1,400 words/s (0.55 s a batch); LSTM 1024 -> 128 at ~660 and 512 -> 256 with a
// 512-filter CNN at ~630, both too slow for an hour. An "epoch" is 500 batches (the corpus has
// ~11.7M words, far more than an hour's worth); validation reads 2,000 sentences of a held-out
// 1% of the reviews. 4,000 batches of 32 sentences in all: ~2.7M words.
local pretrain = import 'pretrain.libsonnet';

pretrain.experiment(
  options=pretrain.options(dim=512, projection_dim=128, filters=[[1, 32], [2, 32], [3, 64], [4, 128]]),
  train_data_path=pretrain.imdb_unsup,
  num_samples=1024,
  min_count=3,
  max_vocab_size=20000,
  max_sentence_length=50,
  batch_size=32,
  batches_per_epoch=500,
  max_validation_instances=2000,
  optimizer={ type: 'adam', lr: 0.002 },
  num_epochs=8,
  save_every_num_seconds=600,
)
