// Task-adaptive pre-training (the ELMo paper's fine-tuning of the biLM on task text): continue a
// shipped ELMo (default models/elmo-imdb; another with SST_ELMO_ELMO=NAME) on the sentences of
// SST's training trees, then ship the result (scripts/ship_elmo.py RUN sst) and use it with
// SST_ELMO_ELMO=sst in the SST configs.
//   allennlp train configs/pretrain/sst_adapt.jsonnet -s runs/pretrain/sst_adapt
// Text: the leaves of every tree of SST's train.txt, the tokens the sst_trees reader gives a
// classifier. Labels are never read, and the dev and test trees never: the validation text is a
// fixed 10% of the training trees (a hash of the line number).
// The biLM starts from the shipped weights; the softmax starts afresh over SST's vocabulary, so
// the learning rate is low.
local paths = import '../lib/paths.libsonnet';
local pretrain = import 'pretrain.libsonnet';

local name = if std.extVar('SST_ELMO_ELMO') == '' then 'imdb' else std.extVar('SST_ELMO_ELMO');
local elmo_dir = std.extVar('SST_ELMO_MODELS') + '/elmo-' + name;

pretrain.experiment(
  options=null,
  options_file=elmo_dir + '/options.json',
  weight_file=elmo_dir + '/weights.hdf5',
  train_data_path=paths.sst('train'),
  validation_fraction=0.1,
  reader={ sst_trees: true },
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
