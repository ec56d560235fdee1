"""
Calibrating a classifier for shipping: `allennlp sst-calibrate` on its validation data, then the
calibrated file measured against the original on the validation and test sets (accuracy, mean
confidence, NLL and expected calibration error before and after), with the check that no
label changed, and the model card's section that reports it.
"""
import time
from typing import Any, Dict, Optional

import numpy

from sst_elmo.common.errors import InputError
from sst_elmo.evaluation.calibration import DEFAULT_BINS, calibration_summary


def calibrate_classifier(archive: str, target: str, validation_path: str, test_path: str,
                         bins: int = DEFAULT_BINS) -> Dict[str, Any]:
    """
    Writes `archive` calibrated on `validation_path` to `target` (`archive_calibration.calibrate`)
    and measures both files on the validation and test sets: "before" is the trained network's
    own probabilities (temperature 1), "after" the calibrated file's. Raises an `InputError`
    when any logit or label of the calibrated file differs from the original's.
    """
    from sst_elmo.evaluation.archive_calibration import archive_logits, calibrate

    report = calibrate(archive, validation_path, target, force=True, bins=bins)
    result: Dict[str, Any] = {"temperature": report["temperature"], "bins": bins,
                              "degenerate": report["degenerate"]}
    for split, path in (("validation", validation_path), ("test", test_path)):
        raw, labels, _ = archive_logits(archive, path)
        logits, labels_again, temperature = archive_logits(target, path)
        if not (numpy.array_equal(labels, labels_again) and numpy.allclose(raw, logits, atol=1e-6)
                and numpy.array_equal(raw.argmax(axis=1), logits.argmax(axis=1))):
            raise InputError(f"the calibrated archive answers otherwise than the original on {path}", target)
        result[split] = {"path": path, "sentences": len(labels),
                         "before": calibration_summary(raw, labels, 1.0, bins),
                         "after": calibration_summary(logits, labels, temperature, bins)}
    return result


def calibration_section(calibration: Dict[str, Any], name: str, machine: str, date: Optional[str] = None) -> str:
    """The model card's `## Calibration` section for what `calibrate_classifier` measured."""
    key = f"ece_{calibration['bins']}"
    rows = []
    for split in ("validation", "test"):
        values = calibration[split]
        before, after = values["before"], values["after"]
        label = f"{split} ({values['sentences']:,} sentences{', fitted here' if split == 'validation' else ''})"
        rows.append(f"| {label} | {before[key]:.4f} | **{after[key]:.4f}** | {before['mean_confidence']:.4f} | "
                    f"{after['mean_confidence']:.4f} | {before['nll']:.4f} | {after['nll']:.4f} | "
                    f"{after['accuracy']:.4f} |")
    validation, test = calibration["validation"]["path"], calibration["test"]["path"]
    lines = [
        "## Calibration",
        "",
        f"Probabilities are `softmax(logits / T)` with T = {calibration['temperature']:.4f} (temperature scaling, "
        "Guo et al., 2017): one temperature fitted on the validation set by minimising the negative "
        "log-likelihood, kept in the archive's config (`model.temperature`). Every label, and so the "
        "accuracy, is the same as without it (checked sentence by sentence on both sets). Expected "
        f"calibration error over {calibration['bins']} equal-width bins of the top probability; before is "
        "the trained network's own probabilities (T = 1):",
        "",
        "| split | ECE before | ECE after | mean confidence before | after | NLL before | after | accuracy |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Machine: {machine}. Date: {date or time.strftime('%Y-%m-%d')}.",
        "",
        "```bash",
        f"allennlp sst-calibrate {name} {validation} -o calibrated.tar.gz   # fit T, write a calibrated copy",
        f"allennlp evaluate models/{name}/model.tar.gz {test}   # {key} among the metrics",
        f"scripts/calibrate_shipped.py {name}   # both, for a shipped classifier, and this section",
        "```",
        "",
    ]
    if calibration.get("degenerate"):
        lines.insert(-6, "The fit found no interior minimum (every validation answer right, or none better "
                         "than chance): the temperature is at the end of its search.")
        lines.insert(-6, "")
    return "\n".join(lines)
