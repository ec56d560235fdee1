"""
`FastElmoBiLm`: AllenNLP's `_ElmoBiLm` weights run faster, with the same outputs (max abs
difference about 1e-6 in float32) and no state carried between batches.

Where the time goes in `_ElmoBiLm` (profiled on the published small shape, CPU): about 80%
of the arithmetic is the character CNN and highway layer, which run once per *token
position* (padding included), and the LSTM is a Python loop issuing a dozen small kernels
per timestep, per layer and direction. This module

- runs the character CNN, highway and projection once per *distinct word* of the batch
  (`torch.unique` over the character ids; a batch of sentences repeats most of its words);
- runs each LSTM layer with its input projection for all real (non-padding) positions as
  one matrix product,
  and both directions in one TorchScript loop (the backward direction reads each sequence
  reversed within its own length, so both directions share one shrinking batch prefix and
  their state products are one batched matmul), keeping the memory-cell and projection
  clipping and the skip connections exactly;
- starts every batch from zero LSTM states (AllenNLP's ELMo is stateful by default; see
  "ELMo state" in docs/reliability.md).

It holds the `_ElmoBiLm` it was given and reads its parameters at every call, so it never
copies or changes AllenNLP's modules. Optional `autocast_bf16` runs the matrix products in
bfloat16 (about 1e-2 absolute error; off by default).
"""
from typing import Dict, List, Optional, Tuple

import torch
from allennlp.modules.elmo import _ElmoBiLm
from allennlp.nn.util import add_sentence_boundary_token_ids
from overrides import overrides


@torch.jit.script
def _bidirectional_lstm_scan(
    projected: torch.Tensor,
    state_weight: torch.Tensor,
    state_bias: torch.Tensor,
    projection_weight: torch.Tensor,
    active: List[int],
    cell_clip: float,
    proj_clip: float,
) -> torch.Tensor:
    """
    projected: (2, batch, time, 4 * cell), the input projections of both directions, each
    sequence of the backward direction reversed within its length; rows sorted by length,
    longest first. state_weight: (2, hidden, 4 * cell) (transposed); state_bias: (2, 1, 4 * cell);
    projection_weight: (2, cell, hidden) (transposed). active[t]: rows with length > t.
    Clip values <= 0 mean no clipping. Returns (2, batch, time, hidden) (zero past each length).
    """
    directions, batch, time, four_cell = projected.shape
    cell = four_cell // 4
    hidden = projection_weight.shape[2]
    outputs = projected.new_zeros((directions, batch, time, hidden))
    state = projected.new_zeros((directions, batch, hidden))
    memory = projected.new_zeros((directions, batch, cell))
    for t in range(time):
        k = active[t]
        gates = projected[:, :k, t] + torch.baddbmm(state_bias, state[:, :k], state_weight)
        input_gate = torch.sigmoid(gates[:, :, 0:cell])
        forget_gate = torch.sigmoid(gates[:, :, cell : 2 * cell])
        memory_init = torch.tanh(gates[:, :, 2 * cell : 3 * cell])
        output_gate = torch.sigmoid(gates[:, :, 3 * cell : 4 * cell])
        new_memory = input_gate * memory_init + forget_gate * memory[:, :k]
        if cell_clip > 0:
            new_memory = torch.clamp(new_memory, -cell_clip, cell_clip)
        new_state = torch.bmm(output_gate * torch.tanh(new_memory), projection_weight)
        if proj_clip > 0:
            new_state = torch.clamp(new_state, -proj_clip, proj_clip)
        memory[:, :k] = new_memory
        state[:, :k] = new_state
        outputs[:, :k, t] = new_state
    return outputs


