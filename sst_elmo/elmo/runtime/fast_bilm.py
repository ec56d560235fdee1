"""
`FastElmoBiLm`: AllenNLP's `_ElmoBiLm` weights run faster, with the same outputs (max abs
difference about 1e-7 in float32) and no state carried between batches.

Where the time goes in `_ElmoBiLm` (profiled on the published small shape, CPU): about 80%
of the arithmetic is the character CNN and highway layer, which run once per *token
position* (padding included), and the LSTM is a Python loop issuing a dozen small kernels
per timestep, per layer and direction. This module

- runs the character CNN, highway and projection once per *distinct word* of the batch
  (`torch.unique` over the character ids; a batch of sentences repeats most of its words),
  and remembers the result across batches (`word_memo_size`);
- runs all the CNN's filters as one matrix product over windows of the widest width,
  words sorted by length and cut to their chunk's longest word, with `amax` over positions;
- runs the first LSTM layer's input projection once per distinct word, the others as one
  matrix product per direction over the batch (time first, the state bias added);
- runs both directions in one TorchScript loop (the backward direction reads each sequence
  reversed within its own length, so both directions share one shrinking batch prefix and
  their state products are one batched product added in place onto the input projection),
  keeping the memory-cell and projection clipping and the skip connections exactly; tanh
  is computed as 2 * sigmoid(2x) - 1 (ATen's float tanh is several times slower);
- passes MKL the weights in the layout it multiplies fastest, and reuses its large
  intermediate buffers between calls (fresh ones cost page faults as long as the products);
- starts every batch from zero LSTM states (AllenNLP's ELMo is stateful by default; see
  "ELMo state" in docs/reliability.md).

It holds the `_ElmoBiLm` it was given and reads its parameters at every call (prepared
copies for inference are kept until a parameter changes), so it never changes AllenNLP's
modules. Optional `autocast_bf16` runs the matrix products in bfloat16 (about 1e-2 absolute
error; off by default).
"""
import math
import threading
from typing import Dict, List, NamedTuple, Optional, Tuple

import torch
from allennlp.modules.elmo import _ElmoBiLm
from allennlp.nn.util import add_sentence_boundary_token_ids
from overrides import overrides

from sst_elmo.elmo.runtime.training_scan import lstm_scan

# Words per matrix product of the character CNN (sorted by length, so a chunk's words have
# about as many windows each).
_CNN_CHUNK_WORDS = 256


@torch.jit.script
def _bidirectional_lstm_scan(
    projected: torch.Tensor,
    state_weight: torch.Tensor,
    projection_weight: torch.Tensor,
    active: List[int],
    cell_clip: float,
    proj_clip: float,
) -> torch.Tensor:
    """
    projected: (2, time, batch, 4 * cell), time first, the input projections plus the state
    bias of both directions, each sequence of the backward direction reversed within its
    length; rows sorted by length, longest first. It is overwritten: each timestep's gates
    are computed in place (one batched product adding onto it, no copies).
    state_weight: (2, hidden, 4 * cell) (transposed); projection_weight: (2, cell, hidden)
    (transposed). active[t]: rows with length > t. Clip values <= 0 mean no clipping.
    Returns (2, batch, time, hidden) (zero past each length).

    The third block of the gates (the memory input, under tanh) must come scaled by 2 in
    `projected` and `state_weight` (exact in floating point): the scan computes tanh(x) as
    2 * sigmoid(2x) - 1, because ATen's float tanh is several times slower than its sigmoid
    on the CPU, and then one sigmoid covers all four blocks. Absolute error about 1e-7.
    """
    directions, time, batch, four_cell = projected.shape
    cell = four_cell // 4
    hidden = projection_weight.shape[2]
    outputs = projected.new_zeros((directions, batch, time, hidden))
    state = projected.new_zeros((directions, batch, hidden))
    memory = projected.new_zeros((directions, batch, cell))
    for t in range(time):
        k = active[t]
        # Shape: (2, k, 4 * cell), in place: every block through the sigmoid.
        gates = projected[:, t, :k].baddbmm_(state[:, :k], state_weight).sigmoid_()
        # tanh of the memory input: 2 * sigmoid(2x) - 1.
        memory_init = gates[:, :, 2 * cell : 3 * cell].mul_(2.0).sub_(1.0)
        # Shape: (2, k, cell); the rows still running, updated in place.
        new_memory = memory[:, :k]
        new_memory.mul_(gates[:, :, cell : 2 * cell]).addcmul_(gates[:, :, 0:cell], memory_init)
        if cell_clip > 0:
            new_memory.clamp_(-cell_clip, cell_clip)
        squashed = torch.sigmoid(new_memory * 2.0).mul_(2.0).sub_(1.0).mul_(gates[:, :, 3 * cell : 4 * cell])
        new_state = torch.bmm(squashed, projection_weight)
        if proj_clip > 0:
            new_state.clamp_(-proj_clip, proj_clip)
        state[:, :k] = new_state
        outputs[:, :k, t] = new_state
    return outputs


