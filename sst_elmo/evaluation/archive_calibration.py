"""
Temperature scaling (Guo et al., ICML 2017) of a classifier archive, fitted on validation data:
what `allennlp sst-calibrate` does, and the lab's shipping pipeline too.

`calibrate` reads the data with the archive's validation reader (so `2-class` SST drops the
neutral sentences, as in training), computes the logits of every labelled sentence
(`archive_logits`), and fits one temperature `T > 0` that minimises the negative log-likelihood
of `softmax(logits / T)` (`sst_elmo.evaluation.calibration.fit_temperature`: a bounded search,
deterministic), or takes the one it is given. It writes a new archive
(`write_with_temperature`): the same members and the same weights, with `"temperature": T` in
the model section of `config.json` (an argument of `lstm_classifier`, so the archive loads
through the plugin's safe loading like any other); no label changes. An archive that has a
temperature already is fitted again from its raw logits. It measures the NLL, the expected
calibration error, the mean confidence and the accuracy before and after (`format_report`
prints them) and can draw their reliability diagram. The archive is written whole or not at
all (`atomic_file`), its bytes a function of the input and `T` (no time stamps are added).
"""
import gzip
import io
import json
import math
import os
import tarfile
from typing import Any, Dict, Optional, Tuple

import numpy

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_file
from sst_elmo.evaluation.calibration import (
    DEFAULT_BINS,
    TEMPERATURE_BOUNDS,
    calibration_summary,
    degenerate_fit,
    fit_temperature,
    softmax,
)
from sst_elmo.evaluation.predictions import outputs_without_labels

DEFAULT_BATCH_SIZE = 64
CONFIG_NAME = "config.json"


def archive_logits(archive_file: str, data_path: str, batch_size: int = DEFAULT_BATCH_SIZE,
                   cuda_device: int = -1) -> Tuple[numpy.ndarray, numpy.ndarray, float]:
    """
    The raw logits (sentences x labels) and gold label indices of every labelled sentence of
    `data_path`, read with the archive's validation reader, and the archive's temperature.
    """
    import torch
    from allennlp.common.util import lazy_groups_of

    from sst_elmo.safety.archive_safety import safe_load_archive

    archive = safe_load_archive(archive_file, cuda_device=cuda_device)
    model = archive.model
    if not hasattr(model, "temperature"):
        raise InputError(f"a {type(model).__name__} has no temperature to set (an lstm_classifier has)",
                         archive_file)
    model.eval()
    namespace = getattr(model, "_label_namespace", "labels")
    logits, labels = [], []
    with torch.no_grad():
        for batch in lazy_groups_of(archive.validation_dataset_reader.read(data_path), batch_size):
            labelled = [instance for instance in batch if "label" in instance.fields]
            for instance, output in zip(labelled, outputs_without_labels(model, labelled)):
                logits.append(output["logits"])
                labels.append(model.vocab.get_token_index(str(instance["label"].label), namespace))
    if not labels:
        raise InputError("the archive's reader found no labelled sentence here", data_path)
    return numpy.stack(logits).astype(numpy.float64), numpy.asarray(labels), float(model.temperature)


def write_with_temperature(archive_file: str, output_file: str, temperature: float) -> None:
    """
    Writes `archive_file` to `output_file` (atomically) with `"temperature": temperature` in the
    model section of its config; every other member is copied byte for byte, with its metadata.
    """
    with tarfile.open(archive_file, "r:*") as source, atomic_file(output_file, "wb") as handle, \
            gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as compressed, \
            tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as out:
        found = False
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if member.name in (CONFIG_NAME, f"./{CONFIG_NAME}") and data is not None:
                config = json.loads(data)
                if not isinstance(config.get("model"), dict):
                    raise InputError("config.json has no model section", archive_file)
                config["model"]["temperature"] = temperature
                data = (json.dumps(config, indent=2) + "\n").encode("utf-8")
                member.size, found = len(data), True
            out.addfile(member, io.BytesIO(data) if data is not None else None)
        if not found:
            raise InputError("the archive has no config.json", archive_file)


def check_temperature(temperature: Optional[float]) -> None:
    """An `InputError` naming `--temperature` unless it is None (fit one) or a finite number above 0."""
    if temperature is not None and not (math.isfinite(temperature) and temperature > 0):
        raise InputError("must be a finite number above 0", "--temperature", content=str(temperature))


def calibrate(archive_file: str, data_path: str, output_file: str, force: bool = False, bins: int = DEFAULT_BINS,
              plot: Optional[str] = None, batch_size: int = DEFAULT_BATCH_SIZE,
              cuda_device: int = -1, temperature: Optional[float] = None) -> Dict[str, Any]:
    """
    Fits the temperature of `archive_file` (a path; the command resolves a shipped classifier's
    name) on `data_path` (or sets `temperature`) and writes the calibrated archive to
    `output_file` (see the module's doc); returns what was measured: the temperature, and on
    `data_path` the accuracy, mean confidence, NLL and ECE before (with the archive's own
    temperature) and after.
    """
    check_temperature(temperature)
    if os.path.exists(output_file) and not force:
        raise InputError("exists: give --force to replace it", output_file)
    logits, labels, old = archive_logits(archive_file, data_path, batch_size, cuda_device)
    fitted = temperature is None
    temperature = fit_temperature(logits, labels) if temperature is None else float(temperature)
    before = calibration_summary(logits, labels, old, bins)
    after = calibration_summary(logits, labels, temperature, bins)
    write_with_temperature(archive_file, output_file, temperature)
    if plot:
        from sst_elmo.evaluation.reliability_plot import plot_reliability

        sides = []
        for name, value in (("before", old), ("after", temperature)):
            probs = softmax(logits, value)
            sides.append((f"{name}, T = {value:.3f}", probs.max(axis=-1), probs.argmax(axis=-1) == labels))
        plot_reliability(plot, sides, bins, title=f"{os.path.basename(data_path)}: {len(labels)} sentences")
    return {"archive": archive_file, "data": data_path, "output": output_file, "sentences": len(labels),
            "bins": bins, "temperature_before": old, "temperature": temperature, "fitted": fitted,
            "degenerate": fitted and degenerate_fit(temperature, after["accuracy"]),
            "before": before, "after": after}


def format_report(report: Dict[str, Any]) -> str:
    """The lines `sst-calibrate` prints."""
    key = f"ece_{report['bins']}"

    def line(name: str, values: Dict[str, float], temperature: float) -> str:
        return (f"{name} (T = {temperature:.4f}): NLL {values['nll']:.4f}, ECE ({report['bins']} bins) "
                f"{values[key]:.4f}, mean confidence {values['mean_confidence']:.4f}, "
                f"accuracy {values['accuracy']:.4f}")

    lines = [f"{report['sentences']} labelled sentences of {report['data']}",
             line("before", report["before"], report["temperature_before"]),
             line("after ", report["after"], report["temperature"])
             + ("" if report["fitted"] else " (set, not fitted)")]
    if report["degenerate"]:
        lines.append(f"warning: the data gives the temperature no interior minimum (every answer right, or no "
                     f"better than chance; the search spans {TEMPERATURE_BOUNDS}): use more, or other, data")
    lines.append(f"wrote {report['output']}")
    return "\n".join(lines)
