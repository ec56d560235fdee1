"""Weights in 8 bits: the round trip's error bound, what stays untouched, and who may load them."""
import pytest
import torch

from sst_elmo.common.quantization import (
    SCALE_SUFFIX,
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


def test_a_frozen_elmo_bilm_and_nan_matrices_are_not_quantized():
    state = {"embedder._elmo._elmo_lstm._elmo_lstm.forward_layer_0.input_linearity.weight": torch.randn(200, 100),
             "encoder.weight": torch.randn(200, 100)}
    assert quantized_keys(quantize_state_dict(state, min_elements=1)) == ["encoder.weight"]
    state["encoder.weight"][3, 4] = float("nan")
    with pytest.raises(ValueError, match="^encoder.weight: the matrix holds NaN"):
        quantize_state_dict(state, min_elements=1)


def test_broken_scales_and_lone_int8_tensors_are_named():
    int8 = torch.zeros(3, 2, dtype=torch.int8)
    for broken, message in (
        ({"w" + SCALE_SUFFIX: torch.ones(3, 1)}, "without a matching int8 matrix"),
        ({"w": torch.zeros(4, 2, dtype=torch.int8), "w" + SCALE_SUFFIX: torch.ones(3, 1)}, "without a matching"),
        ({"w": torch.zeros(3, 2), "w" + SCALE_SUFFIX: torch.ones(3, 1)}, "without a matching"),
        ({"w": int8, "w" + SCALE_SUFFIX: torch.full((3, 1), float("nan"))}, "finite numbers >= 0"),
        ({"w": int8, "w" + SCALE_SUFFIX: -torch.ones(3, 1)}, "finite numbers >= 0"),
        ({"w": int8}, "an int8 tensor without its row scales"),
    ):
        with pytest.raises(ValueError, match=f"^w: .*{message}"):
            dequantize_state_dict(broken)


def test_the_plugins_reader_dequantizes_and_names_the_file_of_broken_int8_weights(tmp_path):
    from sst_elmo.common.errors import InputError
    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    torch.manual_seed(0)
    source = torch.nn.Sequential(torch.nn.Embedding(50, 40), torch.nn.Linear(40, 3))
    packed = quantize_state_dict(source.state_dict(), min_elements=1000)
    assert quantized_keys(packed) == ["0.weight"]
    plain = torch.nn.Sequential(torch.nn.Embedding(50, 40), torch.nn.Linear(40, 3))
    with pytest.raises(RuntimeError, match="Unexpected key"):  # read without the plugin: refused
        plain.load_state_dict(packed)

    torch.save(packed, tmp_path / "weights.th")
    plain.load_state_dict(load_state_dict_safely(str(tmp_path / "weights.th")))
    assert (plain[0].weight - source[0].weight).abs().max() <= source[0].weight.abs().max() / 254 + 1e-6
    assert torch.equal(plain[1].weight, source[1].weight)

    del packed["0.weight" + SCALE_SUFFIX]  # a crafted file: the integers alone
    torch.save(packed, tmp_path / "weights.th")
    with pytest.raises(InputError, match=r"weights.th: int8 weights: 0.weight: an int8 tensor without"):
        load_state_dict_safely(str(tmp_path / "weights.th"))
