import json
import os
import sys

import numpy
import pytest
import torch
from allennlp.commands import main
from allennlp.commands.train import train_model_from_file
from allennlp.models.archival import load_archive
from allennlp.modules.elmo import Elmo, batch_to_ids

from sst_elmo.common.errors import InputError
from sst_elmo.elmo.files import export as export_module
from sst_elmo.elmo.files.export import (
    bilm_weights,
    export_elmo,
    read_vocab,
    read_weights,
)
from sst_elmo.elmo.files.hdf5_layout import layout_shapes
from sst_elmo.models.elmo_bilm import load_elmo_bilm
from sst_elmo.testing.elmo import TINY_OPTIONS, write_random_elmo
from tests.models.test_elmo_bilm import FIXTURE_PATHS, TINY_CONFIG, tiny_setup, train_steps

SENTENCES = [
    ["The", "chemistry", "between", "the", "two", "leads", "is", "wonderful", "."],
    ["I", "did", "n't", "like", "it", "."],
    ["A", "classic", "."],
    ["Unseen", "words", "like", "zyzzyva", "and", "flibbertigibbet", "!"],
]


def assert_same_datasets(exported, original, options):
    """Every dataset equal; the forget-gate bias within AllenNLP's float32 `+ 1` rounding."""
    assert sorted(exported) == sorted(original) == sorted(layout_shapes(options))
    cell = options["lstm"]["dim"]
    for key, value in original.items():
        assert exported[key].dtype == numpy.float32, key
        assert exported[key].shape == value.shape, key
        if key.endswith("/B"):
            forget = slice(2 * cell, 3 * cell)  # TF gate order i, j, f, o
            rest = numpy.ones(value.shape, bool)
            rest[forget] = False
            assert numpy.array_equal(exported[key][rest], value[rest]), key
            rounding = numpy.spacing(numpy.abs(value[forget]) + numpy.float32(1.0))
            assert numpy.all(numpy.abs(exported[key][forget] - value[forget]) <= rounding), key
        else:
            assert numpy.array_equal(exported[key], value), key


def assert_elmo_reproduces(model, output_dir, sentences=SENTENCES, tolerance=1e-5):
    """AllenNLP's Elmo, loaded from the export, gives the model's layer activations."""
    options, weights = (os.path.join(output_dir, n) for n in ("options.json", "weights.hdf5"))
    elmo = Elmo(options, weights, num_output_representations=1, dropout=0)
    character_ids = batch_to_ids(sentences)
    model.eval()
    with torch.no_grad():
        expected = model.bilm_outputs(character_ids)
        actual = elmo._elmo_lstm(character_ids)
    assert torch.equal(actual["mask"], expected["mask"])
    assert len(actual["activations"]) == len(expected["activations"]) == 3
    for layer, (mine, theirs) in enumerate(zip(expected["activations"], actual["activations"])):
        difference = float((mine - theirs).abs().max())
        assert difference <= tolerance, f"layer {layer} differs by {difference}"
        assert float(mine.abs().max()) > 1e-3  # not trivially zero


def test_random_tiny_file_round_trips_losslessly(tmp_path):
    options_file, weight_file = write_random_elmo(str(tmp_path), seed=7)
    model = load_elmo_bilm(options_file, weight_file)
    paths = export_elmo(model, str(tmp_path / "out"))
    original = read_weights(weight_file)
    assert_same_datasets(read_weights(paths["weights.hdf5"]), original, TINY_OPTIONS)
    assert_same_datasets(bilm_weights(model), original, TINY_OPTIONS)
    exported_options = json.loads(open(paths["options.json"]).read())
    assert {k: exported_options[k] for k in ("char_cnn", "lstm")} == TINY_OPTIONS


