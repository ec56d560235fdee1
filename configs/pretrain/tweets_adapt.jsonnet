// Domain adaptation: continue pre-training a shipped ELMo (default models/elmo-imdb; another with
// SST_ELMO_ELMO=NAME) on the tweets' own text, then ship the result (scripts/ship_elmo.py RUN
// tweets) and use it with SST_ELMO_ELMO=tweets in configs/tweets_elmo.jsonnet.
//   allennlp train configs/pretrain/tweets_adapt.jsonnet -s runs/pretrain/tweets_adapt
// Text: the `tweet` column of train.csv and unlabelled.csv, cleaned as `tweets_csv` cleans it.
// Labels are never read, and the rows of train.csv that tweets_elmo validates on (the same 10%
// hash split of the `id` column) are never trained on: they are this run's validation text.
// The biLM starts from the shipped weights; the softmax starts afresh over the tweets'
// vocabulary, so the learning rate is low.
local paths = import '../lib/paths.libsonnet';
local pretrain = import 'pretrain.libsonnet';

local name = if std.extVar('SST_ELMO_ELMO') == '' then 'imdb' else std.extVar('SST_ELMO_ELMO');
local elmo_dir = std.extVar('SST_ELMO_MODELS') + '/elmo-' + name;

pretrain.experiment(
  options=null,
  options_file=elmo_dir + '/options.json',
  weight_file=elmo_dir + '/weights.hdf5',
  train_data_path=[paths.tweets('train.csv'), paths.tweets('unlabelled.csv')],
  validation_fraction=0.1,  // tweets_elmo's validation split
  reader={ csv_column: 'tweet', csv_id_column: 'id', clean_tweets: true },
  num_samples=512,
  bf16='auto',  // bfloat16 on CPUs with AVX-512 BF16 / AMX; float32 elsewhere
  min_count=2,
  max_vocab_size=10000,
  max_sentence_length=50,
  batch_size=32,
  optimizer={ type: 'adam', lr: 0.0005 },
  num_epochs=10,
  patience=2,
)
