// IMDB movie reviews (pos/neg) with frozen ELMo; reviews are cut to their first 400 tokens.
// Validation is a fixed 10% hash split of the training reviews; test is the test set.
//   allennlp train configs/imdb_elmo.jsonnet -s runs/imdb_elmo
local classifier = import 'lib/classifier.libsonnet';
local elmo = import 'lib/elmo.libsonnet';
local paths = import 'lib/paths.libsonnet';
local labels = import 'lib/labels.libsonnet';

classifier.experiment(
  reader={ type: 'sentence_jsonl', max_tokens: 400, split: 'train', labels: ['neg', 'pos'], label_names: labels.imdb },
  validation_reader={ split: 'validation' },
  train_data_path=paths.imdb('train.jsonl.gz'),
  validation_data_path=paths.imdb('train.jsonl.gz'),
  test_data_path=paths.imdb('test.jsonl.gz'),
  representation=elmo.representation(mix='all'),
  batch_size=16,
  num_epochs=5,
  patience=2,
)
