"""`LstmScan`: the hand-written backward pass against autograd, with clipping active."""
import pytest
import torch

from sst_elmo.elmo.runtime import training_scan
from sst_elmo.elmo.runtime.training_scan import lstm_scan


def _reference(inputs, input_weight, bias, state_weight, projection_weight, cell_clip, proj_clip):
    """The recurrence written plainly, for autograd: (2, batch, time, hidden)."""
    directions, time, batch, _ = inputs.shape
    cell, hidden = input_weight.size(2) // 4, projection_weight.size(2)
    state = inputs.new_zeros(directions, batch, hidden)
    memory = inputs.new_zeros(directions, batch, cell)
    outputs = []
    for t in range(time):
        gates = torch.bmm(inputs[:, t], input_weight) + bias[:, None] + torch.bmm(state, state_weight)
        i, f, u, o = gates.split(cell, dim=-1)
        memory = torch.sigmoid(i) * torch.tanh(u) + torch.sigmoid(f) * memory
        if cell_clip > 0:
            memory = memory.clamp(-cell_clip, cell_clip)
        state = torch.bmm(torch.sigmoid(o) * torch.tanh(memory), projection_weight)
        if proj_clip > 0:
            state = state.clamp(-proj_clip, proj_clip)
        outputs.append(state)
    return torch.stack(outputs, dim=2)


def _operands(dtype, seed=0, time=5, batch=3, input_dim=4, cell=6, hidden=3, scale=1.0):
    generator = torch.Generator().manual_seed(seed)

    def draw(*shape):
        return (torch.randn(*shape, generator=generator, dtype=torch.float64) * scale).to(dtype).requires_grad_()

    return [draw(2, time, batch, input_dim), draw(2, input_dim, 4 * cell), draw(2, 4 * cell),
            draw(2, hidden, 4 * cell), draw(2, cell, hidden)]


@pytest.mark.parametrize("clips", [(0.0, 0.0), (0.5, 0.3)], ids=["no clipping", "clipping"])
def test_gradients_pass_gradcheck_in_float64(clips):
    operands = _operands(torch.float64)
    if clips[0] > 0:  # the clips do bite at this scale
        with torch.no_grad():
            reference = _reference(*operands, 0.0, 0.0)
        assert float(reference.abs().max()) > clips[1]
    assert torch.autograd.gradcheck(lambda *xs: lstm_scan(*xs, *clips), operands, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("clips", [(0.0, 0.0), (0.5, 0.3)], ids=["no clipping", "clipping"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_float32_output_and_gradients_match_the_plain_recurrence_in_float64(clips, seed):
    # The truth is autograd of the plain recurrence in float64. Float32 rounding differs from
    # CPU to CPU (AVX2 and AVX-512 kernels round sigmoid differently) and the scan computes tanh
    # as 2 sigmoid(2x) - 1, so both float32 paths sit about 1e-6 from it over 9 timesteps; a
    # wrong gate or a missed clip is off by 1e-2 or more.
    operands = _operands(torch.float32, seed=seed, time=9, batch=4)
    weights = torch.randn(2, 4, 9, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    truth_operands = [operand.detach().double().requires_grad_() for operand in operands]
    truth = _reference(*truth_operands, *clips)
    (truth * weights).sum().backward()
    output = lstm_scan(*operands, *clips)
    (output * weights.float()).sum().backward()
    assert output.dtype == torch.float32
    assert torch.allclose(output.double(), truth, atol=1e-5, rtol=0)
    for want, got in zip(truth_operands, operands):
        assert torch.allclose(got.grad.double(), want.grad, atol=1e-5, rtol=1e-4)


def test_reused_buffers_never_leak_between_batches_of_other_lengths():
    # Batches of other lengths take views of the same flat buffers: each batch's gradients
    # must equal those computed with nothing to reuse.
    training_scan._FREE.clear()
    results = {}
    for reuse in (False, True):
        results[reuse] = []
        for seed, time in ((2, 7), (3, 4), (4, 7)):
            if not reuse:
                training_scan._FREE.clear()
            operands = _operands(torch.float32, seed=seed, time=time)
            lstm_scan(*operands, 0.5, 0.3).sum().backward()
            results[reuse].append([operand.grad for operand in operands])
    assert training_scan._FREE  # buffers were handed back
    for fresh, reused in zip(results[False], results[True]):
        for a, b in zip(fresh, reused):
            assert torch.equal(a, b)


def test_buffers_return_when_the_graph_is_freed_so_a_retained_graph_backpropagates_twice():
    training_scan._FREE.clear()
    operands = _operands(torch.float32, seed=6)
    output = lstm_scan(*operands, 0.5, 0.3).sum()
    output.backward(retain_graph=True)
    first = [operand.grad.clone() for operand in operands]
    # A forward pass in between must not take the retained graph's buffers.
    lstm_scan(*_operands(torch.float32, seed=7), 0.5, 0.3).sum().backward()
    for operand in operands:
        operand.grad = None
    output.backward()
    assert all(torch.equal(operand.grad, grad) for operand, grad in zip(operands, first))
    held = len(training_scan._FREE[(torch.float32, torch.device("cpu"))])
    del output
    assert len(training_scan._FREE[(torch.float32, torch.device("cpu"))]) == held + 4


def test_bfloat16_is_close_to_float32():
    operands = _operands(torch.float32, seed=5, time=6, scale=0.5)
    exact = lstm_scan(*operands, 3.0, 3.0)
    halved = lstm_scan(*[operand.detach().to(torch.bfloat16) for operand in operands], 3.0, 3.0)
    assert halved.dtype == torch.bfloat16
    assert float((halved.float() - exact).abs().max()) < 0.05
