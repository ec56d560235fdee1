"""
Computing stateless biLM activations for the ELMo activation cache: a lazily loaded biLM
(`BiLmRunner`) and `fill_cache`, which computes and stores the missing entries of many token
sequences in length-sorted batches. Used by the `cached_elmo` embedder for its misses and by
`allennlp elmo-cache` to warm a cache.
"""
import logging
from typing import Iterable, List, Optional, Sequence

import numpy
import torch
from allennlp.common.tqdm import Tqdm
from allennlp.modules.elmo import _ElmoBiLm

from sst_elmo.caching.activation_cache import ElmoActivationCache, sequence_key

logger = logging.getLogger(__name__)

DEFAULT_FILL_BATCH_SIZE = 64


class BiLmRunner:
    """
    Stateless activations of every biLM layer for batches of character-id sequences. The
    biLM is loaded on first use (a warm cache never needs it) and is not a submodule of any
    model, so it adds nothing to a model's parameters or archive.

    # Parameters

    options_file : `str`
    weight_file : `str`
    fast_forward : `bool`, optional (default = `True`)
        Run the biLM with `sst_elmo.elmo.fast_bilm.FastElmoBiLm` (same numbers as AllenNLP's
        `_ElmoBiLm` within 1e-4, faster); `False` runs `_ElmoBiLm` itself.
    """

    def __init__(self, options_file: str, weight_file: str, fast_forward: bool = True) -> None:
        self.options_file = options_file
        self.weight_file = weight_file
        self.fast_forward = fast_forward
        self._bilm: Optional[torch.nn.Module] = None

    @property
    def bilm(self) -> torch.nn.Module:
        if self._bilm is None:
            bilm = _ElmoBiLm(self.options_file, self.weight_file, requires_grad=False)
            if self.fast_forward:
                from sst_elmo.elmo.fast_bilm import FastElmoBiLm

                bilm = FastElmoBiLm(bilm)
            self._bilm = bilm.eval()
        return self._bilm

    def compute(
        self, sequences: Sequence[numpy.ndarray], device: Optional[torch.device] = None
    ) -> List[numpy.ndarray]:
        """
        # Parameters

        sequences : `Sequence[numpy.ndarray]`
            Character ids of non-empty sequences, each shape `(num_tokens, 50)`.

        # Returns

        Float32 activations of each sequence, shape `(num_layers, num_tokens + 2, dim)`,
        computed with zero initial LSTM states.
        """
        bilm = self.bilm
        if device is not None:
            bilm.to(device)
        device = next(bilm.parameters()).device
        longest = max(len(sequence) for sequence in sequences)
        # Shape: (batch_size, longest, 50)
        batch = numpy.zeros((len(sequences), longest, 50), dtype=numpy.int64)
        for i, sequence in enumerate(sequences):
            batch[i, : len(sequence)] = sequence
        if isinstance(bilm, _ElmoBiLm):
            bilm._elmo_lstm.reset_states()
        with torch.no_grad():
            output = bilm(torch.from_numpy(batch).to(device))
            # Shape: (batch_size, num_layers, longest + 2, dim)
            activations = torch.stack(output["activations"], dim=1).float().cpu().numpy()
        return [activations[i, :, : len(sequence) + 2] for i, sequence in enumerate(sequences)]


def fill_cache(
    cache: ElmoActivationCache,
    runner: BiLmRunner,
    sequences: Iterable[numpy.ndarray],
    batch_size: int = DEFAULT_FILL_BATCH_SIZE,
    device: Optional[torch.device] = None,
    progress: bool = True,
) -> int:
    """
    Computes and stores the entries that `cache` lacks for `sequences` (each `(num_tokens, 50)`
    character ids; empty ones are skipped), sorted by length so that batches carry little
    padding. Returns the number of entries written.
    """
    todo = {}
    for sequence in sequences:
        if len(sequence):
            # uint16 holds every ELMo character id (< 262): a quarter of int64's memory.
            todo.setdefault(sequence_key(sequence), numpy.asarray(sequence, dtype=numpy.uint16))
    missing = [(key, todo[key]) for key in cache.missing(list(todo))]
    missing.sort(key=lambda item: len(item[1]), reverse=True)
    logger.info(f"ELMo cache: {len(todo)} distinct sequences, {len(missing)} to compute.")
    written = 0
    with Tqdm.tqdm(total=len(missing), desc="elmo-cache", unit="sequences", disable=not progress) as bar:
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            computed = runner.compute([s for _, s in chunk], device)
            cache.put_many([(key, activations) for (key, _), activations in zip(chunk, computed)])
            written += len(chunk)
            bar.update(len(chunk))
    return written