@torch.jit.script
def _bidirectional_lstm_scan_differentiable(
    projected: torch.Tensor,
    state_weight: torch.Tensor,
    state_bias: torch.Tensor,
    projection_weight: torch.Tensor,
    cell_clip: float,
    proj_clip: float,
) -> torch.Tensor:
    """
    The same recurrence as `_bidirectional_lstm_scan`, written for autograd (for training):
    no in-place writes, and every row runs at every timestep. That is exact for the positions
    that count: both directions read each sequence from its start (the backward one reversed
    within its length), so the padding of a row comes after its last real position and never
    reaches it. Returns (2, batch, time, hidden); positions past a row's length hold values
    computed from padding, for the caller to mask.
    """
    directions, batch, time, four_cell = projected.shape
    cell = four_cell // 4
    hidden = projection_weight.shape[2]
    state = projected.new_zeros((directions, batch, hidden))
    memory = projected.new_zeros((directions, batch, cell))
    outputs: List[torch.Tensor] = []
    # One view per timestep: its gradient is assembled once, not a full-size tensor per step.
    inputs = projected.unbind(2)
    for t in range(time):
        gates = torch.baddbmm(state_bias, state, state_weight) + inputs[t]
        # Shape: (2, batch, cell) each.
        input_forget = torch.sigmoid(gates[:, :, 0 : 2 * cell])
        memory_init = torch.tanh(gates[:, :, 2 * cell : 3 * cell])
        output_gate = torch.sigmoid(gates[:, :, 3 * cell : 4 * cell])
        memory = input_forget[:, :, 0:cell] * memory_init + input_forget[:, :, cell:] * memory
        if cell_clip > 0:
            memory = torch.clamp(memory, -cell_clip, cell_clip)
        state = torch.bmm(output_gate * torch.tanh(memory), projection_weight)
        if proj_clip > 0:
            state = torch.clamp(state, -proj_clip, proj_clip)
        outputs.append(state)
    return torch.stack(outputs, dim=2)


