from typing import Optional

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.token_embedders import ElmoTokenEmbedder, TokenEmbedder
from overrides import overrides

from sst_elmo.elmo.files.checks import check_elmo_files
from sst_elmo.elmo.files.shipped import resolve_elmo_file
from sst_elmo.elmo.runtime.layer_mix import top_layer_mix


@TokenEmbedder.register("stateless_elmo")
class StatelessElmoTokenEmbedder(ElmoTokenEmbedder):
    """
    AllenNLP's `elmo_token_embedder` with the biLM's LSTM state reset before every batch.

    AllenNLP's ELMo LSTM is stateful: each batch starts from the final states of the
    previous one (AllenNLP issues #1169, #2371), so a sentence's vectors, and a classifier's
    prediction, depend on what was embedded before it and in which batch. Here every batch
    starts from zero states, so a sentence's vectors depend on the sentence alone:
    predictions are the same whatever the batch size or order, and the first batch of a fresh
    `elmo_token_embedder` gives identical numbers.

    Registered as a `TokenEmbedder` with name "stateless_elmo". Takes the parameters of
    `ElmoTokenEmbedder` and `top_layer_only`; the options and weight files are checked first
    (`sst_elmo.elmo.files.checks.check_elmo_files`), so a mismatched pair gives one clear error.

    # Parameters

    top_layer_only : `bool`, optional (default = `False`)
        Use the top biLM layer alone (fixed `scalar_mix_parameters` for the biLM's own number
        of layers), as the feature-extraction tutorial does.
    """

    def __init__(self, options_file: str, weight_file: str, top_layer_only: bool = False, **kwargs) -> None:
        options_file, weight_file = resolve_elmo_file(options_file), resolve_elmo_file(weight_file)
        options = check_elmo_files(options_file, weight_file)
        if top_layer_only:
            if kwargs.get("scalar_mix_parameters") is not None:
                raise ConfigurationError("give top_layer_only or scalar_mix_parameters, not both")
            kwargs["scalar_mix_parameters"] = top_layer_mix(options)
        super().__init__(options_file=options_file, weight_file=weight_file, **kwargs)

    @overrides
    def forward(  # type: ignore
        self, elmo_tokens: torch.Tensor, word_inputs: Optional[torch.Tensor] = None
    ) -> torch.Tensor:
        """
        # Parameters

        elmo_tokens : `torch.Tensor`
            Character ids, shape `(batch_size, num_tokens, 50)`.
        word_inputs : `torch.Tensor`, optional
            Word ids, shape `(batch_size, num_tokens)`, for a biLM with cached word vectors.

        # Returns

        The ELMo vectors, shape `(batch_size, num_tokens, output_dim)`.
        """
        self._elmo._elmo_lstm._elmo_lstm.reset_states()
        return super().forward(elmo_tokens, word_inputs)
