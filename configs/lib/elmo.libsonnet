// The published ELMo models (public URLs, defined only here) and the ELMo input
// representation: AllenNLP's elmo_characters indexer + an ELMo token embedder.
//
// Choose a published ELMo with SST_ELMO_ELMO=small|medium|original|original-5.5B (default
// small), an ELMo shipped with the project with SST_ELMO_ELMO=NAME (the files of
// SST_ELMO_MODELS/elmo-NAME/, by default the project's models/elmo-NAME/: imdb, the project's
// own ELMo pre-trained on IMDB reviews, or tweets, imdb adapted to the tweets' text; see
// docs/own-elmo.md), or local files (your own
// export, or a downloaded copy) with both SST_ELMO_OPTIONS=/path/options.json and
// SST_ELMO_WEIGHTS=/path/weights.hdf5.
// Tuning studies may set do_layer_norm and dropout (configs/lib/tunable.libsonnet).
local tunable = import 'tunable.libsonnet';
local base = 'https://allennlp.s3.amazonaws.com/models/elmo/';
local hosted(name) = {
  options_file: base + name + '/elmo_' + name + '_options.json',
  weight_file: base + name + '/elmo_' + name + '_weights.hdf5',
};

// Output dimensions (256, 512, 1024, 1024) need not be given: models read them from the embedder.
local published = {
  small: hosted('2x1024_128_2048cnn_1xhighway'),
  medium: hosted('2x2048_256_2048cnn_1xhighway'),
  original: hosted('2x4096_512_2048cnn_2xhighway'),
  'original-5.5B': hosted('2x4096_512_2048cnn_2xhighway_5.5B'),
};

local name = if std.extVar('SST_ELMO_ELMO') == '' then 'small' else std.extVar('SST_ELMO_ELMO');
local local_options = std.extVar('SST_ELMO_OPTIONS');
local local_weights = std.extVar('SST_ELMO_WEIGHTS');
local models = std.extVar('SST_ELMO_MODELS');
local shipped(name) = {
  options_file: models + '/elmo-' + name + '/options.json',
  weight_file: models + '/elmo-' + name + '/weights.hdf5',
};

// SST_ELMO_CACHE=1 (or true, yes, on) turns on the activation cache (cached_elmo) for every frozen
// ELMo; 0, false, no, off or empty leave it off, and any other value stops with the valid ones.
// Where the cache lives is decided where it runs, not here (sst_elmo.elmo.cache.activation_cache:
// SST_ELMO_CACHE_DIR, default ~/.cache/sst_elmo/elmo), so an archive is not tied to one machine's path.
local cache_setting = std.asciiLower(std.stripChars(std.extVar('SST_ELMO_CACHE'), ' '));
local cache_default =
  if std.member(['1', 'true', 'yes', 'on'], cache_setting) then true
  else if std.member(['', '0', 'false', 'no', 'off'], cache_setting) then false
  else error 'SST_ELMO_CACHE=' + std.extVar('SST_ELMO_CACHE') +
             ': not a yes/no value; known: 1, true, yes, on (the cache) or 0, false, no, off, empty (no cache)';

// The ELMo's output dimension (2 x its LSTM projection), for models that need it given (bcn):
// the published ones' from their names, the project's shipped ones' from their options.json,
// others' from SST_ELMO_ELMO_DIM.
local published_dims = { small: 256, medium: 512, original: 1024, 'original-5.5B': 1024 };
local shipped_dims = {
  imdb: 2 * (import '../../models/elmo-imdb/options.json').lstm.projection_dim,
  tweets: 2 * (import '../../models/elmo-tweets/options.json').lstm.projection_dim,
};
local dim_override = std.extVar('SST_ELMO_ELMO_DIM');
local output_dim =
  if dim_override != '' then std.parseJson(dim_override)
  else if local_options != '' then error 'this config needs the ELMo dimension: set SST_ELMO_ELMO_DIM'
  else if std.objectHas(published_dims, name) then published_dims[name]
  else if std.objectHas(shipped_dims, name) then shipped_dims[name]
  else error 'this config needs the dimension of ELMo ' + name + ': set SST_ELMO_ELMO_DIM';

local files =
  if (local_options == '') != (local_weights == '') then
    error 'set both SST_ELMO_OPTIONS and SST_ELMO_WEIGHTS, or neither'
  else if local_options != '' then
    { options_file: local_options, weight_file: local_weights }
  else if std.objectHas(published, name) then
    published[name]
  else if models != '' then
    shipped(name)
  else
    error 'SST_ELMO_ELMO=' + name + ' is not one of ' + std.join(', ', std.objectFields(published)) +
          ', and SST_ELMO_MODELS (the shipped models) is not set';

{
  published:: published,
  published_dims:: published_dims,  // sst_elmo.common.config_env lists the names in this order
  shipped:: shipped,
  files:: files,
  output_dim:: output_dim,

  // Token indexers and embedders for ELMo, to merge with other representations (`+`).
  //   mix: 'all' learns a scalar mix of all biLM layers (the paper); 'top' uses only the top
  //        layer (the feature-extraction tutorial's setting), whatever the biLM's depth.
  //   fine_tune: false keeps the biLM frozen (only the mix and what follows train).
  //   stateful: false (default) resets the biLM state for every batch, so a sentence's vectors
  //        depend only on the sentence (sst_elmo's stateless_elmo); true is AllenNLP's
  //        elmo_token_embedder, which carries LSTM state from batch to batch.
  //   cache: true reads the frozen biLM's activations from an on-disk cache (sst_elmo's
  //        cached_elmo: same numbers as stateless_elmo, each sentence through the biLM once);
  //        default from SST_ELMO_CACHE. Not with fine_tune or stateful.
  //   key: the name of the indexer and embedder (bcn refuses an embedder named 'elmo').
  representation(mix='all', do_layer_norm=false, dropout=0.5, fine_tune=false, stateful=false, cache=cache_default,
                 key='elmo'):: {
    indexers+: { [key]: { type: 'elmo_characters' } },
    embedders+: {
      [key]: {
        type: if cache then 'cached_elmo' else if stateful then 'elmo_token_embedder' else 'stateless_elmo',
        options_file: files.options_file,
        weight_file: files.weight_file,
        do_layer_norm: tunable.value('elmo_layer_norm', do_layer_norm),
        dropout: tunable.value('elmo_dropout', dropout),
        [if !cache then 'requires_grad']: fine_tune,
        [if mix == 'top' then 'top_layer_only']: true,
      },
    },
    assert std.member(['all', 'top'], mix) : "mix must be 'all' or 'top'",
    assert !(stateful && mix == 'top') : "mix='top' needs stateless_elmo or cached_elmo: AllenNLP's elmo_token_embedder (stateful=true) only takes mixing weights for a known number of layers",
    assert !(cache && fine_tune) : 'the ELMo cache (cache=true or SST_ELMO_CACHE=1) needs a frozen biLM: it cannot be used with fine_tune=true',
    assert !(cache && stateful) : 'the ELMo cache (cache=true or SST_ELMO_CACHE=1) stores stateless vectors: it cannot be used with stateful=true',
  },
}
