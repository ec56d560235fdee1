// SST-2 with frozen ELMo: the SST-5 ELMo config with binary labels (neutral dropped).
//   allennlp train configs/sst2_elmo.jsonnet -s runs/sst2_elmo
local sst5 = import 'sst5_elmo.jsonnet';
local labels = import 'lib/labels.libsonnet';

sst5 + { dataset_reader+: { granularity: '2-class', label_names: labels.sst['2-class'] } }
