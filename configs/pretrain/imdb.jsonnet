// The project's own ELMo (the one shipped in models/): a 2-layer biLM, LSTM 512 -> 128, with a
// 512-filter character CNN and 2 highway layers, pre-trained on IMDB's 50,000 unlabelled reviews
// (SST_ELMO_DATA/imdb/unsup.txt.gz; never the labelled test reviews) on a 2-core CPU with the fast
// path (`elmo_bilm`'s `fast_forward`, the default) in bf16 autocast (same loss curve, about 1.4x
// faster: docs/own-elmo.md). An epoch is one pass over the corpus (13.3M words); 3 passes. Batches
// of 128 sentences (as bilm-tf), sampled softmax (1024 samples) over a 40k-word vocabulary, Adam. Checkpoints every 10 minutes: `allennlp train ... --recover` (or
// scripts/pretrain_elmo.py, which recovers by itself) continues an interrupted run mid-epoch.
local pretrain = import 'pretrain.libsonnet';

local lstm_dim = 512;
local projection_dim = 128;

pretrain.experiment(
  options=pretrain.options(
    dim=lstm_dim,
    projection_dim=projection_dim,
    filters=[[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]],
    n_highway=2,
  ),
  train_data_path=pretrain.imdb_unsup,
  num_samples=1024,
  min_count=3,
  max_vocab_size=40000,
  max_sentence_length=50,
  batch_size=128,
  max_instances_in_memory=12800,
  max_validation_instances=2000,
  optimizer={ type: 'adam', lr: 0.002 },
  bf16='auto',  // bfloat16 on CPUs with AVX-512 BF16 / AMX; float32 elsewhere
  num_epochs=3,
  save_every_num_seconds=600,
)
