// SST-5 with ELMo concatenated with trainable GloVe embeddings (the tutorials'
// "ELMo + static embeddings" model).
//   allennlp train configs/sst5_elmo_glove.jsonnet -s runs/sst5_elmo_glove
local elmo = import 'lib/elmo.libsonnet';
local sst5_elmo = import 'sst5_elmo.jsonnet';
local words = import 'lib/words.libsonnet';

local representation = elmo.representation(mix='all') + words.representation(glove='840B.300d');

sst5_elmo + {
  dataset_reader+: { token_indexers: representation.indexers },
  model+: { text_field_embedder: { token_embedders: representation.embedders } },
}
