import json
import os

import pytest
import torch
from allennlp.modules.elmo import Elmo, batch_to_ids

from sst_elmo.elmo.files.hdf5_layout import write_options
from sst_elmo.testing.elmo import TINY_OPTIONS
from sst_elmo_lab.experiments.diagnosis import ONLY_CHARACTERS, ONLY_TOP, diagnosis_grid, write_untrained_elmo
from sst_elmo_lab.grids.grid import Grid


def test_untrained_control_has_the_shape_and_loads_in_allennlp(tmp_path):
    write_options(TINY_OPTIONS, str(tmp_path / "options.json"))
    options, weights = write_untrained_elmo(str(tmp_path / "options.json"), str(tmp_path / "control"), seed=1)
    assert json.load(open(options))["lstm"] == TINY_OPTIONS["lstm"]
    elmo = Elmo(options, weights, 1, dropout=0.0)
    with torch.no_grad():
        vectors = elmo(batch_to_ids([["a", "film"]]))["elmo_representations"][0]
    assert vectors.shape == (1, 2, 2 * TINY_OPTIONS["lstm"]["projection_dim"])
    # Pre-training's initialisation: the highway carry bias starts at -2 (bilm-tf's choice).
    import h5py

    with h5py.File(weights, "r") as handle:
        assert (handle["CNN_high_0/b_carry"][...] == -2.0).all()


def test_grid_has_every_variant_and_is_a_valid_grid():
    data = diagnosis_grid(("u/options.json", "u/weights.hdf5"), seeds=[1, 2])
    grid = Grid.from_json(data, "<test>")
    names = [entry.name for entry in grid.entries]
    assert names == ["glove", "elmo_glove", "elmo_all", "untrained_all", "elmo_top", "elmo_layer0"]
    overrides = {entry.name: entry.overrides for entry in grid.entries}
    elmo = "model.text_field_embedder.token_embedders.elmo"
    assert overrides["elmo_top"][f"{elmo}.scalar_mix_parameters"] == ONLY_TOP
    assert overrides["elmo_layer0"][f"{elmo}.scalar_mix_parameters"] == ONLY_CHARACTERS
    assert overrides["untrained_all"][f"{elmo}.weight_file"] == "u/weights.hdf5"
    # Whole sentences for every variant: the ELMo configs train on every phrase by default.
    assert all(entry["dataset_reader.use_subtrees"] is False for entry in overrides.values())
    assert grid.seeds == [1, 2]


def test_layer_variants_need_a_two_layer_bilm():
    with pytest.raises(ValueError, match="2-layer"):
        diagnosis_grid(("o", "w"), n_layers=3)


def test_every_variant_trains_and_validates_on_two_class_labels():
    # An override of `dataset_reader.granularity` would not reach `validation_dataset_reader`
    # (the configs derive it from the training reader before AllenNLP applies overrides): the
    # model would train on 2 classes and be validated and tested on 5.
    from allennlp.common.params import with_overrides

    from tests.test_configs import evaluate

    data = diagnosis_grid(("u/options.json", "u/weights.hdf5"))
    for entry in data["configs"]:
        config = with_overrides(evaluate(os.path.basename(entry["config"])), entry.get("overrides") or {})
        readers = (config["dataset_reader"], config["validation_dataset_reader"])
        assert [reader["granularity"] for reader in readers] == ["2-class", "2-class"], entry["name"]
