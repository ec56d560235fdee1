"""
Shipping a trained classifier with the project: `models/NAME/` holds `model.tar.gz` and a
model card `README.md` in the style of allennlp-models' cards (data, config, command, test
metrics with a 95% bootstrap interval, date, machine, sha256). `allennlp sst-serve NAME` and
`allennlp sst-predict NAME` then find it by name.

The input is a finished `allennlp train` run directory. Its archive is copied member by member
with two changes to `config.json`: its file paths are made portable (a shipped ELMo's files
named `shipped://elmo-NAME/FILE`, found where the model is loaded, `sst_elmo.elmo.files.shipped`;
the shared data as `../shared/...`: `portable_path`), and `label_names` may be set on both
readers. With `weights="float16"` (the default) the floating-point tensors of
`weights.th` are stored in half precision: half the bytes, and AllenNLP's `load_state_dict`
copies them back into the model's float32 parameters. With `weights="int8"` the matrices of
10,000 entries or more (a 300d word embedding, the LSTM's; not a frozen ELMo biLM's) are stored
in 8 bits with one scale per row and the rest in float16 (`sst_elmo.common.quantization`; the
plugin's weight reader turns them back into float32 for any model): about a quarter of
float32's bytes, for a model with its own 300d vectors that would not fit the models/ budget
otherwise.
With `calibrate` (the default) the copy's probabilities are calibrated on the validation set
(`allennlp sst-calibrate`: one temperature) and the card shows the expected calibration error
before and after (`calibrate_classifier`). The copy is loaded again and scores the test set
(the card's test accuracy is that of the packed file) before anything is written; an existing
`models/NAME/` is replaced only with `replace=True`.

`calibrate_shipped` calibrates a classifier that was shipped before: its archive is replaced
by the calibrated one (refused if any answer would change) and its card gains the section.
"""
import argparse
import io
import json
import os
import re
import sys
import tarfile
import tempfile
import time
from typing import Any, Dict, List, Optional

from sst_elmo.common.config_env import SHARED, SHIPPED_MODELS
from sst_elmo.common.cpu import machine_description
from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write, file_sha256
from sst_elmo.elmo.files.shipped import SCHEME, models_directory, shipped_reference
from sst_elmo_lab.shipping.calibrate_classifier import calibrate_classifier, calibration_section

ARCHIVE_NAME = "model.tar.gz"
CARD_NAME = "README.md"
READERS = ("dataset_reader", "validation_dataset_reader")
# Reader settings the model card leaves out (shown elsewhere, or not about the data).
CARD_HIDES = ("type", "token_indexers", "label_names")


ELMO_FILE_KEYS = ("options_file", "weight_file")


def portable_path(path: str, elmo_file: bool = False) -> str:
    """
    `path` as another machine with the project finds it: a shipped ELMo's file (`elmo_file`) as
    `shipped://`, a file of the shared data directory beside the project as `../shared/...` and
    another file under the models directory (word vectors) as `models/...` (both relative to the
    project root, where the commands run), anything else unchanged.
    """
    reference = shipped_reference(path) if elmo_file else None
    if reference:
        return reference
    for root, shown in ((SHARED, "../shared"), (models_directory(), "models")):
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        if relative.split(os.sep)[0] != os.pardir:
            return "/".join([shown, *relative.split(os.sep)])
    return path


