"""
The ELMo room: everything about a biLM short of the registered AllenNLP classes, in sub-rooms
by purpose, lowest first (each imports only the ones before it):

- `files`: the files of an ELMo: the bilm-tf HDF5 layout, checks of an options/weights pair,
  building an `_ElmoBiLm` from them or from new random weights, export of a trained
  `elmo_bilm`, the `shipped://` names of the project's models.
- `runtime`: running a biLM: `FastElmoBiLm` and its training scan, `BiLmRunner` (stateless
  activations), `use_fast_bilm` (a loaded model's frozen ELMo on the fast path), the top-layer
  scalar mix.
- `cache`: the activation cache (LMDB) and its fill.
- `embedding`: the engine of `elmo-embed` and the sentence input it reads.

The registered classes that use them live where AllenNLP puts them: the `elmo_bilm` model in
`sst_elmo.models`, the `stateless_elmo` and `cached_elmo` embedders in
`sst_elmo.modules.token_embedders`, the `elmo-*` subcommands in `sst_elmo.commands`.
"""