def _reverse_within_lengths(tensor: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """tensor: (batch, time, dim); reverses positions [0, length) of each row, keeps the rest."""
    time = tensor.size(1)
    positions = torch.arange(time, device=tensor.device)[None, :]
    # Shape: (batch, time)
    source = torch.where(positions < lengths[:, None], lengths[:, None] - 1 - positions, positions)
    return tensor.gather(1, source.unsqueeze(-1).expand_as(tensor))


class FastElmoBiLm(torch.nn.Module):
    """
    The weights of an AllenNLP `_ElmoBiLm`, run faster and statelessly, with the same output:
    `{"activations": [layer_0, ..., layer_n], "mask": mask}`, each activation of shape
    `(batch_size, num_tokens + 2, 2 * projection_dim)` with BOS/EOS, the mask
    `(batch_size, num_tokens + 2)`. Under `torch.no_grad()` it runs the inference scan
    (rows leave when their sentence ends, in-place writes); with gradients enabled it runs a
    differentiable scan over the same weights, which is how `elmo_bilm` trains (then set
    `word_memo_size=0`: the memo assumes frozen weights).

    # Parameters

    bilm : `_ElmoBiLm`
        A loaded AllenNLP biLM (character input; a `vocab_to_cache` biLM is not supported).
    autocast_bf16 : `bool`, optional (default = `False`)
        Run the character CNN, highway and LSTM matrix products in bfloat16.
    word_memo_size : `int`, optional (default = `50000`)
        Remember the character-CNN output of up to this many distinct words across calls
        (cleared when full), so a word's CNN runs once per run, not once per batch. It
        assumes frozen weights; `0` turns it off.
    """

    def __init__(self, bilm: _ElmoBiLm, autocast_bf16: bool = False, word_memo_size: int = 50_000) -> None:
        super().__init__()
        self.bilm = bilm
        self.autocast_bf16 = autocast_bf16
        self.word_memo_size = word_memo_size
        # Character-CNN output of words seen before, by their character ids (frozen weights).
        self._memo: Dict[bool, Dict[bytes, torch.Tensor]] = {}
        self.num_layers = bilm.num_layers
        # Floating-point operations of the matrix products and convolutions run so far (a
        # multiply-add counts 2), for benchmarks: the work actually executed, padding included.
        self.matrix_flops = 0

    def get_output_dim(self) -> int:
        return self.bilm.get_output_dim()

    @overrides(check_signature=False)
    def forward(  # type: ignore
        self, inputs: torch.Tensor, word_inputs: Optional[torch.Tensor] = None
    ) -> Dict[str, object]:
        """
        # Parameters

        inputs : `torch.Tensor`
            Character ids, shape `(batch_size, num_tokens, 50)`.
        word_inputs : `torch.Tensor`, optional
            Ignored (accepted so that AllenNLP's `Elmo(module=...)` can call this module).
        """
        with torch.autocast(inputs.device.type, dtype=torch.bfloat16, enabled=self.autocast_bf16):
            type_representation, mask = self.token_embedding(inputs)
            lstm_outputs = self.contextualize(type_representation, mask)
        type_representation = type_representation.float()
        activations = [torch.cat([type_representation, type_representation], dim=-1) * mask.unsqueeze(-1)]
        activations.extend(layer.float() for layer in lstm_outputs)
        return {"activations": activations, "mask": mask}

    def token_embedding(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """
        The character CNN + highway + projection of every token, with `<S>` and `</S>` added
        (as `_ElmoCharacterEncoder`): `(batch_size, num_tokens + 2, projection_dim)` and the
        mask `(batch_size, num_tokens + 2)`. The CNN runs once per distinct word.
        """
        encoder = self.bilm._token_embedder
        mask = (inputs > 0).sum(dim=-1) > 0
        # Shape: (batch_size, num_tokens + 2, 50)
        ids, mask_with_bos_eos = add_sentence_boundary_token_ids(
            inputs, mask, encoder._beginning_of_sentence_characters, encoder._end_of_sentence_characters
        )
        batch_size, length, num_chars = ids.shape
        # Shape: (num_distinct, 50), (batch_size * (num_tokens + 2),)
        words, inverse = torch.unique(ids.view(-1, num_chars), dim=0, return_inverse=True)
        memo = self._memo.setdefault(self.autocast_bf16, {})
        keys = [row.tobytes() for row in words.cpu().numpy().astype("<u2")] if self.word_memo_size else []
        new = [i for i, key in enumerate(keys) if key not in memo] if keys else list(range(len(words)))
        if new:
            computed = self._embed_words(words[new] if len(new) < len(words) else words)
            if not keys:
                return computed[inverse].view(batch_size, length, -1), mask_with_bos_eos
            if len(memo) + len(new) > self.word_memo_size:
                memo.clear()
            for i, vector in zip(new, computed):
                memo[keys[i]] = vector
        # Shape: (num_distinct, projection_dim)
        distinct = torch.stack([memo[key] for key in keys])
        return distinct[inverse].view(batch_size, length, -1), mask_with_bos_eos

    def _embed_words(self, words: torch.Tensor) -> torch.Tensor:
        """
        The character CNN, highway and projection of distinct words, shape `(num_words, 50)`.

        Each word's characters are `[BOW, c_1 .. c_n, EOW, PAD, ...]`; every convolution
        window lying wholly in the trailing PAD run gives the same vector, so the max over
        positions is unchanged when the words are cut to the longest word plus the widest
        window (still at most 50): each cut word keeps at least one all-PAD window if it had
        one, and loses only copies of it.
        """
        encoder = self.bilm._token_embedder
        options = encoder._options["char_cnn"]
        widths = [width for width, _ in options["filters"]]
        padding_id = int(encoder._end_of_sentence_characters[-1])
        # Padding tokens (all zeros) are masked out later; they do not set the cut.
        used = ((words != padding_id) & (words != 0)).sum(dim=1).max()
        cut = min(words.size(1), int(used) + max(widths))
        activation = torch.tanh if options["activation"] == "tanh" else torch.nn.functional.relu
        # Shape: (num_words, embed_dim, cut)
        embedded = torch.nn.functional.embedding(words[:, :cut], encoder._char_embedding_weights).transpose(1, 2)
        convolved = []
        for i in range(len(widths)):
            conv = getattr(encoder, f"char_conv_{i}")
            convolved.append(activation(conv(embedded).max(dim=-1)[0]))
            self.matrix_flops += 2 * words.size(0) * conv.weight.numel() * (cut - widths[i] + 1)
        filters = sum(count for _, count in options["filters"])
        self.matrix_flops += 2 * words.size(0) * filters * (
            2 * filters * options["n_highway"] + encoder._projection.out_features
        )
        # Shape: (num_words, projection_dim)
        return encoder._projection(encoder._highways(torch.cat(convolved, dim=-1)))

    def contextualize(self, inputs: torch.Tensor, mask: torch.Tensor) -> List[torch.Tensor]:
        """
        The biLSTM over `inputs` `(batch_size, length, projection_dim)` (with `<S>`/`</S>`),
        from zero states: one `(batch_size, length, 2 * projection_dim)` tensor per layer,
        forward half first, zero past each sequence (as `ElmoLstm`).
        """
        lstm = self.bilm._elmo_lstm
        # With gradients (training), every row runs at every step of a scan without
        # in-place writes; without, rows leave the scan when their sentence ends.
        differentiable = torch.is_grad_enabled()
        lengths = mask.sum(dim=1)
        order = torch.argsort(lengths, descending=True)
        restore = torch.argsort(order)
        sorted_lengths = lengths[order]
        time = int(sorted_lengths[0]) if len(sorted_lengths) else 0
        # Shape: (batch, time, input_dim), sorted longest first, cut to the longest.
        current = inputs[order, :time]
        steps = torch.arange(time, device=inputs.device)
        # active[t]: the rows (a prefix, longest first) still running at timestep t.
        active = [int(k) for k in (sorted_lengths[None, :] > steps[:, None]).sum(dim=1)]
        # Shape: (batch, time)
        valid = steps[None, :] < sorted_lengths[:, None]
        reversed_current = _reverse_within_lengths(current, sorted_lengths)
        dtype = torch.bfloat16 if self.autocast_bf16 else inputs.dtype
        outputs = []
        for layer_index in range(lstm.num_layers):
            forward_cell = getattr(lstm, f"forward_layer_{layer_index}")
            backward_cell = getattr(lstm, f"backward_layer_{layer_index}")
            cells = (forward_cell, backward_cell)
            weights = [cell.input_linearity.weight.t().to(dtype) for cell in cells]
            state_weight = torch.stack([cell.state_linearity.weight.t() for cell in cells]).to(dtype)
            state_bias = torch.stack([cell.state_linearity.bias for cell in cells])[:, None].to(dtype)
            projection_weight = torch.stack(
                [forward_cell.state_projection.weight.t(), backward_cell.state_projection.weight.t()]
            ).to(dtype)
            cell_clip = float(forward_cell.memory_cell_clip_value or 0.0)
            proj_clip = float(forward_cell.state_projection_clip_value or 0.0)
            if differentiable:
                # Shape: (2, batch, time, 4 * cell); one product per direction.
                projected = torch.stack(
                    [current.to(dtype) @ weights[0], reversed_current.to(dtype) @ weights[1]]
                )
                # The operands are cast already; TorchScript's autocast pass fails on bfloat16.
                with torch.autocast(projected.device.type, enabled=False):
                    scanned = _bidirectional_lstm_scan_differentiable(
                        projected, state_weight, state_bias, projection_weight, cell_clip, proj_clip
                    )
            else:
                # Shape: (2, batch, time, 4 * cell). Written in place (no copies): only
                # positions before each length are read, so the rest may hold anything.
                projected = current.new_empty(2, current.size(0), time, weights[0].size(1), dtype=dtype)
                if int(valid.sum()) >= 0.8 * valid.numel():  # little padding: project every position
                    for direction, rows in enumerate((current, reversed_current)):
                        torch.matmul(rows.to(dtype), weights[direction], out=projected[direction])
                else:  # much padding: project the real positions only
                    for direction, rows in enumerate((current, reversed_current)):
                        projected[direction][valid] = rows[valid].to(dtype) @ weights[direction]
                scanned = _bidirectional_lstm_scan(
                    projected, state_weight, state_bias, projection_weight, active, cell_clip, proj_clip
                )
                projected_rows = valid.numel() if int(valid.sum()) >= 0.8 * valid.numel() else int(valid.sum())
                self.matrix_flops += 2 * 2 * (
                    projected_rows * weights[0].numel()
                    + sum(active) * (state_weight[0].numel() + projection_weight[0].numel())
                )
            forward_output, backward_output = scanned[0], scanned[1]
            if layer_index != 0:
                forward_output = forward_output + current
                backward_output = backward_output + reversed_current
            current, reversed_current = forward_output, backward_output
            both = torch.cat([forward_output, _reverse_within_lengths(backward_output, sorted_lengths)], dim=-1)
            if differentiable:
                both = both * valid.unsqueeze(-1).to(both.dtype)
            # Back to the input order and length, zero past each sequence.
            full = both[restore]
            if time < inputs.size(1):
                full = torch.nn.functional.pad(full, (0, 0, 0, inputs.size(1) - time))
            outputs.append(full)
        return outputs