def portable_config(config: Dict[str, Any], label_names: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """`config` with its absolute file paths made portable (`portable_path`) and `label_names` on both readers."""

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {name: walk(item, name) for name, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
            return portable_path(value, elmo_file=key in ELMO_FILE_KEYS)
        return value

    result = walk(config)
    for reader in READERS:
        if label_names and reader in result:
            result[reader]["label_names"] = dict(label_names)
    return result


WEIGHTS_NAME = "weights.th"


WEIGHT_FORMATS = ("float32", "float16", "int8")
WEIGHT_DESCRIPTIONS = {
    "float32": "float32",
    "float16": "float16 (loaded into float32 parameters)",
    "int8": "int8 with one float32 scale per row for the matrices of 10,000 entries or more, float16 "
            "for the rest (loaded into float32 parameters)",
}


def packed_state_dict(path: str, weights: str = "float16") -> bytes:
    """
    The state dict in `path` (read tensors-only) saved again with its float32 tensors as float16
    (`weights="float16"`), or its large matrices as int8 with row scales and the rest as float16
    (`"int8"`: `quantize_state_dict`).
    """
    import torch

    from sst_elmo.common.quantization import SCALE_SUFFIX, quantize_state_dict
    from sst_elmo.safety.archive_hooks import read_state_dict_safely

    if weights not in ("float16", "int8"):
        raise ValueError(f"weights must be float16 or int8 here, not {weights!r}")
    state = read_state_dict_safely(path)
    if weights == "int8":
        try:
            state = quantize_state_dict(state)
        except ValueError as error:
            raise InputError(f"cannot store the weights in int8: {error}", path) from None
    # The row scales stay float32 (4 bytes a row): float16 would lose the small rows' precision.
    halved = {key: tensor.half() if tensor.dtype == torch.float32 and not key.endswith(SCALE_SUFFIX) else tensor
              for key, tensor in state.items()}
    buffer = io.BytesIO()
    torch.save(halved, buffer)
    return buffer.getvalue()


def repack(archive: str, target: str, label_names: Optional[Dict[str, str]] = None,
           weights: str = "float16") -> Dict[str, Any]:
    """
    Writes `archive` to `target` with `portable_config`'s config and its weights as `weights`
    (`WEIGHT_FORMATS`: `packed_state_dict` unless float32); returns that config.
    """
    if weights not in WEIGHT_FORMATS:
        raise InputError(f"weights must be one of {', '.join(WEIGHT_FORMATS)}, not {weights!r}", archive)
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive, "r:gz") as source, \
            tarfile.open(target, "w:gz") as out:
        config: Dict[str, Any] = {}
        for member in source.getmembers():
            if not member.isfile():
                continue
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "config.json":
                config = portable_config(json.loads(data), label_names)
                data = json.dumps(config, indent=2).encode("utf-8")
            elif member.name == WEIGHTS_NAME and weights != "float32":
                full = os.path.join(work, WEIGHTS_NAME)
                with open(full, "wb") as handle:
                    handle.write(data)
                data = packed_state_dict(full, weights)
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime, info.mode = len(data), int(member.mtime), 0o644
            out.addfile(info, io.BytesIO(data))
    if not config:
        raise InputError("the archive has no config.json", archive)
    leftover = [path for path in _elmo_files(config) if not path.startswith(SCHEME)]
    if leftover:
        raise InputError(f"the model needs an ELMo that is not shipped (models/elmo-NAME): {leftover[0]}", archive)
    return config


def _elmo_files(value: Any) -> List[str]:
    """The ELMo files a config names (what loading its model reads besides the archive)."""
    if isinstance(value, dict):
        own = [value[key] for key in ELMO_FILE_KEYS if isinstance(value.get(key), str)]
        return own + [path for item in value.values() for path in _elmo_files(item)]
    if isinstance(value, list):
        return [path for item in value for path in _elmo_files(item)]
    return []


def test_score(archive: str, data_path: str) -> Dict[str, Any]:
    """The accuracy of `archive` on `data_path` with its 95% bootstrap interval (sst-compare's)."""
    import numpy

    from sst_elmo.evaluation.predictions import predict_correctness
    from sst_elmo.evaluation.significance import DEFAULT_BOOTSTRAP_SEED, DEFAULT_RESAMPLES, bootstrap_interval

    predicted = predict_correctness(archive, data_path)
    correct = numpy.asarray(predicted.correct, dtype=float)
    low, high = bootstrap_interval(lambda indices: correct[indices].mean(axis=1), len(correct))
    return {"accuracy": float(correct.mean()), "low": low, "high": high, "sentences": len(correct),
            "resamples": DEFAULT_RESAMPLES, "seed": DEFAULT_BOOTSTRAP_SEED}


def model_card(name: str, config: Dict[str, Any], run_metrics: Dict[str, Any], score: Dict[str, Any],
               sha256: str, size: int, command: str, machine: str, description: str,
               weights: str = "float16", calibration: Optional[Dict[str, Any]] = None) -> str:
    """The markdown model card of a shipped classifier (with `calibration`, its calibration section)."""
    reader = config["validation_dataset_reader"]
    names = reader.get("label_names") or {}
    embedders = config["model"]["text_field_embedder"]["token_embedders"]
    inputs = ", ".join(f"`{key}` ({value['type']})" for key, value in embedders.items())
    elmo = ", ".join(f"`{value['weight_file']}`" for value in embedders.values() if "weight_file" in value)
    labels = ", ".join(f"`{label}` {label_name}" for label, label_name in names.items())
    settings = {key: value for key, value in reader.items() if key not in CARD_HIDES}
    validation = run_metrics.get("best_validation_accuracy", float("nan"))
    interval = (f"[{score['low']:.4f}, {score['high']:.4f}] (bootstrap over sentences, "
                f"{score['resamples']:,} resamples, seed {score['seed']})")
    lines = [
        f"# `{name}`: {description}",
        "",
        f"Serve it with `allennlp sst-serve {name}`, predict with `allennlp sst-predict {name} INPUT`.",
        "",
        "## Model",
        "",
        f"- head: `{config['model']['type']}`; inputs: {inputs}",
        f"- ELMo: {elmo or 'none'}",
        f"- labels: {labels or 'as in the data'}",
        "- weights: " + WEIGHT_DESCRIPTIONS[weights],
        "",
        "## Data",
        "",
        f"- reader: `{reader['type']}` {json.dumps(settings)}",
        f"- train: `{config['train_data_path']}`; validation: `{config['validation_data_path']}`; "
        f"test: `{config.get('test_data_path')}`",
        "",
        "## Metrics",
        "",
        "| split | accuracy | 95% interval |",
        "|---|---|---|",
        f"| validation (best epoch {run_metrics.get('best_epoch')}) | {validation:.4f} | |",
        f"| test ({score['sentences']:,} sentences) | **{score['accuracy']:.4f}** | {interval} |",
        "",
        "The test accuracy is measured on this file as shipped (loaded again after packing).",
        "",
        *([calibration_section(calibration, name, machine)] if calibration else []),
        "## How it was made",
        "",
        f"Machine: {machine}. Date: {time.strftime('%Y-%m-%d')}. "
        f"Training took {run_metrics.get('training_duration')}.",
        "",
        "```bash",
        command,
        f"scripts/ship_classifier.py RUN {name}",
        "```",
        "",
        "## Files",
        "",
        "| file | bytes | sha256 |",
        "|---|---|---|",
        f"| `{ARCHIVE_NAME}` | {size:,} | `{sha256}` |",
        "",
    ]
    return "\n".join(lines)


def ship_classifier(run_dir: str, name: str, description: str, command: str, models_dir: str = SHIPPED_MODELS,
                    replace: bool = False, label_names: Optional[Dict[str, str]] = None,
                    machine: Optional[str] = None, weights: str = "float16", calibrate: bool = True) -> str:
    """Packs the archive of `run_dir` as `models_dir/name/` (see the module's doc); returns that directory."""
    archive = os.path.join(run_dir, ARCHIVE_NAME)
    if not os.path.isfile(archive):
        raise InputError("no model.tar.gz: not a finished allennlp train run", run_dir)
    target = os.path.join(models_dir, name)
    if os.path.exists(os.path.join(target, ARCHIVE_NAME)) and not replace:
        raise InputError("a shipped classifier of this name exists: give --replace to replace it", target)
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as handle:
        run_metrics = json.load(handle)
    os.makedirs(target, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as work:
        packed = os.path.join(work, ARCHIVE_NAME)
        config = repack(archive, packed, label_names, weights)
        if not config.get("test_data_path"):
            raise InputError("the run has no test_data_path to score", run_dir)
        calibration = None
        if calibrate:
            calibrated = os.path.join(work, "calibrated.tar.gz")
            calibration = calibrate_classifier(packed, calibrated, config["validation_data_path"],
                                               config["test_data_path"])
            os.replace(calibrated, packed)
        score = test_score(packed, config["test_data_path"])
        sha256, size = file_sha256(packed), os.path.getsize(packed)
        os.replace(packed, os.path.join(target, ARCHIVE_NAME))
    card = model_card(name, config, run_metrics, score, sha256, size, command,
                      machine or machine_description(), description, weights, calibration)
    atomic_write(os.path.join(target, CARD_NAME), card)
    return target


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a finished allennlp train run directory")
    parser.add_argument("name", help="the classifier's name: models/NAME, `allennlp sst-serve NAME`")
    parser.add_argument("--description", required=True, help="one line for the model card's title")
    parser.add_argument("--command", required=True, help="the command that trained it, for the model card")
    parser.add_argument("--label-names", help="JSON {label: name} to set on both readers")
    parser.add_argument("--models-dir", default=SHIPPED_MODELS)
    parser.add_argument("--replace", action="store_true", help="replace a shipped classifier of that name")
    parser.add_argument("--machine", help="the machine it was trained on, for the model card")
    parser.add_argument("--weights", choices=WEIGHT_FORMATS, default="float16",
                        help="how weights.th stores the weights (default: float16; int8: large matrices in "
                             "8 bits with row scales)")
    parser.add_argument("--float32", dest="weights", action="store_const", const="float32",
                        help="the same as --weights float32")
    parser.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                        help="ship the probabilities as trained (default: temperature scaling on validation)")
    args = parser.parse_args(argv)
    try:
        names = json.loads(args.label_names) if args.label_names else None
        target = ship_classifier(args.run_dir, args.name, args.description, args.command, args.models_dir,
                                 args.replace, names, args.machine, args.weights, args.calibrate)
    except (InputError, json.JSONDecodeError) as error:
        print(f"ship_classifier: {error}", file=sys.stderr)
        return 1
    print(f"ship_classifier: wrote {target}")
    return 0


FILES_ROW = re.compile(rf"^\| `{re.escape(ARCHIVE_NAME)}` \| [\d,]+ \| `[0-9a-f]{{64}}` \|$", re.M)


def card_with_calibration(card: str, section: str, sha256: str, size: int) -> str:
    """`card` with its archive's row in the files table set to `sha256` and `size`, and `section`
    (a `## Calibration` section) in place of its own, or else before `## How it was made`."""
    if not FILES_ROW.search(card):
        raise InputError(f"the model card has no files-table row for {ARCHIVE_NAME}", CARD_NAME)
    card = FILES_ROW.sub(f"| `{ARCHIVE_NAME}` | {size:,} | `{sha256}` |", card)
    section = section.rstrip("\n") + "\n\n"
    existing = re.search(r"^## Calibration\n.*?(?=^## )", card, re.M | re.S)
    if existing:
        return card[: existing.start()] + section + card[existing.end():]
    anchor = card.find("## How it was made")
    if anchor < 0:
        raise InputError("the model card has no '## How it was made' section", CARD_NAME)
    return card[:anchor] + section + card[anchor:]


def calibrate_shipped(name: str, models_dir: str = SHIPPED_MODELS, machine: Optional[str] = None,
                      date: Optional[str] = None) -> Dict[str, Any]:
    """
    Calibrates the shipped classifier `models_dir/name` on the validation set its config names,
    measures it on that and the test set (`calibrate_classifier`, which refuses a file whose
    answers would change), then replaces the archive and updates the card; returns the measures.
    """
    target = os.path.join(models_dir, name)
    archive, card_file = os.path.join(target, ARCHIVE_NAME), os.path.join(target, CARD_NAME)
    if not (os.path.isfile(archive) and os.path.isfile(card_file)):
        raise InputError(f"not a shipped classifier (no {ARCHIVE_NAME} and {CARD_NAME})", target)
    with tarfile.open(archive, "r:gz") as source:
        config = json.load(source.extractfile("config.json"))  # type: ignore[arg-type]
    if not (config.get("validation_data_path") and config.get("test_data_path")):
        raise InputError("its config names no validation_data_path and test_data_path", archive)
    with tempfile.TemporaryDirectory(dir=target) as work:
        calibrated = os.path.join(work, ARCHIVE_NAME)
        calibration = calibrate_classifier(archive, calibrated, config["validation_data_path"],
                                           config["test_data_path"])
        section = calibration_section(calibration, name, machine or machine_description(), date)
        with open(card_file, encoding="utf-8") as handle:
            card = handle.read()
        card = card_with_calibration(card, section, file_sha256(calibrated), os.path.getsize(calibrated))
        os.replace(calibrated, archive)
    atomic_write(card_file, card)
    return calibration


def calibrate_main(argv: Optional[List[str]] = None) -> int:
    """`scripts/calibrate_shipped.py NAME`: `calibrate_shipped` from the command line."""
    parser = argparse.ArgumentParser(description=calibrate_shipped.__doc__)
    parser.add_argument("name", help="the shipped classifier: models/NAME")
    parser.add_argument("--models-dir", default=SHIPPED_MODELS)
    parser.add_argument("--machine", help="the machine it runs on, for the model card")
    parser.add_argument("--date", help="the date for the model card (default: today)")
    args = parser.parse_args(argv)
    try:
        calibration = calibrate_shipped(args.name, args.models_dir, args.machine, args.date)
    except InputError as error:
        print(f"calibrate_shipped: {error}", file=sys.stderr)
        return 1
    key = f"ece_{calibration['bins']}"
    test = calibration["test"]
    print(f"calibrate_shipped: {args.name}: T = {calibration['temperature']:.4f}; test ECE "
          f"{test['before'][key]:.4f} -> {test['after'][key]:.4f}, accuracy {test['after']['accuracy']:.4f} "
          "(unchanged)")
    return 0
