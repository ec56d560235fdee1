"""
The bidirectional LSTM-with-projection recurrence of ELMo for training: a hand-written
forward and backward pass (`LstmScan`, a `torch.autograd.Function`), used by
`FastElmoBiLm` when gradients are enabled (`elmo_bilm` pre-training).

Why not let autograd differentiate the timestep loop: profiled on the `imdb` pre-training
shape (LSTM 512 -> 128, batches of 128), autograd's backward of that loop spent most of its
time filling and adding zero tensors (each slice of the gates gets a full-size zero gradient)
and concatenating per-timestep gradients, not multiplying matrices. Here

- each timestep's activated gates, memory cells and the few clip masks are written into
  preallocated tensors (direction first, time second), and nothing else is kept;
- the backward pass runs the recurrence in reverse with two small matrix products per
  timestep, writing the gates' gradients straight into one tensor, which is the gradient of
  the input projections;
- the weight gradients of the state and projection matrices are one large matrix product
  each over all timesteps (`(hidden, time * batch) x (time * batch, 4 * cell)`), not one
  small product and one accumulation per timestep.

Everything runs in the dtype of the inputs: float32, or bfloat16 (`elmo_bilm`'s `bf16`), where
casting only the operands of each timestep's products cost more than the faster products
saved. The buffers are reused from batch to batch (`_take`, `_give`): at most `_MAX_FREE` of
them are kept per dtype. Every row runs at every timestep, as AllenNLP's own LSTM does for the positions
that count: both directions read each sequence from its start (the backward one reversed
within its length), so the padding of a row comes after its last real position and reaches
no real one, forwards or backwards.
"""
import math
import threading
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import torch
from overrides import overrides

# Flat buffers that no autograd graph holds any more, by dtype and device, for the next passes. Fresh
# tensors of a hundred megabytes come from the operating system page by page at their first
# write, and on the CPU those page faults cost as much as the arithmetic that fills them.
# Buffers are flat so that a batch of another length reuses them too.
_FREE: Dict[Tuple[torch.dtype, torch.device], List[torch.Tensor]] = {}
_FREE_LOCK = threading.Lock()
# Free buffers kept per dtype and device: a 2-layer biLM holds four per layer for each of two
# batches (see `_Saved`), and takes two more in its backward pass.
_MAX_FREE = 24


