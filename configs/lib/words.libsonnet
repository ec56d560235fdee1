// Word embeddings: trainable, randomly initialised or initialised from GloVe.
// SST_ELMO_GLOVE=6B.50d|6B.100d|6B.300d|840B.300d overrides a config's choice of GloVe, and
// SST_ELMO_GLOVE_FILE=/path/vectors.txt reads that GloVe's vectors from a local file.
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

local chosen(glove) = if env_name != '' then env_name else glove;

{
  published:: published,

  // The vectors' dimension of representation(glove, dim) (models that need it given: bcn).
  dim(glove=null, dim=300)::
    local name = chosen(glove);
    if name == null then dim else published[name].dim,

  // glove: a name from `published` (or null for random initialisation with `dim`).
  // lowercase: null lowercases the tokens for GloVe 6B, whose vocabulary is lowercased
  // (840B is cased), and keeps them as they are otherwise.
  representation(glove=null, dim=300, trainable=true, lowercase=null)::
    local name = chosen(glove);
    local lower = if lowercase != null then lowercase else name != null && std.startsWith(name, '6B.');
    local vectors =
      if name == null then null
      else if std.objectHas(published, name) then published[name]
      else error 'GloVe ' + name + ' is not one of ' + std.join(', ', std.objectFields(published));
    {
      indexers+: { tokens: { type: 'single_id', lowercase_tokens: lower } },
      embedders+: {
        tokens: {
          type: 'embedding',
          embedding_dim: if vectors == null then dim else vectors.dim,
          trainable: tunable.value('glove_trainable', trainable),
          [if vectors != null then 'pretrained_file']:
            if env_file != '' then env_file else vectors.file,
        },
      },
    },
}
