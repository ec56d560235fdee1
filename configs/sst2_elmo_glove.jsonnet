// SST-2 with ELMo concatenated with trainable GloVe embeddings: the SST-5 model with binary
// labels (neutral dropped), for training and validation alike, in the setting tuned for SST-2
// (each value can still be set by a study, configs/lib/tunable.libsonnet).
//   allennlp train configs/sst2_elmo_glove.jsonnet -s runs/sst2_elmo_glove
// Tuned by `scripts/tune.py configs/sst2_elmo_glove.jsonnet configs/tune/elmo_glove.json --trials 8`
// (study sst2_elmo_glove, 2026-12-05, with the shipped elmo-imdb; best of 8 trials, 4 complete
// and 4 pruned: trial 1, dev accuracy 0.8750; GloVe trainable and no ELMo layer norm were chosen,
// as before).
local sst5 = import 'sst5_elmo_glove.jsonnet';
local tunable = import 'lib/tunable.libsonnet';
local labels = import 'lib/labels.libsonnet';

sst5 + {
  dataset_reader+: { granularity: '2-class', label_names: labels.sst['2-class'] },
  model+: {
    dropout: tunable.value('dropout', 0.3321799808479061),
    encoder+: { hidden_size: tunable.value('hidden_size', 256) },
    text_field_embedder+: {
      token_embedders+: { elmo+: { dropout: tunable.value('elmo_dropout', 0.19825313603082217) } },
    },
  },
  trainer+: {
    optimizer+: { lr: tunable.value('lr', 0.0006686027817983692) },
    num_epochs: tunable.value('num_epochs', 13),
    patience: tunable.value('patience', 3),
  },
}