def test_published_fixture_round_trips_losslessly(shared_dir, tmp_path):
    fixture = shared_dir / "elmo" / "fixture"
    options_file, weight_file = str(fixture / "options.json"), str(fixture / "lm_weights.hdf5")
    model = load_elmo_bilm(options_file, weight_file)
    paths = export_elmo(model, str(tmp_path / "out"))
    options = json.loads(open(options_file).read())
    assert_same_datasets(read_weights(paths["weights.hdf5"]), read_weights(weight_file), options)
    # AllenNLP's own Elmo over the original files equals the imported model.
    elmo = Elmo(options_file, weight_file, num_output_representations=1, dropout=0)
    character_ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        expected = elmo._elmo_lstm(character_ids)["activations"]
        model.eval().bilm._elmo_lstm.reset_states()
        exact = model.bilm(character_ids)["activations"]  # AllenNLP's modules, imported weights
        fast = model.bilm_outputs(character_ids)["activations"]  # the fast path over them
    for mine, theirs, quick in zip(exact, expected, fast):
        assert torch.equal(mine, theirs)
        assert torch.allclose(quick, theirs, atol=1e-5)


def test_export_of_a_trained_model_is_what_elmo_loads(tmp_path):
    _, instances, vocab, model = tiny_setup(seed=5)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    train_steps(model, instances, vocab)
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, initial[k])]
    assert len(changed) == len(initial)  # every parameter moved away from its initial value
    paths = export_elmo(model, str(tmp_path / "elmo"))
    assert_elmo_reproduces(model, str(tmp_path / "elmo"))

    # vocab.txt and softmax.hdf5: bilm-tf order, the model's softmax row for row.
    tokens = read_vocab(paths["vocab.txt"])
    assert tokens[:3] == ["<S>", "</S>", "<UNK>"] and tokens == model.class_tokens()
    assert len(tokens) == len(set(tokens)) == vocab.get_vocab_size("lm_words") + 1
    assert tokens[3:] == [vocab.get_token_from_index(i, "lm_words")
                          for i in range(2, vocab.get_vocab_size("lm_words"))]
    softmax = read_weights(paths["softmax.hdf5"])
    assert softmax["softmax/W"].shape == (len(tokens), TINY_OPTIONS["lstm"]["projection_dim"])
    assert numpy.array_equal(softmax["softmax/W"], model.softmax_parameters()["W"].detach().numpy())
    assert numpy.array_equal(softmax["softmax/b"], model.softmax_parameters()["b"].detach().numpy())
    options = json.loads(open(paths["options.json"]).read())
    assert options["n_tokens_vocab"] == len(tokens) and options["lstm"] == TINY_OPTIONS["lstm"]

    # Re-importing the export gives back the same biLM.
    again = load_elmo_bilm(paths["options.json"], paths["weights.hdf5"])
    assert_same_datasets(bilm_weights(again), bilm_weights(model), TINY_OPTIONS)


