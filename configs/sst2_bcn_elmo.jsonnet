// SST-2 with allennlp-models' bcn on the shipped ELMo (a learned scalar mix, frozen, from the
// activation cache when SST_ELMO_CACHE=1) concatenated with GloVe: the ELMo paper's SST model
// (its ELMo at bcn's input). Against configs/sst2_bcn.jsonnet, the same head without ELMo.
//   SST_ELMO_CACHE=1 allennlp train configs/sst2_bcn_elmo.jsonnet -s runs/sst2_bcn_elmo
local elmo = import 'lib/elmo.libsonnet';
local sst2_bcn = import 'sst2_bcn.jsonnet';
local words = import 'lib/words.libsonnet';

local representation = elmo.representation(mix='all', key='bilm') + words.representation(glove=sst2_bcn.glove);

sst2_bcn.experiment(representation, elmo.output_dim + words.dim(sst2_bcn.glove))
