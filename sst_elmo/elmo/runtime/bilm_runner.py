"""
Stateless activations of a biLM's layers for batches of character-id sequences
(`BiLmRunner`): what the ELMo activation cache stores (`sst_elmo.elmo.cache`), what the
`cached_elmo` embedder computes for its misses and what `elmo-embed` writes.
"""
from typing import List, Optional, Sequence

import numpy
import torch
from allennlp.modules.elmo import _ElmoBiLm

from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm


class BiLmRunner:
    """
    Stateless activations of every biLM layer for batches of character-id sequences. The
    biLM is loaded on first use (a warm cache never needs it) and is not a submodule of any
    model, so it adds nothing to a model's parameters or archive.

    # Parameters

    options_file : `str`
    weight_file : `str`
    fast_forward : `bool`, optional (default = `True`)
        Run the biLM with `sst_elmo.elmo.runtime.fast_bilm.FastElmoBiLm` (same numbers as AllenNLP's
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
