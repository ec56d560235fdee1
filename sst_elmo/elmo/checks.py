"""
Checking an ELMo options/weights pair before AllenNLP loads it.

AllenNLP's `Elmo` reads `options.json` and the bilm-tf `weights.hdf5` deep inside its
modules; a wrong dimension, a missing dataset or a truncated file surfaces there as a long
h5py or torch traceback. `check_elmo_files` checks the pair against the layout of
`sst_elmo.elmo.hdf5_layout.layout_shapes` first and raises one `ElmoFileError` naming the
file and the key.
"""
import json
from typing import Any, Dict, Optional, Tuple

from sst_elmo.common.errors import InputError

# Character ids go up to 261 (AllenNLP's ELMoCharacterMapper), and AllenNLP adds row 0
# (padding) itself, so `char_embed` needs at least 261 rows.
MIN_CHAR_EMBED_ROWS = 261

_REQUIRED_OPTIONS = {
    "lstm": ("dim", "projection_dim", "n_layers", "cell_clip", "proj_clip"),
    "char_cnn": ("embedding", "filters", "n_highway", "n_characters", "max_characters_per_token", "activation"),
}


class ElmoFileError(InputError):
    """An ELMo options or weights file that AllenNLP cannot load: `file: key: what is wrong`."""


def _local(path: str) -> str:
    from allennlp.common.file_utils import cached_path

    try:
        return str(cached_path(path))
    except FileNotFoundError:
        raise ElmoFileError("no such file", path) from None


def read_options(options_file: str) -> Dict[str, Any]:
    """The parsed ELMo options, with every key AllenNLP reads present and well typed."""
    try:
        with open(_local(options_file), encoding="utf-8") as handle:
            options = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ElmoFileError(f"not a JSON options file ({error})", options_file) from None
    check_options(options, options_file)
    return options


def check_options(options: Any, options_file: Optional[str] = None) -> None:
    """
    Raises an `ElmoFileError` naming `options_file` (the place the options came from) and the
    first missing or malformed key of `options`: the one check of ELMo options, for files
    (`read_options`) and for the inline options of a biLM to pre-train (`elmo_bilm`).
    """
    if not isinstance(options, dict):
        raise ElmoFileError("expected a JSON object with 'lstm' and 'char_cnn'", options_file)
    for section, keys in _REQUIRED_OPTIONS.items():
        if not isinstance(options.get(section), dict):
            raise ElmoFileError(f"missing key {section!r}", options_file)
        for key in keys:
            if key not in options[section]:
                raise ElmoFileError(f"missing key '{section}.{key}'", options_file)
    lstm, cnn = options["lstm"], options["char_cnn"]
    for key in ("dim", "projection_dim", "n_layers"):
        _positive_int(lstm[key], f"lstm.{key}", options_file)
    _positive_int(cnn["n_highway"] + 1, "char_cnn.n_highway", options_file)
    if not isinstance(cnn["embedding"], dict) or "dim" not in cnn["embedding"]:
        raise ElmoFileError("missing key 'char_cnn.embedding.dim'", options_file)
    _positive_int(cnn["embedding"]["dim"], "char_cnn.embedding.dim", options_file)
    filters = cnn["filters"]
    if (
        not isinstance(filters, list)
        or not filters
        or not all(isinstance(f, list) and len(f) == 2 and all(_is_int(n) and n > 0 for n in f) for f in filters)
    ):
        raise ElmoFileError("'char_cnn.filters' must be a list of [width, number] pairs", options_file)
    if cnn["activation"] not in ("tanh", "relu"):
        raise ElmoFileError("'char_cnn.activation' must be 'tanh' or 'relu'", options_file)
    if not lstm.get("use_skip_connections"):
        raise ElmoFileError(
            "'lstm.use_skip_connections' must be true (AllenNLP's ElmoLstm always adds them)", options_file
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(value: Any, key: str, options_file: Optional[str]) -> None:
    if not _is_int(value) or value < 1:
        raise ElmoFileError(f"'{key}' must be a positive integer, not {value!r}", options_file)


def check_weights(options: Dict[str, Any], weight_file: str, options_name: str = "the options") -> None:
    """
    Raises an `ElmoFileError` naming `weight_file` and the key unless the file is a readable
    HDF5 file holding every dataset of the bilm-tf layout for `options` with the right shape.
    Only shapes are read, not the weights.
    """
    import h5py

    from sst_elmo.elmo.hdf5_layout import layout_shapes

    expected = layout_shapes(options)
    local = _local(weight_file)
    try:
        handle = h5py.File(local, "r")
    except OSError as error:
        reason = str(error).split("(", 1)[-1].rstrip(")") if "(" in str(error) else str(error)
        raise ElmoFileError(f"not a readable HDF5 weight file ({reason})", weight_file) from None
    with handle:
        for key, shape in expected.items():
            try:
                dataset = handle.get(key)
                found: Optional[Tuple[int, ...]] = None if dataset is None else tuple(dataset.shape)
            except (OSError, KeyError, RuntimeError) as error:
                raise ElmoFileError(f"{key}: unreadable ({error})", weight_file) from None
            if found is None or not isinstance(dataset, h5py.Dataset):
                raise ElmoFileError(f"{key}: missing (expected by {options_name})", weight_file)
            if key == "char_embed":
                ok = len(found) == 2 and found[1] == shape[1] and found[0] >= MIN_CHAR_EMBED_ROWS
                shape_text = f"(>= {MIN_CHAR_EMBED_ROWS}, {shape[1]})"
            else:
                ok = found == shape
                shape_text = str(shape)
            if not ok:
                raise ElmoFileError(
                    f"{key}: shape {found} does not match {options_name}, which need {shape_text}",
                    weight_file,
                )


def check_elmo_files(options_file: str, weight_file: str) -> Dict[str, Any]:
    """
    Checks that `options_file` and `weight_file` make an ELMo that AllenNLP can load: the
    options parse and hold every key AllenNLP reads, and the weights are a readable HDF5 file
    with every dataset of the bilm-tf layout, shaped as the options say. Raises one
    `ElmoFileError` (an `InputError`) naming the file and the key; returns the options.
    """
    options = read_options(options_file)
    check_weights(options, weight_file, options_name=str(options_file))
    return options
