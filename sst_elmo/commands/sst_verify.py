"""
The `sst-verify` subcommand: checks a model archive, or an ELMo options/weights pair, before
it is used, and prints the sha256 of every file.

    allennlp sst-verify model.tar.gz
    allennlp sst-verify --options-file options.json --weight-file weights.hdf5
"""
import argparse
import os
import tarfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

from allennlp.commands.subcommand import Subcommand
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import stream_sha256

REQUIRED_MEMBERS = ("config.json", "weights.th", "vocabulary")
# Model parts whose constructors only make torch modules: `sst-verify` builds a model from
# these to compare its weight names and shapes with weights.th (initializers and pretrained
# files are removed first, as `load_archive` does).
BUILDABLE_TYPES = {
    "lstm_classifier", "basic", "embedding", "empty",
    "lstm", "gru", "rnn", "stacked_bidirectional_lstm", "augmented_lstm", "alternating_lstm",
    "cnn", "boe", "bag_of_embeddings", "cnn-highway",
    "linear", "relu", "relu6", "elu", "gelu", "prelu", "leaky_relu", "threshold", "hardtanh",
    "sigmoid", "tanh", "log_sigmoid", "softplus", "softshrink", "softsign", "tanhshrink", "selu", "swish",
}
# ELMo embedders read their options and weight files when built: only local regular files.
ELMO_TYPES = {"stateless_elmo", "elmo_token_embedder"}


