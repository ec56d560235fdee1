// Your own CSV of labelled texts (any column names, any label strings) with frozen ELMo
// (a learned scalar mix of all biLM layers) -> biLSTM. Set these five, either in the lines
// below or with the environment variable named beside each (a variable that is set wins):
local train_file = '';          // SST_ELMO_CSV_TRAIN: the CSV to train on, with a header row
local validation_file = '';     // SST_ELMO_CSV_VALIDATION: a CSV to validate on; '': a fixed 10% of train_file
local text_column = 'text';     // SST_ELMO_CSV_TEXT_COLUMN: the column of the texts
local label_column = 'label';   // SST_ELMO_CSV_LABEL_COLUMN: the column of the labels
local labels = [];              // SST_ELMO_CSV_LABELS=neg,pos: every label; []: what train_file has
//
//   SST_ELMO_CSV_TRAIN=reviews.csv SST_ELMO_CSV_LABEL_COLUMN=sentiment SST_ELMO_CSV_LABELS=neg,pos \
//     allennlp train configs/csv_classifier.jsonnet -s runs/reviews
//
// Any other reader option with -o, which reaches the validation reader too (the readers share
// one definition), e.g. -o '{"dataset_reader.max_tokens": 200}'; the options of the `text_csv`
// reader are in docs/configs.md. Which ELMo: SST_ELMO_ELMO (configs/lib/elmo.libsonnet).
local classifier = import 'lib/classifier.libsonnet';
local elmo = import 'lib/elmo.libsonnet';

local setting(variable, default) = if std.extVar(variable) == '' then default else std.extVar(variable);
local train = setting('SST_ELMO_CSV_TRAIN', train_file);
local validation = setting('SST_ELMO_CSV_VALIDATION', validation_file);
local label_list =
  if std.extVar('SST_ELMO_CSV_LABELS') == '' then labels
  else [label for label in [std.stripChars(name, ' ') for name in std.split(std.extVar('SST_ELMO_CSV_LABELS'), ',')]
        if label != ''];
local held_out = validation == '';  // validate on a fixed hash split of the training file

classifier.experiment(
  reader={
    type: 'text_csv',
    text_column: setting('SST_ELMO_CSV_TEXT_COLUMN', text_column),
    label_column: setting('SST_ELMO_CSV_LABEL_COLUMN', label_column),
    [if label_list != [] then 'labels']: label_list,
    [if held_out then 'split']: 'train',
  },
  validation_reader=if held_out then { split: 'validation' } else {},
  train_data_path=if train != '' then train
  else error 'set SST_ELMO_CSV_TRAIN to your CSV file (or train_file at the top of configs/csv_classifier.jsonnet)',
  validation_data_path=if held_out then train else validation,
  representation=elmo.representation(mix='all'),
  batch_size=32,
  num_epochs=10,
  patience=3,
)
