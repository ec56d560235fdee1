// SST-2 baseline without ELMo: the SST-5 baseline with binary labels (neutral dropped).
//   allennlp train configs/sst2_lstm.jsonnet -s runs/sst2_lstm
local sst5 = import 'sst5_lstm.jsonnet';

sst5 + { dataset_reader+: { granularity: '2-class' } }
