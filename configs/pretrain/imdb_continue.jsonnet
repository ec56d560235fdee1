// The shipped `elmo-imdb` trained further: this recipe took it from 39.8M to 102.5M words (the
// shipped one's card says how), and run again it continues the shipped one. Its biLM (character
// CNN, highway, LSTM) continues from models/elmo-imdb; the softmax starts afresh (not shipped). Text: IMDB's 50,000 unlabelled reviews plus the text of the 25,000
// labelled *train* reviews (`json_field: text`; the labels are never read), about 19.9M words a
// pass; 4 passes. Never the test reviews, nor SST's dev or test text: the held-out perplexity
// (scripts/pretrain_elmo.py) is measured on 500 IMDB *test* reviews and on SST dev + test.
// Validation during training: a 1% hash split of the training documents.
//   SST_ELMO_DATA=../shared/data python scripts/pretrain_elmo.py --config configs/pretrain/imdb_continue.jsonnet --run-dir RUN
// Checkpoints every 10 minutes; run the same command again after an interruption (--recover).
// SST_ELMO_ELMO=NAME continues SST_ELMO_MODELS/elmo-NAME instead (default imdb), e.g. a snapshot
// of an unfinished continuation shipped with scripts/ship_elmo.py (docs/own-elmo.md).
local paths = import '../lib/paths.libsonnet';
local pretrain = import 'pretrain.libsonnet';

local name = if std.extVar('SST_ELMO_ELMO') == '' then 'imdb' else std.extVar('SST_ELMO_ELMO');
local elmo_dir = std.extVar('SST_ELMO_MODELS') + '/elmo-' + name;

pretrain.experiment(
  options=null,
  options_file=elmo_dir + '/options.json',
  weight_file=elmo_dir + '/weights.hdf5',
  train_data_path=[pretrain.imdb_unsup, paths.imdb('train.jsonl.gz')],
  reader={ json_field: 'text' },
  num_samples=1024,
  min_count=3,
  max_vocab_size=40000,
  max_sentence_length=50,
  batch_size=128,
  max_instances_in_memory=12800,
  max_validation_instances=2000,
  optimizer={ type: 'adam', lr: 0.001 },
  bf16='auto',  // bfloat16 on CPUs with AVX-512 BF16 / AMX; float32 elsewhere
  num_epochs=4,
  save_every_num_seconds=600,
)