def _take(shape: Tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """An uninitialised tensor of `shape`: a view of the smallest free buffer that holds it, or a new one."""
    size = math.prod(shape)
    with _FREE_LOCK:
        free = _FREE.get((like.dtype, like.device), [])
        fitting = [i for i, buffer in enumerate(free) if buffer.numel() >= size]
        if fitting:
            buffer = free.pop(min(fitting, key=lambda i: free[i].numel()))
            return buffer[:size].view(shape)
    return like.new_empty(size).view(shape)


def _give(*tensors: torch.Tensor) -> None:
    """Hands the buffers under tensors from `_take`, which nothing reads any more, back for reuse."""
    with _FREE_LOCK:
        for tensor in tensors:
            buffer = tensor._base if tensor._base is not None else tensor
            free = _FREE.setdefault((buffer.dtype, buffer.device), [])
            free.append(buffer)
            if len(free) > _MAX_FREE:  # keep the largest
                del free[min(range(len(free)), key=lambda i: free[i].numel())]


def _step_forward(
    gates: torch.Tensor,
    state: torch.Tensor,
    previous_memory: torch.Tensor,
    memory: torch.Tensor,
    squashed_memory: torch.Tensor,
    new_state: torch.Tensor,
    weights: "_Weights",
) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """
    One timestep of both directions. `gates` `(2, batch, 4 * cell)` holds the input
    projections and leaves activated (input, forget, memory input (tanh), output);
    `memory` and `squashed_memory` (its tanh) `(2, batch, cell)` and `new_state`
    `(2, batch, hidden)` are written. Returns the clip masks (True where the value was
    inside the clip range; `None` without clipping).
    """
    cell = memory.size(-1)
    for direction in range(2):
        # In place on a contiguous (batch, 4 * cell) block: no copies.
        gates[direction].addmm_(state[direction], weights.state[direction])
    # tanh(x) = 2 * sigmoid(2x) - 1: one sigmoid over all four blocks (ATen's float tanh is
    # several times slower than its sigmoid on the CPU).
    gates[:, :, 2 * cell : 3 * cell].mul_(2.0)
    gates.sigmoid_()
    memory_input = gates[:, :, 2 * cell : 3 * cell].mul_(2.0).sub_(1.0)
    torch.mul(gates[:, :, cell : 2 * cell], previous_memory, out=memory)
    memory.addcmul_(gates[:, :, 0:cell], memory_input)
    memory_mask = None
    if weights.cell_clip > 0:
        memory_mask = memory.abs() <= weights.cell_clip
        memory.clamp_(-weights.cell_clip, weights.cell_clip)
    torch.mul(memory, 2.0, out=squashed_memory).sigmoid_().mul_(2.0).sub_(1.0)
    output = squashed_memory * gates[:, :, 3 * cell :]
    for direction in range(2):
        torch.mm(output[direction], weights.projection[direction], out=new_state[direction])
    state_mask = None
    if weights.proj_clip > 0:
        state_mask = new_state.abs() <= weights.proj_clip
        new_state.clamp_(-weights.proj_clip, weights.proj_clip)
    return memory_mask, state_mask


def _step_backward(
    grad_state: torch.Tensor,
    gates: torch.Tensor,
    previous_memory: torch.Tensor,
    squashed_memory: torch.Tensor,
    grad_memory: torch.Tensor,
    grad_gates: torch.Tensor,
    projection: torch.Tensor,
    memory_mask: Optional[torch.Tensor],
) -> None:
    """
    One timestep of the backward pass: from the gradient of the state before its clip
    `grad_state` `(2, batch, hidden)` and of the cell from the next timestep `grad_memory`
    `(2, batch, cell)` (updated in place to the previous timestep's share), writes the
    gradient of the gates before their non-linearities into `grad_gates` `(2, batch, 4 * cell)`.
    """
    cell = grad_memory.size(-1)
    # Shape: (2, batch, cell): the gradient of output_gate * tanh(memory).
    grad_output = torch.bmm(grad_state, projection.transpose(1, 2))
    input_gate, forget_gate = gates[:, :, 0:cell], gates[:, :, cell : 2 * cell]
    memory_input, output_gate = gates[:, :, 2 * cell : 3 * cell], gates[:, :, 3 * cell :]
    # Output gate: d/dx sigmoid = s (1 - s).
    grad_o = grad_gates[:, :, 3 * cell :]
    torch.mul(grad_output, squashed_memory, out=grad_o)
    grad_o.mul_(output_gate).mul_(1.0 - output_gate)
    # The cell: through tanh, plus the next timestep's share.
    grad_memory.addcmul_(grad_output.mul_(output_gate), 1.0 - squashed_memory * squashed_memory)
    if memory_mask is not None:
        grad_memory.mul_(memory_mask)
    grad_i = grad_gates[:, :, 0:cell]
    torch.mul(grad_memory, memory_input, out=grad_i)
    grad_i.mul_(input_gate).mul_(1.0 - input_gate)
    grad_f = grad_gates[:, :, cell : 2 * cell]
    torch.mul(grad_memory, previous_memory, out=grad_f)
    grad_f.mul_(forget_gate).mul_(1.0 - forget_gate)
    grad_u = grad_gates[:, :, 2 * cell : 3 * cell]
    torch.mul(grad_memory, input_gate, out=grad_u)
    grad_u.mul_(1.0 - memory_input * memory_input)
    grad_memory.mul_(forget_gate)


class _Saved:
    """
    The buffers a forward pass keeps for its backward pass. They go back to the free list when
    the autograd graph that holds them is freed (not at the end of the backward pass, so that
    `retain_graph=True` and a second backward pass work). A training loop that keeps the last
    loss until the next forward pass has freed it therefore alternates between two sets.
    """

    def __init__(self, *tensors: torch.Tensor) -> None:
        self.tensors = tensors

    def __del__(self) -> None:
        try:
            _give(*self.tensors)
        except Exception:  # interpreter shutdown: nothing to reuse them for
            pass


class _Weights(NamedTuple):
    """One layer's weights as the scan multiplies them, both directions stacked."""

    input: torch.Tensor  # (2, input_dim, 4 * cell)
    bias: torch.Tensor  # (2, 4 * cell)
    state: torch.Tensor  # (2, hidden, 4 * cell)
    projection: torch.Tensor  # (2, cell, hidden)
    cell_clip: float
    proj_clip: float


class LstmScan(torch.autograd.Function):
    """
    Both directions of one LSTM-with-projection layer over all timesteps, from zero states,
    with a hand-written backward pass.

    `inputs`: `(2, time, batch, input_dim)`, time first (the backward direction's sequences
    reversed within their lengths); `input_weight` `(2, input_dim, 4 * cell)`, `bias`
    `(2, 4 * cell)`, `state_weight` `(2, hidden, 4 * cell)`, `projection_weight`
    `(2, cell, hidden)`, all in one dtype: float32, or bfloat16 to run everything in
    bfloat16. Clip values <= 0 mean no clipping. Returns the states `(2, batch, time, hidden)`.

    Every buffer is laid out direction first, then time, then batch: each matrix product
    of a timestep writes a contiguous block in place (products into strided blocks run into
    a temporary and a copy), and the products over all timesteps (the input projections,
    the weight gradients) read one direction's slice as a matrix in place. Element-wise
    operations on both directions' strided slices run as fast as on contiguous ones.
    """

    @staticmethod
    @overrides(check_signature=False)
    def forward(  # type: ignore
        ctx: Any,
        inputs: torch.Tensor,
        input_weight: torch.Tensor,
        bias: torch.Tensor,
        state_weight: torch.Tensor,
        projection_weight: torch.Tensor,
        cell_clip: float,
        proj_clip: float,
    ) -> torch.Tensor:
        weights = _Weights(input_weight, bias, state_weight, projection_weight, cell_clip, proj_clip)
        directions, time, batch, input_dim = inputs.shape
        four_cell, hidden = input_weight.size(2), projection_weight.size(2)
        cell = four_cell // 4
        gates = _take((directions, time, batch, four_cell), inputs)
        for direction in range(2):
            # Shape: (time * batch, 4 * cell): every input projection, bias included, in place.
            torch.addmm(bias[direction], inputs[direction].reshape(-1, input_dim), input_weight[direction],
                        out=gates[direction].view(-1, four_cell))
        # memory[:, t + 1]: the (clipped) cell after timestep t; memory[:, 0]: zeros. The same for states.
        memory = _take((directions, time + 1, batch, cell), inputs)
        memory[:, 0] = 0.0
        squashed = _take((directions, time, batch, cell), inputs)
        states = _take((directions, time + 1, batch, hidden), inputs)
        states[:, 0] = 0.0
        masks = []
        for t in range(time):
            masks.append(_step_forward(
                gates[:, t], states[:, t], memory[:, t], memory[:, t + 1], squashed[:, t], states[:, t + 1],
                weights,
            ))
        ctx.masks = masks
        ctx.buffers = _Saved(gates, memory, squashed, states)
        ctx.save_for_backward(inputs, input_weight, state_weight, projection_weight)
        # Shape: (2, batch, time, hidden)
        return states[:, 1:].transpose(1, 2).contiguous()

    @staticmethod
    @overrides(check_signature=False)
    def backward(ctx: Any, grad_output: torch.Tensor):  # type: ignore
        inputs, input_weight, state_weight, projection_weight = ctx.saved_tensors
        gates, memory, squashed, states = ctx.buffers.tensors
        directions, time, batch, four_cell = gates.shape
        cell, hidden, input_dim = four_cell // 4, projection_weight.size(2), inputs.size(3)
        grad_gates = _take(tuple(gates.shape), gates)
        # The gradient of each timestep's state before the projection clip.
        grad_states = _take((directions, time, batch, hidden), gates)
        # Shape: (2, time, batch, hidden), as the states.
        grad_output = grad_output.transpose(1, 2)
        grad_memory = torch.zeros_like(memory[:, 0])
        for t in range(time - 1, -1, -1):
            grad_state = grad_states[:, t]
            grad_state.copy_(grad_output[:, t])
            if t + 1 < time:  # through the next timestep's state product
                grad_state.baddbmm_(grad_gates[:, t + 1], state_weight.transpose(1, 2))
            memory_mask, state_mask = ctx.masks[t]
            if state_mask is not None:
                grad_state.mul_(state_mask)
            _step_backward(grad_state, gates[:, t], memory[:, t], squashed[:, t], grad_memory, grad_gates[:, t],
                           projection_weight, memory_mask)
        # One product each per direction over all timesteps, e.g. (hidden, time * batch) x
        # (time * batch, 4 * cell) for the state weights.
        flat_gates = grad_gates.view(directions, time * batch, four_cell)
        grad_inputs = torch.bmm(flat_gates, input_weight.transpose(1, 2)).view(directions, time, batch, input_dim)
        grad_input_weight = torch.bmm(inputs.reshape(directions, -1, input_dim).transpose(1, 2), flat_gates)
        grad_bias = flat_gates.sum(dim=1)
        grad_state_weight = torch.bmm(
            states[:, :time].reshape(directions, -1, hidden).transpose(1, 2), flat_gates
        )
        outputs = (squashed * gates[:, :, :, 3 * cell :]).view(directions, -1, cell)
        grad_projection_weight = torch.bmm(outputs.transpose(1, 2), grad_states.view(directions, -1, hidden))
        _give(grad_gates, grad_states)
        return (grad_inputs, grad_input_weight, grad_bias, grad_state_weight, grad_projection_weight,
                None, None)


def lstm_scan(inputs: torch.Tensor, input_weight: torch.Tensor, bias: torch.Tensor, state_weight: torch.Tensor,
              projection_weight: torch.Tensor, cell_clip: float, proj_clip: float) -> torch.Tensor:
    """`LstmScan.apply` (see `LstmScan` for the shapes), with autocast off inside."""
    with torch.autocast(inputs.device.type, enabled=False):
        return LstmScan.apply(inputs, input_weight, bias, state_weight, projection_weight, cell_clip, proj_clip)
