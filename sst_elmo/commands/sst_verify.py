"""
The `sst-verify` subcommand: checks a model archive, or an ELMo options/weights pair, before
it is used, and prints the sha256 of every file.

    allennlp sst-verify model.tar.gz
    allennlp sst-verify --options-file options.json --weight-file weights.hdf5
"""
import argparse
import json
import os
import tarfile
import tempfile
from typing import Dict, List, Tuple

from allennlp.commands.subcommand import Subcommand

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import stream_sha256

REQUIRED_MEMBERS = ("config.json", "weights.th", "vocabulary")


@Subcommand.register("sst-verify")
class SstVerify(Subcommand):
    """
    Checks a model archive (safe member paths, `config.json` parses, `weights.th` is a plain
    state dict whose names and shapes match the model the config builds) or an ELMo
    options/weights pair (every dataset of the bilm-tf layout, shaped as the options say),
    and prints the sha256 of each file. The archive's weights are read with an unpickler
    that refuses anything but tensors. Exits non-zero with one clear error on failure.

    Registered as a `Subcommand` with name "sst-verify".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Check a model.tar.gz (member paths, config, weights and their shapes) or an ELMo "
            "options/weights pair, and print the sha256 of each file."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument("archive_file", nargs="?", default=None, help="a model.tar.gz to check")
        subparser.add_argument("--options-file", type=str, default=None, help="ELMo options (JSON)")
        subparser.add_argument("--weight-file", type=str, default=None, help="ELMo weights (HDF5)")
        subparser.set_defaults(func=_verify_from_args)
        return subparser


def _verify_from_args(args: argparse.Namespace) -> None:
    elmo = (args.options_file, args.weight_file)
    if (args.archive_file is None) == (elmo == (None, None)) or (args.archive_file is None and None in elmo):
        raise InputError("give either an archive, or both --options-file and --weight-file", "sst-verify")
    lines = verify_archive(args.archive_file) if args.archive_file else verify_elmo(*elmo)
    print("\n".join(lines))


def verify_elmo(options_file: str, weight_file: str) -> List[str]:
    """Checks an ELMo pair with `check_elmo_files`; returns the report lines."""
    from sst_elmo.elmo.checks import check_elmo_files

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
    """Checks a model archive without running its pickles; returns the report lines."""
    from sst_elmo.common.archive_safety import check_archive

    names = check_archive(archive_file)
    tops = {name.split("/", 1)[0] for name in names}
    missing = [member for member in REQUIRED_MEMBERS if member not in tops]
    if missing:
        raise InputError(f"missing archive member(s) {', '.join(missing)}", archive_file)
    with tempfile.TemporaryDirectory(prefix="sst_verify_") as directory:
        hashes = _extract(archive_file, directory)
        try:
            with open(os.path.join(directory, "config.json"), encoding="utf-8") as handle:
                json.load(handle)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InputError(f"config.json does not parse ({error})", archive_file) from None
        parameters, model_name = _check_weights(archive_file, directory)
    lines = [f"OK archive: a {model_name} model, {len(names)} members, {parameters:,} weights"]
    with open(archive_file, "rb") as handle:
        lines.append(f"{stream_sha256(handle)}  {archive_file}")
    lines += [f"{digest}  {archive_file}:{name}" for name, digest in sorted(hashes.items())]
    return lines


def _extract(archive_file: str, directory: str) -> Dict[str, str]:
    """Extracts the (already checked) archive; returns the sha256 of each regular member."""
    hashes = {}
    with tarfile.open(archive_file, "r:*") as archive:
        for member in archive.getmembers():
            if member.isfile():
                with archive.extractfile(member) as handle:  # type: ignore[union-attr]
                    hashes[member.name] = stream_sha256(handle)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(directory, filter="data")
        else:  # pragma: no cover - Pythons before 3.8.17 / 3.10.12
            archive.extractall(directory)
    return hashes


def _check_weights(archive_file: str, directory: str) -> Tuple[int, str]:
    """Builds the model from the archive's config and compares its parameters to weights.th."""
    from allennlp.common import Params
    from allennlp.data import Vocabulary
    from allennlp.models import Model
    from allennlp.models.model import remove_weights_related_keys_from_params

    from sst_elmo.common.safe_unpickle import load_state_dict_safely

    weights = load_state_dict_safely(os.path.join(directory, "weights.th"), f"{archive_file}:weights.th")
    params = Params.from_file(os.path.join(directory, "config.json"))
    model_params = params.get("model")
    remove_weights_related_keys_from_params(model_params)  # as load_archive does: no GloVe file needed
    model_name = model_params.get("type", "?")
    try:
        vocab = Vocabulary.from_files(os.path.join(directory, "vocabulary"))
        model = Model.from_params(vocab=vocab, params=model_params.duplicate())
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
    return sum(value.numel() for value in weights.values()), model_name
