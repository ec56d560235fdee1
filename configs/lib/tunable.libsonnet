// The hyperparameters a tuning study sets (`allennlp tune` from allennlp-optuna, with a search
// space from configs/tune/*.json): each is an external variable SST_ELMO_HP_<NAME> that is
// empty by default (importing sst_elmo sets it to ""), and then the config's own value is used,
// so every config runs unchanged. A study's trial sets them to its suggestions (Optuna writes
// numbers as JSON and booleans as True/False).
//   SST_ELMO_HP_LR=0.002 allennlp train configs/sst2_lstm.jsonnet -s runs/x   # one by hand
local parse(name, text) =
  if text == 'True' || text == 'true' then true
  else if text == 'False' || text == 'false' then false
  else std.parseJson(text);

{
  // The names a study may set, in lower case (the search spaces' "name" is SST_ELMO_HP_ + upper).
  names:: ['lr', 'dropout', 'hidden_size', 'elmo_dropout', 'elmo_layer_norm', 'glove_trainable',
           'num_epochs', 'patience', 'batch_size'],

  // The value of hyperparameter `name`: the study's, else `default` (the config's own).
  value(name, default)::
    assert std.member(self.names, name) : 'unknown tunable hyperparameter ' + name;
    local text = std.extVar('SST_ELMO_HP_' + std.asciiUpper(name));
    if text == '' then default else parse(name, text),
}
