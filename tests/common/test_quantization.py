"""Weights in 8 bits: the round trip's error bound, what stays untouched, and who may load them."""
import pytest
import torch

from sst_elmo.common.quantization import (
    SCALE_SUFFIX,
    dequantize_on_load,
    dequantize_state_dict,
    quantize_state_dict,
    quantize_tensor,
    quantized_keys,
)


def test_each_entry_moves_by_at_most_half_a_step_of_its_row():
    torch.manual_seed(0)
    matrix = torch.randn(300, 50) * torch.logspace(-3, 1, 300).unsqueeze(1)  # rows of very different size
    matrix[7] = 0.0  # an all-zero row has scale 0 and stays zero
    values, scales = quantize_tensor(matrix)
    assert values.dtype == torch.int8 and scales.dtype == torch.float32 and scales.shape == (300, 1)
    back = values.float() * scales.float()
    assert torch.all((back - matrix).abs() <= scales.float() / 2 + 1e-7)
    assert torch.equal(back[7], torch.zeros(50)) and values.abs().max() == 127
    with pytest.raises(ValueError, match="2-D float"):
        quantize_tensor(torch.zeros(3))


def test_only_large_float_matrices_are_quantized_and_dequantizing_restores_the_keys():
    state = {"embedding.weight": torch.randn(100, 200), "layer.weight": torch.randn(2, 10),
             "layer.bias": torch.randn(2), "counts": torch.arange(20000).reshape(100, 200)}
    packed = quantize_state_dict(state, min_elements=20000)
    assert quantized_keys(packed) == ["embedding.weight"]
    assert packed["embedding.weight"].dtype == torch.int8
    assert packed["layer.weight"] is state["layer.weight"] and packed["counts"] is state["counts"]
    with pytest.raises(ValueError, match="already quantized"):
        quantize_state_dict(packed)
    dequantize_state_dict(packed)
    assert set(packed) == set(state) and packed["embedding.weight"].dtype == torch.float32
    assert torch.allclose(packed["embedding.weight"], state["embedding.weight"], atol=0.05)


def test_a_scale_without_its_matrix_is_named():
    for broken in ({"w" + SCALE_SUFFIX: torch.ones(3, 1, dtype=torch.float16)},
                   {"w": torch.zeros(4, 2, dtype=torch.int8), "w" + SCALE_SUFFIX: torch.ones(3, 1)},
                   {"w": torch.zeros(3, 2), "w" + SCALE_SUFFIX: torch.ones(3, 1)}):
        with pytest.raises(ValueError, match="^w: int8 row scales"):
            dequantize_state_dict(broken)


def test_a_module_loads_int8_weights_only_with_the_hook():
    torch.manual_seed(0)
    source = torch.nn.Sequential(torch.nn.Embedding(50, 40), torch.nn.Linear(40, 3))
    packed = quantize_state_dict(source.state_dict(), min_elements=1000)
    assert quantized_keys(packed) == ["0.weight"]

    plain = torch.nn.Sequential(torch.nn.Embedding(50, 40), torch.nn.Linear(40, 3))
    with pytest.raises(RuntimeError, match="Unexpected key"):
        plain.load_state_dict(packed)

    hooked = torch.nn.Sequential(torch.nn.Embedding(50, 40), torch.nn.Linear(40, 3))
    dequantize_on_load(hooked)
    hooked.load_state_dict(packed)
    assert "0.weight" + SCALE_SUFFIX in packed  # the caller's dict is left as it was
    assert (hooked[0].weight - source[0].weight).abs().max() <= source[0].weight.abs().max() / 254 + 1e-6
    assert torch.equal(hooked[1].weight, source[1].weight)
