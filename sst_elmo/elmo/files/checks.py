"""
Checking an ELMo options/weights pair before AllenNLP loads it.

AllenNLP's `Elmo` reads `options.json` and the bilm-tf `weights.hdf5` deep inside its
modules; a wrong dimension, a missing dataset or a truncated file surfaces there as a long
h5py or torch traceback. `check_elmo_files` checks the pair against the layout of
`sst_elmo.elmo.files.hdf5_layout.layout_shapes` first and raises one `ElmoFileError` naming the
file and the key.

A pair from a stranger is also bounded (`sst_elmo.safety.limits`): `options.json` is read
only within `SST_ELMO_MAX_CONFIG_BYTES` and `SST_ELMO_MAX_CONFIG_DEPTH`; its dimensions must
be positive integers asking for at most `SST_ELMO_MAX_ELMO_PARAMETERS` weights in all (so
nothing is allocated for `"dim": 1000000000`); and the weight file may hold no soft or
external links, no datasets stored in other files or virtual, only floating-point weights,
and no NaN or infinite weight (read in blocks, so memory stays at one block).
"""
from typing import Any, Dict, Optional, Tuple

from sst_elmo.common.errors import InputError

# Character ids go up to 261 (AllenNLP's ELMoCharacterMapper), and AllenNLP adds row 0
# (padding) itself, so `char_embed` needs at least 261 rows.
MIN_CHAR_EMBED_ROWS = 261

# Weights read at a time when looking for NaN and infinite values (4 MB of float32).
FINITE_CHECK_BLOCK = 1 << 20

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
    from sst_elmo.safety.limits import LimitError, read_json_within_limits

    try:
        options = read_json_within_limits(_local(options_file), options_file)
    except LimitError:
        raise
    except InputError as error:
        raise ElmoFileError(f"not a JSON options file ({str(error).split(': ', 1)[-1]})", options_file) from None
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
    for key in ("n_characters", "max_characters_per_token"):
        _positive_int(cnn[key], f"char_cnn.{key}", options_file)
    for key in ("cell_clip", "proj_clip"):
        if lstm[key] is not None and (isinstance(lstm[key], bool) or not isinstance(lstm[key], (int, float))):
            raise ElmoFileError(f"'lstm.{key}' must be a number, not {lstm[key]!r}", options_file)
    if not _is_int(cnn["n_highway"]) or cnn["n_highway"] < 0:
        raise ElmoFileError(f"'char_cnn.n_highway' must be an integer >= 0, not {cnn['n_highway']!r}",
                            options_file)
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
    _check_parameter_count(options, options_file)


def _check_parameter_count(options: Dict[str, Any], options_file: Optional[str]) -> None:
    """
    A `LimitError` if the (well-typed) options ask for more datasets than
    `SST_ELMO_MAX_ARCHIVE_MEMBERS` or more weights than `SST_ELMO_MAX_ELMO_PARAMETERS`, counted
    arithmetically (the layout of `hdf5_layout.layout_shapes`), before anything is listed or allocated.
    """
    from sst_elmo.safety.limits import LimitError, limit

    lstm, cnn = options["lstm"], options["char_cnn"]
    filters = cnn["filters"]
    datasets = 1 + 2 * len(filters) + 4 * cnn["n_highway"] + 2 + 2 * 3 * lstm["n_layers"]
    if datasets > limit("SST_ELMO_MAX_ARCHIVE_MEMBERS"):
        raise LimitError(f"the options ask for {datasets:,} datasets", "SST_ELMO_MAX_ARCHIVE_MEMBERS",
                         options_file)
    char_dim, projection, cell = cnn["embedding"]["dim"], lstm["projection_dim"], lstm["dim"]
    n_filters = sum(num for _, num in filters)
    weights = (
        (cnn["n_characters"] - 1) * char_dim
        + sum(width * char_dim * num + num for width, num in filters)
        + cnn["n_highway"] * 2 * (n_filters * n_filters + n_filters)
        + (n_filters + 1) * projection
        + 2 * lstm["n_layers"] * (2 * projection * 4 * cell + 4 * cell + cell * projection)
    )
    if weights > limit("SST_ELMO_MAX_ELMO_PARAMETERS"):
        raise LimitError(f"the options ask for {weights:,} weights", "SST_ELMO_MAX_ELMO_PARAMETERS", options_file)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(value: Any, key: str, options_file: Optional[str]) -> None:
    if not _is_int(value) or value < 1:
        raise ElmoFileError(f"'{key}' must be a positive integer, not {value!r}", options_file)


def check_weights(options: Dict[str, Any], weight_file: str, options_name: str = "the options") -> None:
    """
    Raises an `ElmoFileError` naming `weight_file` and the key unless the file is a readable
    HDF5 file holding every dataset of the bilm-tf layout for `options` with the right shape,
    reached through no soft or external link, stored in the file itself, of floating-point
    values that are all finite.
    """
    import h5py

    from sst_elmo.elmo.files.hdf5_layout import layout_shapes

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
                dataset = _dataset_without_links(handle, key, weight_file, options_name)
                found: Tuple[int, ...] = tuple(dataset.shape)
            except (OSError, KeyError, RuntimeError) as error:
                raise ElmoFileError(f"{key}: unreadable ({error})", weight_file) from None
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
            _check_finite(dataset, key, weight_file)


def _dataset_without_links(handle, key: str, weight_file: str, options_name: str):
    """The dataset at `key`, reached through hard links only and stored in the file itself."""
    import h5py

    path = ""
    for part in key.split("/"):
        path = f"{path}/{part}" if path else part
        link = handle.get(path, getlink=True)
        if link is None:
            raise ElmoFileError(f"{key}: missing (expected by {options_name})", weight_file)
        if not isinstance(link, h5py.HardLink):
            kind = "an external" if isinstance(link, h5py.ExternalLink) else "a soft"
            raise ElmoFileError(f"{path}: {kind} link; links are refused", weight_file)
    dataset = handle[key]
    if not isinstance(dataset, h5py.Dataset):
        raise ElmoFileError(f"{key}: missing (expected by {options_name})", weight_file)
    if dataset.external or dataset.is_virtual:
        raise ElmoFileError(f"{key}: stored in other files (external or virtual); refused", weight_file)
    if dataset.dtype.kind != "f":
        raise ElmoFileError(f"{key}: holds {dataset.dtype}, not floating-point weights", weight_file)
    return dataset


def _check_finite(dataset, key: str, weight_file: str) -> None:
    """An `ElmoFileError` at the first block of `dataset` with a NaN or an infinite value."""
    import numpy

    if dataset.size == 0:
        return
    rows = max(1, FINITE_CHECK_BLOCK // max(1, dataset.size // dataset.shape[0]))
    for start in range(0, dataset.shape[0], rows):
        block = dataset[start:start + rows]
        if not numpy.isfinite(block).all():
            bad = numpy.argwhere(~numpy.isfinite(block))[0]
            where = (int(bad[0]) + start, *map(int, bad[1:]))
            raise ElmoFileError(f"{key}: weight {where} is {block[tuple(bad)]} (not finite)", weight_file)


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
