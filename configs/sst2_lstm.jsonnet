// SST-2 baseline without ELMo: the SST-5 baseline with binary labels (neutral dropped), in
// the setting tuned for SST-2 (each value can still be set by a study, configs/lib/tunable.libsonnet).
//   allennlp train configs/sst2_lstm.jsonnet -s runs/sst2_lstm
// Tuned by `scripts/tune.py configs/sst2_lstm.jsonnet configs/tune/lstm_glove.json --trials 8`
// (study sst2_lstm, 2026-12-05; best of 8 trials, 5 complete and 3 pruned: trial 1, dev
// accuracy 0.8486; GloVe trainable and a 128-unit biLSTM were chosen, as before).
local sst5 = import 'sst5_lstm.jsonnet';
local tunable = import 'lib/tunable.libsonnet';
local labels = import 'lib/labels.libsonnet';

sst5 + {
  dataset_reader+: { granularity: '2-class', label_names: labels.sst['2-class'] },
  model+: { dropout: tunable.value('dropout', 0.25228449038354794) },
  trainer+: {
    optimizer+: { lr: tunable.value('lr', 0.0009707218839067585) },
    num_epochs: tunable.value('num_epochs', 11),
    patience: tunable.value('patience', 3),
  },
}
