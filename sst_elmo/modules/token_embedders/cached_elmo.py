import logging
from typing import List, Optional

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.scalar_mix import ScalarMix
from allennlp.modules.token_embedders import TokenEmbedder
from allennlp.nn.util import remove_sentence_boundaries
from overrides import overrides

from sst_elmo.elmo.cache.activation_cache import STORAGE_DTYPES, ElmoActivationCache, sequence_key
from sst_elmo.elmo.files.checks import check_elmo_files
from sst_elmo.elmo.files.shipped import resolve_elmo_file
from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner
from sst_elmo.elmo.runtime.layer_mix import top_layer_mix

logger = logging.getLogger(__name__)


@TokenEmbedder.register("cached_elmo")
class CachedElmoTokenEmbedder(TokenEmbedder):
    """
    Frozen ELMo whose biLM activations come from an on-disk cache: each distinct sentence
    goes through the biLM once, ever (per biLM and cache directory); after that only the
    trainable scalar mix, optional layer norm and dropout run. The numbers are those of
    `stateless_elmo` (AllenNLP's `elmo_token_embedder` with the LSTM state reset for every
    batch) with frozen weights.

    Sentences missing from the cache are computed on the fly (with zero initial LSTM state)
    and stored, so a cold cache works; `allennlp elmo-cache CONFIG` warms it beforehand. The
    cache is keyed by each sentence's character ids and the checksums of the options and weight
    files (see `sst_elmo.elmo.cache.activation_cache`). Hits and misses are logged at INFO level
    whenever the module switches between training and evaluation (once per epoch and
    validation), with the cache's size.

    The biLM is loaded only on the first miss and is not part of the model's parameters, so
    the archive holds only the scalar mix (and projection); predicting unseen sentences needs
    the options and weight files, as `elmo_token_embedder` does.

    Registered as a `TokenEmbedder` with name "cached_elmo".

    # Parameters

    options_file : `str`
        ELMo JSON options file, or `shipped://elmo-NAME/options.json` (a shipped ELMo, found
        where the model is loaded: see `sst_elmo.elmo.files.shipped`).
    weight_file : `str`
        ELMo HDF5 weight file.
    do_layer_norm : `bool`, optional (default = `False`)
        Layer normalisation of each layer in the scalar mix (as `ScalarMix`).
    dropout : `float`, optional (default = `0.5`)
        Dropout on the mixed representation.
    projection_dim : `int`, optional
        Project the ELMo vectors to this dimension with a trainable linear layer.
    scalar_mix_parameters : `List[float]`, optional
        Fixed, unnormalised mixing weights, one for each layer (character layer first).
    top_layer_only : `bool`, optional (default = `False`)
        Use the top biLM layer alone (fixed mixing weights for the biLM's own number of layers).
    cache_dir : `str`, optional
        The cache root; default `$SST_ELMO_CACHE_DIR`, else `~/.cache/sst_elmo/elmo`.
    storage_dtype : `str`, optional (default = `"float32"`)
        `"float16"` halves the cache's disk use (relative error about 1e-3).
    fast_forward : `bool`, optional (default = `True`)
        Compute misses with `FastElmoBiLm` (`False`: AllenNLP's `_ElmoBiLm`).
    """

    def __init__(
        self,
        options_file: str,
        weight_file: str,
        do_layer_norm: bool = False,
        dropout: float = 0.5,
        projection_dim: Optional[int] = None,
        scalar_mix_parameters: Optional[List[float]] = None,
        top_layer_only: bool = False,
        cache_dir: Optional[str] = None,
        storage_dtype: str = "float32",
        fast_forward: bool = True,
    ) -> None:
        super().__init__()
        if storage_dtype not in STORAGE_DTYPES:
            raise ConfigurationError(
                f"cached_elmo: storage_dtype must be one of {STORAGE_DTYPES}, not {storage_dtype!r}"
            )
        options_file, weight_file = resolve_elmo_file(options_file), resolve_elmo_file(weight_file)
        options = check_elmo_files(options_file, weight_file)
        if top_layer_only:
            if scalar_mix_parameters is not None:
                raise ConfigurationError("cached_elmo: give top_layer_only or scalar_mix_parameters, not both")
            scalar_mix_parameters = top_layer_mix(options)
        self._num_layers = int(options["lstm"]["n_layers"]) + 1
        self._elmo_dim = 2 * int(options["lstm"]["projection_dim"])
        self._cache = ElmoActivationCache(options_file, weight_file, cache_dir, storage_dtype)
        self._runner = BiLmRunner(options_file, weight_file, fast_forward=fast_forward)
        self.scalar_mix = ScalarMix(
            self._num_layers,
            do_layer_norm=do_layer_norm,
            initial_scalar_parameters=scalar_mix_parameters,
            trainable=scalar_mix_parameters is None,
        )
        self._dropout = torch.nn.Dropout(p=dropout)
        if projection_dim:
            self._projection: Optional[torch.nn.Linear] = torch.nn.Linear(self._elmo_dim, projection_dim)
            self.output_dim = projection_dim
        else:
            self._projection = None
            self.output_dim = self._elmo_dim
        self._was_training: Optional[bool] = None

    @property
    def cache(self) -> ElmoActivationCache:
        return self._cache

    @overrides
    def get_output_dim(self) -> int:
        return self.output_dim

    @overrides(check_signature=False)
    def forward(self, elmo_tokens: torch.Tensor) -> torch.Tensor:  # type: ignore
        """
        # Parameters

        elmo_tokens : `torch.Tensor`
            Character ids, shape `(batch_size, num_tokens, 50)`.

        # Returns

        The ELMo vectors, shape `(batch_size, num_tokens, output_dim)`.
        """
        if elmo_tokens.dim() != 3:
            raise ConfigurationError(
                f"cached_elmo expects (batch, tokens, 50) character ids, got {tuple(elmo_tokens.shape)}"
            )
        self._log_when_mode_changes()
        batch_size, num_tokens = elmo_tokens.shape[:2]
        # Shape: (batch_size, num_tokens, 50)
        ids = elmo_tokens.detach().cpu().numpy()
        lengths = (ids > 0).any(axis=-1).sum(axis=-1)
        # Shape: (batch_size, num_layers, num_tokens + 2, dim)
        stacked = numpy.zeros((batch_size, self._num_layers, num_tokens + 2, self._elmo_dim), dtype=numpy.float32)
        rows = [i for i, length in enumerate(lengths) if length > 0]
        keys = [sequence_key(ids[i, : lengths[i]]) for i in rows]
        found = self._cache.get_many([(key, int(lengths[i])) for i, key in zip(rows, keys)])
        misses = []
        for i, key, activations in zip(rows, keys, found):
            if activations is None:
                misses.append((i, key))
            else:
                stacked[i, :, : lengths[i] + 2] = activations
        if misses:
            computed = self._runner.compute([ids[i, : lengths[i]] for i, _ in misses], elmo_tokens.device)
            self._cache.put_many([(key, activations) for (_, key), activations in zip(misses, computed)])
            for (i, _), activations in zip(misses, computed):
                # Read back through the storage dtype, so hits and misses give the same numbers.
                stacked[i, :, : lengths[i] + 2] = activations.astype(self._cache.storage_dtype)
        device = elmo_tokens.device
        # Shape: (batch_size, num_tokens + 2)
        mask_with_bos_eos = torch.arange(num_tokens + 2, device=device)[None, :] < torch.as_tensor(
            lengths + 2 * (lengths > 0), device=device
        )[:, None]
        # Shape: (num_layers, batch_size, num_tokens + 2, dim)
        layers = torch.from_numpy(stacked).to(device).transpose(0, 1)
        mixed = self.scalar_mix(list(layers), mask_with_bos_eos)
        # Shape: (batch_size, num_tokens, dim)
        representation, _ = remove_sentence_boundaries(mixed, mask_with_bos_eos)
        representation = self._dropout(representation)
        if self._projection is not None:
            representation = self._projection(representation)
        return representation

    def _log_when_mode_changes(self) -> None:
        if self._was_training is not None and self._was_training != self.training:
            self._cache.log_summary("during training" if self._was_training else "during evaluation")
            self._cache.reset_stats()
        self._was_training = self.training


def read_only_activation_caches(model: torch.nn.Module) -> int:
    """
    Makes the activation cache of every `cached_elmo` embedder in `model` read-only (hits are
    still read, misses no longer stored); returns how many there were. `allennlp sst-serve`
    does this, so that requests cannot grow the store on disk.
    """
    embedders = [module for module in model.modules() if isinstance(module, CachedElmoTokenEmbedder)]
    for embedder in embedders:
        embedder.cache.read_only = True
    return len(embedders)