def test_cli_exports_a_trained_archive(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    model = train_model_from_file(str(TINY_CONFIG), str(run), overrides=FIXTURE_PATHS)
    output = tmp_path / "exported"
    monkeypatch.setattr(sys, "argv", ["allennlp", "elmo-export", str(run / "model.tar.gz"), str(output)])
    main(prog="allennlp")
    assert sorted(os.listdir(output)) == ["options.json", "softmax.hdf5", "vocab.txt", "weights.hdf5"]
    assert "Wrote" in capsys.readouterr().out
    assert_elmo_reproduces(model, str(output))
    assert_elmo_reproduces(load_archive(str(run / "model.tar.gz")).model, str(output))
    # An existing output is never clobbered by accident; --overwrite replaces it whole.
    with pytest.raises(InputError, match="already exists"):
        main(prog="allennlp")
    (output / "stale.txt").write_text("old")
    monkeypatch.setattr(sys, "argv", sys.argv + ["--overwrite"])
    main(prog="allennlp")
    assert sorted(os.listdir(output)) == ["options.json", "softmax.hdf5", "vocab.txt", "weights.hdf5"]
    assert sorted(os.listdir(tmp_path)) == ["exported", "run"]  # no temporary directories left


def test_a_failed_export_leaves_nothing(tmp_path, monkeypatch):
    model = tiny_setup()[3]

    def fail(arrays, path):
        raise OSError("disk full")

    monkeypatch.setattr(export_module, "write_weights", fail)
    with pytest.raises(OSError, match="disk full"):
        export_elmo(model, str(tmp_path / "out"))
    assert os.listdir(tmp_path) == []


def test_float16_export_is_half_the_size_and_loads_unchanged(tmp_path):
    import h5py

    _, instances, vocab, model = tiny_setup(seed=6)
    train_steps(model, instances, vocab)
    full = export_elmo(model, str(tmp_path / "fp32"))
    half = export_elmo(model, str(tmp_path / "fp16"), float16=True, softmax=False)
    assert "softmax.hdf5" not in half and not os.path.exists(tmp_path / "fp16" / "softmax.hdf5")
    with h5py.File(half["weights.hdf5"], "r") as handle:
        dtypes = set()
        handle.visititems(lambda name, item: dtypes.add(item.dtype) if isinstance(item, h5py.Dataset) else None)
    assert dtypes == {numpy.dtype("float16")}
    half_bytes = sum(value.nbytes for value in read_weights(half["weights.hdf5"]).values())
    full_bytes = sum(value.nbytes for value in read_weights(full["weights.hdf5"]).values())
    assert 2 * half_bytes == full_bytes
    # AllenNLP's own Elmo reads the half-precision file as it is (into float32 parameters).
    assert_elmo_reproduces(model, str(tmp_path / "fp16"), tolerance=1e-2)
    elmo = Elmo(half["options.json"], half["weights.hdf5"], num_output_representations=1)
    assert {p.dtype for p in elmo.parameters()} == {torch.float32}


def test_a_reloaded_export_has_the_trained_models_perplexity(tmp_path):
    from sst_elmo.models.elmo_bilm import load_elmo_bilm
    from tests.models.test_elmo_bilm import tensors

    _, instances, vocab, model = tiny_setup(seed=8)
    train_steps(model, instances, vocab)
    paths = export_elmo(model, str(tmp_path / "elmo"))
    reloaded = load_elmo_bilm(paths["options.json"], paths["weights.hdf5"], vocab_file=paths["vocab.txt"],
                              softmax_file=paths["softmax.hdf5"]).eval()
    assert reloaded.class_tokens() == model.class_tokens()
    model.eval()
    model.get_metrics(reset=True)  # forget the training batches
    with torch.no_grad():
        trained = model(**tensors(instances, vocab))
        again = reloaded(**tensors(instances, reloaded.vocab))
    assert abs(float(trained["loss"]) - float(again["loss"])) <= 1e-5
    metrics = model.get_metrics(reset=True), reloaded.get_metrics(reset=True)
    assert abs(metrics[0]["perplexity"] - metrics[1]["perplexity"]) <= 1e-3 * metrics[0]["perplexity"]


def test_a_softmax_of_another_vocabulary_is_refused(tmp_path):
    from sst_elmo.models.elmo_bilm import load_elmo_bilm

    _, _, _, model = tiny_setup(seed=8)
    paths = export_elmo(model, str(tmp_path / "elmo"))
    short = tmp_path / "vocab.txt"
    short.write_text("".join(line + "\n" for line in open(paths["vocab.txt"]).read().splitlines()[:-2]))
    with pytest.raises(InputError, match="softmax/W"):
        load_elmo_bilm(paths["options.json"], paths["weights.hdf5"], vocab_file=str(short),
                       softmax_file=paths["softmax.hdf5"])
    (tmp_path / "bad.txt").write_text("the\n")
    with pytest.raises(InputError, match="starts with"):
        load_elmo_bilm(paths["options.json"], paths["weights.hdf5"], vocab_file=str(tmp_path / "bad.txt"))