@Subcommand.register("sst-verify")
class SstVerify(PluginSubcommand):
    """
    Checks a model archive (safe member paths, `config.json` parses, `weights.th` is a plain
    state dict whose names and shapes match the model the config builds) or an ELMo
    options/weights pair (every dataset of the bilm-tf layout, shaped as the options say),
    and prints the sha256 of each file. The archive's weights are read with an unpickler
    that refuses anything but tensors. Exits non-zero with one clear error on failure.

    Registered as a `Subcommand` with name "sst-verify".
    """

    description = (
        "Check a model.tar.gz (member paths, config, weights and their shapes) or an ELMo "
        "options/weights pair, and print the sha256 of each file."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("archive_file", nargs="?", default=None, help="a model.tar.gz to check")
        subparser.add_argument("--options-file", type=str, default=None, help="ELMo options (JSON)")
        subparser.add_argument("--weight-file", type=str, default=None, help="ELMo weights (HDF5)")

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _verify_from_args(args)


def _verify_from_args(args: argparse.Namespace) -> None:
    elmo = (args.options_file, args.weight_file)
    if (args.archive_file is None) == (elmo == (None, None)) or (args.archive_file is None and None in elmo):
        raise InputError("give either an archive, or both --options-file and --weight-file", "sst-verify")
    lines = verify_archive(args.archive_file) if args.archive_file else verify_elmo(*elmo)
    print("\n".join(lines))


def verify_elmo(options_file: str, weight_file: str) -> List[str]:
    """Checks an ELMo pair with `check_elmo_files`; returns the report lines."""
    from sst_elmo.elmo.files.checks import check_elmo_files

    options = check_elmo_files(options_file, weight_file)
    lstm = options["lstm"]
    lines = [
        f"OK ELMo: {lstm['n_layers']} LSTM layers of {lstm['dim']} cells, projection {lstm['projection_dim']}, "
        f"output {2 * lstm['projection_dim']}"
    ]
    for path in (options_file, weight_file):
        with open(path, "rb") as handle:
            lines.append(f"{stream_sha256(handle)}  {path}")
    return lines


def verify_archive(archive_file: str) -> List[str]:
    """
    Checks a model archive without running any of its code; returns the report lines.

    The member list goes through `check_archive` (paths, and the limits of
    `sst_elmo.safety.limits`); `config.json` is read within its size and depth limits, and every
    `type` in it must be a registered name; `weights.th` is read by the restricted unpickler. The model is built to
    compare weight names and shapes only when every `type` in it is in `BUILDABLE_TYPES`
    (constructors that only make torch modules) or an ELMo embedder whose files are local
    regular files that pass `check_elmo_files`; otherwise the report says the shapes were
    not compared.
    """
    from sst_elmo.safety.archive_safety import check_archive, check_archive_directory, extracted
    from sst_elmo.safety.config_check import check_config_types
    from sst_elmo.safety.limits import read_json_within_limits

    names = check_archive(archive_file)
    tops = {name.split("/", 1)[0] for name in names}
    missing = [member for member in REQUIRED_MEMBERS if member not in tops]
    if missing:
        raise InputError(f"missing archive member(s) {', '.join(missing)}", archive_file)
    hashes = _member_hashes(archive_file)
    with extracted(archive_file) as directory:
        check_archive_directory(directory, archive_file)
        config = read_json_within_limits(os.path.join(directory, "config.json"), f"{archive_file}:config.json")
        check_config_types(config, f"{archive_file}:config.json")
        parameters, model_name, skipped = _check_weights(archive_file, directory, config)
    lines = [f"OK archive: a {model_name} model, {len(names)} members, {parameters:,} weights"]
    if skipped:
        lines.append(f"NOT CHECKED weight names and shapes: {skipped}")
    with open(archive_file, "rb") as handle:
        lines.append(f"{stream_sha256(handle)}  {archive_file}")
    lines += [f"{digest}  {archive_file}:{name}" for name, digest in sorted(hashes.items())]
    return lines


def _member_hashes(archive_file: str) -> Dict[str, str]:
    """The sha256 of each regular member of the (already checked) archive, read without extracting."""
    hashes = {}
    with tarfile.open(archive_file, "r:*") as archive:
        for member in archive.getmembers():
            if member.isfile():
                with archive.extractfile(member) as handle:  # type: ignore[union-attr]
                    hashes[member.name] = stream_sha256(handle)
    return hashes


def _typed_sections(config: Any, where: str = "model") -> Iterator[Tuple[str, dict]]:
    """`(dotted path, section)` of every dict with a `type` in a (nested) config."""
    if isinstance(config, dict):
        if "type" in config:
            yield where, config
        for key, value in config.items():
            yield from _typed_sections(value, f"{where}.{key}")
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from _typed_sections(value, f"{where}[{index}]")


def _unbuildable(model_config: dict) -> Optional[str]:
    """Why building `model_config` could do more than make torch modules, or `None`."""
    for path, section in _typed_sections(model_config):
        value = section["type"]
        if value in ELMO_TYPES:
            files = [section.get("options_file"), section.get("weight_file")]
            if not all(isinstance(f, str) and "://" not in f and os.path.isfile(f) for f in files):
                return f"{path} is a {value!r}, whose ELMo files are not local files here ({files})"
        elif value not in BUILDABLE_TYPES:
            return f"building {path}, a {value!r}, is not known to be free of side effects"
    return None


def _check_weights(archive_file: str, directory: str, config: dict) -> Tuple[int, str, Optional[str]]:
    """
    Reads weights.th with the restricted unpickler and, when `_unbuildable` finds nothing,
    builds the model from the config and compares its parameters with weights.th. Returns the
    number of weights, the model's type and why the comparison was skipped (or `None`).
    """
    from allennlp.common import Params
    from allennlp.data import Vocabulary
    from allennlp.models import Model
    from allennlp.models.model import remove_weights_related_keys_from_params

    from sst_elmo.elmo.files.checks import check_elmo_files
    from sst_elmo.safety.safe_unpickle import load_state_dict_safely

    weights = load_state_dict_safely(os.path.join(directory, "weights.th"), f"{archive_file}:weights.th")
    parameters = sum(value.numel() for value in weights.values())
    model_config = config.get("model")
    if not isinstance(model_config, dict):
        raise InputError("config.json has no model section", archive_file)
    model_name = model_config.get("type", "?")
    params = Params(config).get("model")
    remove_weights_related_keys_from_params(params)  # as load_archive does: no GloVe file needed
    model_config = params.as_dict(quiet=True)
    skipped = _unbuildable(model_config)
    if skipped:
        return parameters, model_name, skipped
    for _, section in _typed_sections(model_config):
        if section["type"] in ELMO_TYPES:
            check_elmo_files(section["options_file"], section["weight_file"])
    try:
        vocab = Vocabulary.from_files(os.path.join(directory, "vocabulary"))
        model = Model.from_params(vocab=vocab, params=params.duplicate())
    except Exception as error:  # noqa: B902 - any failure to build is reported in one line
        message = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise InputError(f"cannot build the model from config.json ({message})", archive_file) from None
    expected = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    found = {name: tuple(value.shape) for name, value in weights.items()}
    for name in sorted(expected.keys() | found.keys()):
        if name not in found:
            raise InputError(f"weights.th: {name}: missing (the config's model has it)", archive_file)
        if name not in expected:
            raise InputError(f"weights.th: {name}: not a weight of the config's model", archive_file)
        if found[name] != expected[name]:
            raise InputError(
                f"weights.th: {name}: shape {found[name]} does not match the config's model {expected[name]}",
                archive_file,
            )
    return parameters, model_name, None
