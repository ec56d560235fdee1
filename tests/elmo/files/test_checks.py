import json
import shutil

import h5py
import pytest

from sst_elmo.common.errors import InputError
from sst_elmo.elmo.embedding.embedding_writer import ElmoLayerEmbedder
from sst_elmo.elmo.files.build import build_bilm
from sst_elmo.elmo.files.checks import ElmoFileError, check_elmo_files
from sst_elmo.elmo.files.hdf5_layout import layout_shapes
from sst_elmo.modules.token_embedders.stateless_elmo import StatelessElmoTokenEmbedder
from sst_elmo.testing.elmo import TINY_OPTIONS


def test_a_matching_pair_passes(tiny_elmo):
    assert check_elmo_files(*tiny_elmo) == TINY_OPTIONS


def broken_pairs(tmp_path, tiny_elmo):
    options, weights = tiny_elmo
    wider = dict(TINY_OPTIONS, lstm=dict(TINY_OPTIONS["lstm"], dim=32))
    (tmp_path / "wider.json").write_text(json.dumps(wider))
    no_dim = dict(TINY_OPTIONS, lstm={k: v for k, v in TINY_OPTIONS["lstm"].items() if k != "dim"})
    (tmp_path / "no_dim.json").write_text(json.dumps(no_dim))
    (tmp_path / "not.json").write_text("{'lstm': ")
    shutil.copy(weights, tmp_path / "missing.hdf5")
    with h5py.File(tmp_path / "missing.hdf5", "a") as out:
        del out["CNN_proj/W_proj"]
    data = open(weights, "rb").read()
    (tmp_path / "truncated.hdf5").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.hdf5").write_text("these are not weights")
    cell = "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"
    return [
        (str(tmp_path / "wider.json"), weights, weights, f"{cell}: shape (16, 64) does not match"),
        (str(tmp_path / "no_dim.json"), weights, str(tmp_path / "no_dim.json"), "missing key 'lstm.dim'"),
        (str(tmp_path / "not.json"), weights, str(tmp_path / "not.json"), "not a JSON options file"),
        (options, str(tmp_path / "missing.hdf5"), str(tmp_path / "missing.hdf5"), "CNN_proj/W_proj: missing"),
        (options, str(tmp_path / "truncated.hdf5"), str(tmp_path / "truncated.hdf5"), "truncated file"),
        (options, str(tmp_path / "text.hdf5"), str(tmp_path / "text.hdf5"), "not a readable HDF5 weight file"),
        (options, str(tmp_path / "absent.hdf5"), str(tmp_path / "absent.hdf5"), "no such file"),
    ]


def test_every_loader_gives_one_clear_error(tmp_path, tiny_elmo):
    loaders = [
        check_elmo_files,
        lambda options, weights: StatelessElmoTokenEmbedder(options_file=options, weight_file=weights),
        lambda options, weights: ElmoLayerEmbedder(options, weights),
    ]
    for options, weights, named_file, message in broken_pairs(tmp_path, tiny_elmo):
        for load in loaders:
            with pytest.raises(ElmoFileError) as error:
                load(options, weights)
            text = str(error.value)
            assert isinstance(error.value, InputError) and "\n" not in text
            assert text.startswith(f"{named_file}: ") and message in text, text


def test_build_bilm_checks_its_weight_file(tmp_path, tiny_elmo):
    wider = dict(TINY_OPTIONS, char_cnn=dict(TINY_OPTIONS["char_cnn"], embedding={"dim": 8}))
    with pytest.raises(ElmoFileError, match=r"weights.hdf5: char_embed: shape \(261, 4\) does not match"):
        build_bilm(wider, tiny_elmo[1])
    assert build_bilm(TINY_OPTIONS, tiny_elmo[1]).get_output_dim() == 16


def test_char_embed_may_have_more_rows_than_the_options_say(tmp_path, tiny_elmo):
    # Published options files say n_characters 261 or 262; AllenNLP only needs 261 rows.
    options = dict(TINY_OPTIONS, char_cnn=dict(TINY_OPTIONS["char_cnn"], n_characters=261))
    (tmp_path / "options.json").write_text(json.dumps(options))
    assert layout_shapes(options)["char_embed"] == (260, 4)
    check_elmo_files(str(tmp_path / "options.json"), tiny_elmo[1])