def _stacked_weights(
    cells: Tuple[torch.nn.Module, torch.nn.Module], dtype: torch.dtype, double_memory_input: bool = False
) -> Tuple[List[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]:
    """
    The weights of one layer's forward and backward `LstmCellWithProjection`, for the scans:
    input weights `[(input_dim, 4 * cell)] * 2` and state weights `(2, hidden, 4 * cell)`,
    both transposed views (with hidden as small as 128, MKL runs these products about 1.8x
    faster than on contiguous copies), state biases `(2, 1, 4 * cell)` and projection
    weights `(2, cell, hidden)`. `double_memory_input`: the gates' memory-input block (the
    third quarter) of the input and state weights and biases times 2, as the inference scan
    wants them (see `_bidirectional_lstm_scan`).
    """

    def gates(parameter: torch.Tensor) -> torch.Tensor:  # (4 * cell, ...)
        if not double_memory_input:
            return parameter
        cell = parameter.size(0) // 4
        doubled = parameter.clone()
        doubled[2 * cell : 3 * cell] *= 2.0
        return doubled

    weights = [gates(cell.input_linearity.weight).t().to(dtype) for cell in cells]
    state_weight = torch.stack([gates(cell.state_linearity.weight) for cell in cells]).to(dtype).transpose(1, 2)
    state_bias = torch.stack([gates(cell.state_linearity.bias) for cell in cells])[:, None].to(dtype)
    projection_weight = torch.stack([cell.state_projection.weight.t() for cell in cells]).to(dtype)
    return weights, state_weight, state_bias, projection_weight


def _weights_key(parameters: List[torch.nn.Parameter]) -> Optional[Tuple[Tuple[int, int], ...]]:
    """
    What identifies frozen weights' current values: each parameter's storage and in-place
    version (which `load_state_dict` and optimizer steps increment); `None` if any parameter
    takes gradients (results computed from it are not kept).
    """
    if any(parameter.requires_grad for parameter in parameters):
        return None
    return tuple((parameter.data_ptr(), parameter._version) for parameter in parameters)


def _reverse_within_lengths(tensor: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """tensor: (batch, time, dim); reverses positions [0, length) of each row, keeps the rest."""
    time = tensor.size(1)
    positions = torch.arange(time, device=tensor.device)[None, :]
    # Shape: (batch, time)
    source = torch.where(positions < lengths[:, None], lengths[:, None] - 1 - positions, positions)
    return tensor.gather(1, source.unsqueeze(-1).expand_as(tensor))


class _SortedBatch(NamedTuple):
    """A batch's rows sorted longest first and cut to the longest (`FastElmoBiLm.contextualize`)."""

    order: torch.Tensor  # the input row of each sorted row
    restore: torch.Tensor  # the sorted row of each input row
    lengths: torch.Tensor  # the sorted lengths
    time: int  # the longest length
    active: List[int]  # active[t]: the rows (a prefix, longest first) still running at timestep t
    valid: torch.Tensor  # (batch, time): True before each row's length
    real_positions: int
    little_padding: bool  # the input projections cover every position, not only the real ones


def _sorted_batch(mask: torch.Tensor) -> _SortedBatch:
    lengths = mask.sum(dim=1)
    order = torch.argsort(lengths, descending=True)
    sorted_lengths = lengths[order]
    time = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    steps = torch.arange(time, device=mask.device)
    active: List[int] = (sorted_lengths[None, :] > steps[:, None]).sum(dim=1).tolist()
    # Shape: (batch, time)
    valid = steps[None, :] < sorted_lengths[:, None]
    real_positions = int(valid.sum())
    return _SortedBatch(
        order, torch.argsort(order), sorted_lengths, time, active, valid, real_positions,
        little_padding=real_positions >= 0.6 * valid.numel(),
    )


def _clips(cell: torch.nn.Module) -> Tuple[float, float]:
    """A layer's memory cell clip and state projection clip (0: none)."""
    return float(cell.memory_cell_clip_value or 0.0), float(cell.state_projection_clip_value or 0.0)


def _scan_layer_differentiable(
    cells: Tuple[torch.nn.Module, torch.nn.Module],
    current: torch.Tensor,
    reversed_current: torch.Tensor,
    dtype: torch.dtype,
) -> torch.Tensor:
    """
    One layer of `contextualize` with gradients (`training_scan.LstmScan`): every row runs at
    every step. Returns `(2, batch, time, hidden)`.
    """
    weights, state_weight, state_bias, projection_weight = _stacked_weights(cells, dtype)
    # Shape: (2, time, batch, input_dim), time first.
    inputs = torch.stack([current.transpose(0, 1), reversed_current.transpose(0, 1)]).to(dtype)
    return lstm_scan(
        inputs, torch.stack(weights), state_bias[:, 0], state_weight, projection_weight, *_clips(cells[0])
    )


def _project_inputs(
    projected: torch.Tensor,
    directions: Tuple[torch.Tensor, torch.Tensor],
    weights: List[torch.Tensor],
    biases: List[torch.Tensor],
    dtype: torch.dtype,
    batch: _SortedBatch,
    words: Optional[Tuple[torch.Tensor, torch.Tensor]],
) -> None:
    """
    Writes each direction's input projection plus bias into `projected` `(2, time, batch,
    4 * cell)`: once per distinct word and gathered to every position when `words` is given;
    otherwise for every position when there is little padding, else for the real ones only.
    """
    if words is not None:
        # Shape: (batch, time) each: every position's distinct word, both directions.
        index = words[1][batch.order, : batch.time]
        indices = (index, _reverse_within_lengths(index.unsqueeze(-1), batch.lengths).squeeze(-1))
    for direction, rows in enumerate(directions):
        if words is not None:
            # Shape: (num_distinct, 4 * cell), then gathered to every position.
            table = torch.addmm(biases[direction], words[0].to(dtype), weights[direction])
            torch.index_select(
                table, 0, indices[direction].t().reshape(-1),
                out=projected[direction].view(-1, projected.size(-1)),
            )
            continue
        # Shape: (time, batch, input_dim)
        rows = rows.transpose(0, 1).to(dtype)
        if batch.little_padding:
            torch.addmm(
                biases[direction], rows.reshape(-1, rows.size(-1)), weights[direction],
                out=projected[direction].view(-1, projected.size(-1)),
            )
        else:
            projected[direction][batch.valid.t()] = torch.addmm(
                biases[direction], rows[batch.valid.t()], weights[direction]
            )


class FastElmoBiLm(torch.nn.Module):
    """
    The weights of an AllenNLP `_ElmoBiLm`, run faster and statelessly, with the same output:
    `{"activations": [layer_0, ..., layer_n], "mask": mask}`, each activation of shape
    `(batch_size, num_tokens + 2, 2 * projection_dim)` with BOS/EOS, the mask
    `(batch_size, num_tokens + 2)`. Under `torch.no_grad()` it runs the inference scan
    (rows leave when their sentence ends, in-place writes); with gradients enabled it runs
    `training_scan.LstmScan` over the same weights (a hand-written backward pass), which is how
    `elmo_bilm` trains (the memo is not used while the character CNN's weights take gradients).

    Results kept between calls (the word memo, the prepared LSTM weights) follow the weights:
    they are dropped when a parameter's storage or in-place version changes, as with
    `load_state_dict` or an optimizer step, and they are kept only for frozen weights
    (`requires_grad` false). Writes through `parameter.data` bypass the version counter: call
    `clear_caches()` after them. The module may be called from several threads at once.

    # Parameters

    bilm : `_ElmoBiLm`
        A loaded AllenNLP biLM (character input; a `vocab_to_cache` biLM is not supported).
    autocast_bf16 : `bool`, optional (default = `False`)
        Run the character CNN, highway and LSTM matrix products in bfloat16.
    word_memo_size : `int`, optional (default = `50000`)
        Remember the character-CNN output of up to this many distinct words across calls
        (cleared when full), so a word's CNN runs once per run, not once per batch. Used for
        frozen weights only; `0` turns it off.
    """

    def __init__(self, bilm: _ElmoBiLm, autocast_bf16: bool = False, word_memo_size: int = 50_000) -> None:
        super().__init__()
        self.bilm = bilm
        self.autocast_bf16 = autocast_bf16
        self.word_memo_size = word_memo_size
        # Character-CNN output of words seen before, by their character ids (frozen weights).
        self._memo: Dict[bool, Dict[bytes, int]] = {}
        # Their vectors, row by row, in a table grown as needed.
        self._memo_tables: Dict[bool, torch.Tensor] = {}
        # The token embedder's weights the memo was computed with (see `_weights_key`).
        self._memo_key: object = None
        self.num_layers = bilm.num_layers
        # Floating-point operations of the matrix products and convolutions run so far (a
        # multiply-add counts 2), for benchmarks: the work actually executed, padding included.
        self.matrix_flops = 0
        # Reused buffers for the large intermediate results of inference (see `_scratch`),
        # per thread: threads calling at once never share one, and a thread's buffers go
        # when the thread ends.
        self._scratch_local = threading.local()
        # Guards the word memo and its table, which calls from several threads update.
        self._memo_lock = threading.Lock()
        # The inference scan's weights of each layer (see `_scan_weights`).
        self._scan_weights_cache: Dict[int, Tuple[object, object]] = {}

    def _scratch(self, name: str, shape: List[int], like: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """
        An uninitialised tensor of `shape` for inference only, from a buffer kept between calls
        and grown as needed. Freshly allocated tensors of tens of megabytes come from the
        operating system page by page at every call; on the CPU those page faults cost as
        much as the matrix product that fills the tensor. The caller must be done with the
        previous tensor of the same `name`.
        """
        size = math.prod(shape)
        buffers = self._scratch_local.__dict__
        buffer = buffers.get(name)
        if buffer is None or buffer.numel() < size or buffer.dtype != dtype or buffer.device != like.device:
            # A normal tensor even under `torch.inference_mode()`, so later calls outside it
            # may write to it.
            with torch.inference_mode(False):
                buffer = like.new_empty(size, dtype=dtype)
            buffers[name] = buffer
        return buffer[:size].view(shape)

    def clear_caches(self) -> None:
        """Forgets the word memo, the prepared LSTM weights and this thread's scratch buffers."""
        with self._memo_lock:
            self._memo.clear()
            self._memo_tables.clear()
            self._memo_key = None
        self._scan_weights_cache.clear()
        self._scratch_local.__dict__.clear()

    def __getstate__(self) -> Dict[str, object]:
        """For `copy.deepcopy` and pickling: no lock, no scratch buffers, no prepared weights."""
        with self._memo_lock:
            state = dict(self.__dict__)
            state["_memo"] = {flag: dict(memo) for flag, memo in self._memo.items()}
            state["_memo_tables"] = dict(self._memo_tables)
        state["_memo_lock"] = None
        state["_scratch_local"] = None
        state["_scan_weights_cache"] = {}
        return state

    def __setstate__(self, state: Dict[str, object]) -> None:
        super().__setstate__(state)
        self._memo_lock = threading.Lock()
        self._scratch_local = threading.local()

    def _scan_weights(
        self, cells: Tuple[torch.nn.Module, torch.nn.Module], dtype: torch.dtype
    ) -> Tuple[List[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]:
        """
        `_stacked_weights` as the inference scan wants them (the memory-input block doubled),
        in the order `(input weights, state biases, state weights, projection weights)`. Kept
        between calls for frozen weights until a parameter changes (see `_weights_key`).
        """
        parameters = [parameter for cell in cells for parameter in cell.parameters()]
        key = (dtype, _weights_key(parameters))
        cached = self._scan_weights_cache.get(id(cells[0]))
        if key[1] is not None and cached is not None and cached[0] == key:
            return cached[1]
        weights, state_weight, state_bias, projection_weight = _stacked_weights(cells, dtype, True)
        prepared = (weights, state_bias, state_weight, projection_weight)
        if key[1] is not None:  # frozen weights only
            self._scan_weights_cache[id(cells[0])] = (key, prepared)
        return prepared

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
            distinct, inverse, mask = self._distinct_words(inputs)
            # Shape: (batch_size, num_tokens + 2, projection_dim)
            type_representation = distinct[inverse]
            lstm_outputs = self.contextualize(type_representation, mask, words=(distinct, inverse))
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
        distinct, inverse, mask = self._distinct_words(inputs)
        return distinct[inverse], mask

    def _distinct_words(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """
        The token embeddings of the batch's distinct words (with `<S>` and `</S>` added),
        `(num_distinct, projection_dim)`, the index of each token's word `(batch_size,
        num_tokens + 2)` and the mask. Words in the memo are not computed again.
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
        inverse = inverse.view(batch_size, length)
        weights_key = _weights_key(list(encoder.parameters())) if self.word_memo_size else None
        if weights_key is None:  # no memo, or weights that train
            return self._embed_words(words), inverse, mask_with_bos_eos
        keys = [row.tobytes() for row in words.cpu().numpy().astype("<u2")]
        with self._memo_lock:
            if weights_key != self._memo_key:  # other weights than the memo's: start again
                self._memo.clear()
                self._memo_tables.clear()
                self._memo_key = weights_key
            return self._remembered_words(words, keys), inverse, mask_with_bos_eos

    def _remembered_words(self, words: torch.Tensor, keys: List[bytes]) -> torch.Tensor:
        """The vectors of `words` (their memo `keys`): from the memo, the new ones computed and added."""
        memo = self._memo.setdefault(self.autocast_bf16, {})
        rows = [memo.get(key, -1) for key in keys]
        new = [i for i, row in enumerate(rows) if row < 0]
        if len(memo) + len(new) > self.word_memo_size:  # full: start again with this batch's words
            if len(keys) > self.word_memo_size:  # more than it holds: computed, not remembered
                return self._embed_words(words)
            memo.clear()
            new, rows = list(range(len(keys))), [-1] * len(keys)
        if new:
            computed = self._embed_words(words[new] if len(new) < len(words) else words)
            table = self._memo_tables.get(self.autocast_bf16)
            if table is None or len(memo) + len(new) > table.size(0) or table.device != computed.device:
                # A normal tensor even under `torch.inference_mode()` (see `_scratch`).
                with torch.inference_mode(False):
                    grown = computed.new_empty(max(2 * len(memo), len(memo) + len(new), 1024), computed.size(1))
                if memo:
                    grown[: len(memo)] = table[: len(memo)]
                table = self._memo_tables[self.autocast_bf16] = grown
            table[len(memo) : len(memo) + len(new)] = computed
            for i in new:
                rows[i] = memo[keys[i]] = len(memo)
        table = self._memo_tables[self.autocast_bf16]
        if table.device != words.device:  # the module moved to another device
            table = self._memo_tables[self.autocast_bf16] = table.to(words.device)
        # Shape: (num_distinct, projection_dim)
        return table[torch.tensor(rows, device=words.device)]

    def _embed_words(self, words: torch.Tensor) -> torch.Tensor:
        """
        The character CNN, highway and projection of distinct words, shape `(num_words, 50)`.

        Each word's characters are `[BOW, c_1 .. c_n, EOW, PAD, ...]`; every convolution
        window lying wholly in the trailing PAD run gives the same vector, so the max over
        positions is unchanged when words are cut to their longest plus the widest window
        (still at most 50): each cut word keeps at least one all-PAD window if it had one, and
        loses only copies of it. The words are sorted by length and convolved in chunks of
        `_CNN_CHUNK_WORDS` words, each chunk cut to its own longest word.

        All the filters run as one matrix product over windows of the widest width (a
        narrower filter's weights padded with zeros). A narrower filter's windows that start
        after the last widest window are all-PAD copies of one that is kept, except in words
        cut at 50 characters, where they are computed over zero-padded characters and the
        windows past the word are masked out of the max.
        """
        encoder = self.bilm._token_embedder
        options = encoder._options["char_cnn"]
        widths = [width for width, _ in options["filters"]]
        convolutions = [getattr(encoder, f"char_conv_{i}") for i in range(len(widths))]
        widest = max(widths)
        # Shape: (embed_dim * widest, filters), row e * widest + k: filter weight [e, k].
        weight = torch.cat(
            [torch.nn.functional.pad(conv.weight, (0, widest - conv.weight.size(2))).flatten(1)
             for conv in convolutions]
        ).t()
        bias = torch.cat([conv.bias for conv in convolutions])
        activation = torch.tanh if options["activation"] == "tanh" else torch.nn.functional.relu
        padding_id = int(encoder._end_of_sentence_characters[-1])
        # Characters before the PAD run; padding tokens (all zeros) count 0 and are masked later.
        used = ((words != padding_id) & (words != 0)).sum(dim=1)
        order = torch.argsort(used)
        sorted_used = used[order].tolist()
        outputs = []
        for begin in range(0, len(sorted_used), _CNN_CHUNK_WORDS):
            end = min(len(sorted_used), begin + _CNN_CHUNK_WORDS)
            # The chunk's longest word (the last) sets its number of windows.
            filters = self._convolve(words[order[begin:end]], sorted_used[end - 1], weight, widths, convolutions)
            outputs.append(activation(filters + bias))
        # Shape: (num_words, filters), back in the input order.
        convolved = torch.cat(outputs)[torch.argsort(order)]
        filters = weight.size(1)
        self.matrix_flops += 2 * words.size(0) * filters * (
            2 * filters * options["n_highway"] + encoder._projection.out_features
        )
        # Shape: (num_words, projection_dim)
        return encoder._projection(encoder._highways(convolved))

    def _convolve(
        self, chunk: torch.Tensor, used: int, weight: torch.Tensor, widths: List[int],
        convolutions: List[torch.nn.Conv1d],
    ) -> torch.Tensor:
        """
        The max over positions of every filter, before bias and activation, for words whose
        characters before the PAD run number at most `used`: `(chunk_words, filters)`.
        """
        encoder = self.bilm._token_embedder
        widest = max(widths)
        cut = min(chunk.size(1), used + widest)
        # Window starts that matter: up to the last widest window, or, where the cut is at
        # the word's end (no all-PAD window), up to the last window of the narrowest filter.
        starts = cut - widest + 1 if used + widest <= cut else cut - min(widths) + 1
        embed_dim = encoder._char_embedding_weights.size(1)
        # Shape: (chunk, starts + widest - 1, embed_dim), zeros after the cut.
        embedded = torch.nn.functional.embedding(chunk[:, :cut], encoder._char_embedding_weights)
        embedded = torch.nn.functional.pad(embedded, (0, 0, 0, starts + widest - 1 - cut))
        # Shape: (chunk * starts, embed_dim * widest)
        windows = embedded.unfold(1, widest, 1).reshape(chunk.size(0) * starts, embed_dim * widest)
        windows = windows.to(weight.dtype)
        if torch.is_grad_enabled() or self.autocast_bf16:  # autocast does not apply to out=
            convolved = windows @ weight
        else:
            scratch = self._scratch("convolved", [windows.size(0), weight.size(1)], windows, windows.dtype)
            convolved = torch.mm(windows, weight, out=scratch)
        # Shape: (chunk, starts, filters)
        convolved = convolved.view(chunk.size(0), starts, -1)
        if starts > cut - widest + 1:
            # -inf where a filter's window would run past the cut.
            limits = torch.cat([
                torch.full((conv.weight.size(0),), cut - width, device=convolved.device)
                for conv, width in zip(convolutions, widths)
            ])
            past = torch.arange(starts, device=convolved.device)[:, None] > limits[None, :]
            convolved = convolved.masked_fill(past, float("-inf"))
        self.matrix_flops += 2 * chunk.size(0) * starts * sum(conv.weight.numel() for conv in convolutions)
        # amax, not max: no indices, an order of magnitude faster over this middle dimension.
        return convolved.amax(dim=1)

    def contextualize(
        self, inputs: torch.Tensor, mask: torch.Tensor, words: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
    ) -> List[torch.Tensor]:
        """
        The biLSTM over `inputs` `(batch_size, length, projection_dim)` (with `<S>`/`</S>`),
        from zero states: one `(batch_size, length, 2 * projection_dim)` tensor per layer,
        forward half first, zero past each sequence (as `ElmoLstm`).

        `words`, optional: `inputs` as `(distinct, index)`, `inputs == distinct[index]`. Then
        the first layer's input projection (without gradients) runs once per distinct word,
        not once per position, when the batch has fewer distinct words than positions.
        """
        lstm = self.bilm._elmo_lstm
        # With gradients (training), every row runs at every step of a scan without
        # in-place writes; without, rows leave the scan when their sentence ends.
        differentiable = torch.is_grad_enabled()
        batch = _sorted_batch(mask)
        # Shape: (batch, time, input_dim), sorted longest first, cut to the longest.
        current = inputs[batch.order, : batch.time]
        reversed_current = _reverse_within_lengths(current, batch.lengths)
        dtype = torch.bfloat16 if self.autocast_bf16 else inputs.dtype
        outputs = []
        for layer_index in range(lstm.num_layers):
            cells = (getattr(lstm, f"forward_layer_{layer_index}"), getattr(lstm, f"backward_layer_{layer_index}"))
            if differentiable:
                scanned = _scan_layer_differentiable(cells, current, reversed_current, dtype)
                # Every row at every step: input, state and projection products, both directions.
                cell = cells[0]
                self.matrix_flops += 2 * 2 * batch.valid.numel() * (
                    cell.input_linearity.weight.numel() + cell.state_linearity.weight.numel()
                    + cell.state_projection.weight.numel()
                )
            else:
                by_word = layer_index == 0 and words is not None and words[0].size(0) < batch.real_positions
                layer_words = words if by_word else None
                scanned = self._scan_layer(cells, current, reversed_current, dtype, batch, layer_words)
            forward_output, backward_output = scanned[0], scanned[1]
            if layer_index != 0:
                forward_output = forward_output + current
                backward_output = backward_output + reversed_current
            current, reversed_current = forward_output, backward_output
            both = torch.cat([forward_output, _reverse_within_lengths(backward_output, batch.lengths)], dim=-1)
            if differentiable:
                both = both * batch.valid.unsqueeze(-1).to(both.dtype)
            # Back to the input order and length, zero past each sequence.
            full = both[batch.restore]
            if batch.time < inputs.size(1):
                full = torch.nn.functional.pad(full, (0, 0, 0, inputs.size(1) - batch.time))
            outputs.append(full)
        return outputs

    def _scan_layer(
        self,
        cells: Tuple[torch.nn.Module, torch.nn.Module],
        current: torch.Tensor,
        reversed_current: torch.Tensor,
        dtype: torch.dtype,
        batch: _SortedBatch,
        words: Optional[Tuple[torch.Tensor, torch.Tensor]],
    ) -> torch.Tensor:
        """
        One layer of `contextualize` without gradients: `(2, batch, time, projection_dim)`,
        forward and backward (the backward over `reversed_current`). Rows leave the scan when
        their sentence ends; with `words`, the input projection runs once per distinct word.
        """
        # Shape: (2, time, batch, 4 * cell), time first (the scan's layout), with the
        # state bias added. Written in place (no copies): only positions before each
        # length are read, so the rest may hold anything.
        weights, biases, state_weight, projection_weight = self._scan_weights(cells, dtype)
        shape = [2, batch.time, current.size(0), weights[0].size(1)]
        projected = self._scratch("projected", shape, current, dtype)
        _project_inputs(projected, (current, reversed_current), weights, biases, dtype, batch, words)
        # The operands are cast already; TorchScript's autocast pass fails on bfloat16.
        with torch.autocast(projected.device.type, enabled=False):
            scanned = _bidirectional_lstm_scan(
                projected, state_weight, projection_weight, batch.active, *_clips(cells[0])
            )
        if words is not None:
            projected_rows = words[0].size(0)
        else:
            projected_rows = batch.valid.numel() if batch.little_padding else batch.real_positions
        self.matrix_flops += 2 * 2 * (
            projected_rows * weights[0].numel()
            + sum(batch.active) * (state_weight[0].numel() + projection_weight[0].numel())
        )
        return scanned

