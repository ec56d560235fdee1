// Word embeddings: trainable, randomly initialised or initialised from GloVe or from word
// vectors trained on your own text (`allennlp word-vectors`).
// SST_ELMO_GLOVE=6B.50d|6B.100d|6B.300d|840B.300d overrides a config's choice of GloVe, and
// SST_ELMO_GLOVE_FILE=/path/vectors.txt reads that GloVe's vectors from a local file.
// SST_ELMO_WORDS=NAME overrides both with the vectors of SST_ELMO_MODELS/words-NAME/ (built by
// `make words`: imdb, fastText trained on the text elmo-imdb read; tweets, the same plus the
// tweets' text; sst, imdb's text plus SST's training sentences, built on first use); their
// dimension comes from the vectors' card.json (SST_ELMO_WORDS_DIM for a NAME of your own), and
// the tokens are lowercased as the vectors were.
// Tuning studies may set trainable (configs/lib/tunable.libsonnet).
local tunable = import 'tunable.libsonnet';
local base = 'https://allennlp.s3.amazonaws.com/datasets/glove/';
local published = {
  '6B.50d': { file: base + 'glove.6B.50d.txt.gz', dim: 50 },
  '6B.100d': { file: base + 'glove.6B.100d.txt.gz', dim: 100 },
  '6B.300d': { file: base + 'glove.6B.300d.txt.gz', dim: 300 },
  '840B.300d': { file: base + 'glove.840B.300d.txt.gz', dim: 300 },
};
local env_name = std.extVar('SST_ELMO_GLOVE');
local env_file = std.extVar('SST_ELMO_GLOVE_FILE');

// Word vectors of your own text, by name (imported only when chosen).
local words_name = std.extVar('SST_ELMO_WORDS');
local words_dir = std.extVar('SST_ELMO_MODELS') + '/words-' + words_name;
local built_cards = {
  imdb: import '../../models/words-imdb/card.json',
  tweets: import '../../models/words-tweets/card.json',
  sst: import '../../models/words-sst/card.json',
};
local words_dim_override = std.extVar('SST_ELMO_WORDS_DIM');
local own_words =
  if words_name == '' then null
  else if env_name != '' then error 'set SST_ELMO_WORDS or SST_ELMO_GLOVE, not both'
  else {
    file: words_dir + '/vectors.txt.gz',
    dim:
      if words_dim_override != '' then std.parseJson(words_dim_override)
      else if std.objectHas(built_cards, words_name) then built_cards[words_name].dim
      else error 'SST_ELMO_WORDS=' + words_name + ': set SST_ELMO_WORDS_DIM to the dimension of ' + words_dir,
    lowercase:
      if std.objectHas(built_cards, words_name) then built_cards[words_name].lowercase else true,
  };

local chosen(glove) = if env_name != '' then env_name else glove;

{
  published:: published,

  // The vectors' dimension of representation(glove, dim) (models that need it given: bcn).
  dim(glove=null, dim=300)::
    local name = chosen(glove);
    if own_words != null then own_words.dim else if name == null then dim else published[name].dim,

  // glove: a name from `published` (or null for random initialisation with `dim`).
  // lowercase: null lowercases the tokens for GloVe 6B, whose vocabulary is lowercased
  // (840B is cased), and keeps them as they are otherwise.
  representation(glove=null, dim=300, trainable=true, lowercase=null)::
    local name = chosen(glove);
    local lower =
      if lowercase != null then lowercase
      else if own_words != null then own_words.lowercase
      else name != null && std.startsWith(name, '6B.');
    local vectors =
      if own_words != null then own_words
      else if name == null then null
      else if std.objectHas(published, name) then published[name]
      else error (if env_name != '' then 'SST_ELMO_GLOVE=' + name + ': ' else '') + "unknown GloVe '" + name +
                 "'; known: " + std.join(', ', std.sort(std.objectFields(published), function(n) published[n].dim));
    {
      indexers+: { tokens: { type: 'single_id', lowercase_tokens: lower } },
      embedders+: {
        tokens: {
          type: 'embedding',
          embedding_dim: if vectors == null then dim else vectors.dim,
          trainable: tunable.value('glove_trainable', trainable),
          [if vectors != null then 'pretrained_file']:
            if env_file != '' && own_words == null then env_file else vectors.file,
        },
      },
    },
}
