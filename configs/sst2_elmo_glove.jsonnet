// SST-2 with ELMo concatenated with trainable GloVe embeddings: the SST-5 model with binary
// labels (neutral dropped), for training and validation alike.
//   allennlp train configs/sst2_elmo_glove.jsonnet -s runs/sst2_elmo_glove
local sst5 = import 'sst5_elmo_glove.jsonnet';

sst5 + { dataset_reader+: { granularity: '2-class' } }
