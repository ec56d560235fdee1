"""
The answers that `allennlp sst-compare` compares: one run's answers on labelled data
(`Predicted`), from an archive (`predict_correctness`, reading the data with the archive's own
validation reader) or from a predictions file (`read_predictions`), and the sides given on the
command line (`archive_group`).

A predictions file (`*.jsonl`, gzipped when named `*.jsonl.gz`) holds the answers of a model
that need not be an archive, such as a scikit-learn baseline: one JSON object a sentence,
`{"tokens": [...], "label": gold, "predicted": answer}` (optionally with `"probability"`, that
of the answer), the sentences in the order the archives' reader reads the data
(`write_predictions`); a directory of such files is a group of them. `save_predictions` writes
every run's answers as such files.
"""
import glob
import gzip
import io
import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import atomic_write

ARCHIVE_NAME = "model.tar.gz"
DEFAULT_BATCH_SIZE = 64


@dataclass
class Predicted:
    """One archive's answers on DATA: the sentences' tokens and whether each was right."""

    archive: str
    name: str
    tokens: List[Tuple[str, ...]]
    correct: List[int]
    gold: List[str]
    predicted: List[str]
    # The probability the model gave each answer (its top probability), when known.
    probability: Optional[List[float]] = None


PREDICTIONS_SUFFIXES = (".jsonl.gz", ".jsonl")


def predictions_stem(path: str) -> Optional[str]:
    """`path` without its predictions suffix (`.jsonl` or `.jsonl.gz`); None when it is not a predictions file."""
    for suffix in PREDICTIONS_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return None


def write_predictions(path: str, rows: Sequence[Tuple[Any, ...]]) -> None:
    """
    Writes `(tokens, gold, predicted)` rows, or `(tokens, gold, predicted, probability)` rows
    (the probability of the predicted label), as a predictions file that `sst-compare` reads as
    a side; gzipped (reproducibly: no time stamp) when `path` ends with `.gz`.
    """
    def line(tokens: Sequence[str], gold: str, guess: str, probability: Optional[float] = None) -> str:
        row = {"tokens": list(tokens), "label": str(gold), "predicted": str(guess)}
        return json.dumps(row if probability is None else {**row, "probability": float(probability)}) + "\n"

    text = "".join(line(*row) for row in rows)
    atomic_write(path, gzip.compress(text.encode("utf-8"), mtime=0) if path.endswith(".gz") else text)


def _open_text(path: str) -> io.TextIOBase:
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def read_predictions(path: str, name: str = "") -> Predicted:
    """A predictions file (`write_predictions`) as one run of a side; a bad line is an error naming it."""
    tokens: List[Tuple[str, ...]] = []
    gold: List[str] = []
    predicted: List[str] = []
    probability: List[Optional[float]] = []
    try:
        with _open_text(path) as handle:
            lines = list(handle)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"cannot be read as predictions ({error})", path) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            words, label, guess = row["tokens"], str(row["label"]), str(row["predicted"])
            if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
                raise ValueError("tokens is not a list of strings")
            sure = row.get("probability")
            if sure is not None and not (isinstance(sure, (int, float)) and 0 <= sure <= 1):
                raise ValueError("probability is not a number from 0 to 1")
        except (ValueError, KeyError, TypeError) as error:
            message = f"missing key {error}" if isinstance(error, KeyError) else str(error)
            raise InputError(f"not a prediction ({message})", path, number, line.strip()) from None
        tokens.append(tuple(words))
        gold.append(label)
        predicted.append(guess)
        probability.append(sure)
    if not tokens:
        raise InputError("holds no prediction", path)
    known = None if None in probability else [float(value) for value in probability]  # type: ignore[arg-type]
    return Predicted(path, name or path, tokens, [int(g == p) for g, p in zip(gold, predicted)], gold, predicted,
                     known)


def archive_group(spec: str) -> List[Tuple[str, str]]:
    """
    `(name, archive)` for each archive of a side: a `model.tar.gz` (or any archive file); a run
    directory holding `model.tar.gz`; a directory of run directories (every `model.tar.gz`
    under it, named by their path below it, e.g. `seed1/full`); a predictions file, or a
    directory of them with no archive (`--save-predictions`; named as the archives were); or
    several of these joined with commas.
    """
    group: List[Tuple[str, str]] = []
    for part in [item for item in spec.split(",") if item]:
        stem = predictions_stem(part)
        if os.path.isfile(part) and stem is not None:
            group.append((os.path.basename(stem), part))
        elif os.path.isfile(part):
            group.append((part, part))
        elif os.path.isfile(os.path.join(part, ARCHIVE_NAME)):
            group.append((part, os.path.join(part, ARCHIVE_NAME)))
        elif os.path.isdir(part):
            group += _directory_group(part)
        else:
            raise InputError("no such archive or directory", part)
    if not group:
        raise InputError("names no archive", spec or "<empty>")
    return group


def _directory_group(directory: str) -> List[Tuple[str, str]]:
    """Every archive under `directory`, named by its run directory below it; else every predictions file."""
    def under(pattern: str) -> List[str]:
        return sorted(glob.glob(os.path.join(glob.escape(directory), "**", pattern), recursive=True))

    archives = under(ARCHIVE_NAME)
    if archives:
        return [(os.path.relpath(os.path.dirname(path), directory), path) for path in archives]
    stems = {path: predictions_stem(path) for path in under("*.jsonl*") if os.path.isfile(path)}
    files = [(os.path.relpath(stem, directory), path) for path, stem in stems.items() if stem is not None]
    if not files:
        raise InputError(f"no {ARCHIVE_NAME} (nor predictions file) under this directory", directory)
    return files


def saved_predictions_path(directory: str, name: str) -> str:
    """Where `--save-predictions` writes a run named `name`: below `directory`, never outside it."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    if parts and parts[-1] == ARCHIVE_NAME:
        parts.pop()
    if parts:
        parts[-1] = predictions_stem(parts[-1]) or parts[-1]
    parts = [part for part in parts if part] or ["run"]
    return os.path.join(directory, *parts) + ".jsonl.gz"


def save_predictions(directory: str, runs: Sequence["Predicted"]) -> List[str]:
    """Writes each run's answers as `directory/NAME.jsonl.gz` (`saved_predictions_path`); the paths written."""
    paths = []
    for run in runs:
        path = saved_predictions_path(directory, run.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        columns = [run.tokens, run.gold, run.predicted] + ([run.probability] if run.probability else [])
        write_predictions(path, list(zip(*columns)))
        paths.append(path)
    return paths


def outputs_without_labels(model: Any, instances: Sequence[Any]) -> List[Dict[str, Any]]:
    """
    `model.forward_on_instances(instances)` with the instances' `label` fields left out: the model
    then computes no loss (one number for the batch, which AllenNLP warns it cannot split).
    """
    from allennlp.data import Instance

    unlabelled = [Instance({key: field for key, field in instance.fields.items() if key != "label"})
                  for instance in instances]
    return model.forward_on_instances(unlabelled) if unlabelled else []


def predict_correctness(
    archive_file: str, data_path: str, name: str = "", batch_size: int = DEFAULT_BATCH_SIZE, cuda_device: int = -1,
    overrides: str = "",
) -> Predicted:
    """
    Reads `data_path` with the validation reader of `archive_file` (a path: a shipped
    classifier's name is the commands' to resolve, `commands.archive_loading.resolve_archive`)
    and marks each labelled instance right or wrong.
    """
    from allennlp.common.util import lazy_groups_of

    from sst_elmo.safety.archive_safety import safe_load_archive

    archive = safe_load_archive(archive_file, cuda_device=cuda_device, overrides=overrides)
    model = archive.model
    model.eval()
    tokens: List[Tuple[str, ...]] = []
    gold: List[str] = []
    predicted: List[str] = []
    probability: List[float] = []
    for batch in lazy_groups_of(archive.validation_dataset_reader.read(data_path), batch_size):
        labelled = [instance for instance in batch if "label" in instance.fields]
        if not labelled:
            continue
        for instance, output in zip(labelled, outputs_without_labels(model, labelled)):
            predicted.append(model.vocab.get_token_from_index(int(output["logits"].argmax()), "labels"))
            if "probs" in output:  # the model's own (calibrated) probability of that label
                probability.append(float(output["probs"][int(output["logits"].argmax())]))
            tokens.append(tuple(token.text for token in instance["tokens"].tokens))
            gold.append(str(instance["label"].label))
    if not tokens:
        raise InputError("the archive's reader found no labelled sentence here", data_path)
    correct = [int(g == p) for g, p in zip(gold, predicted)]
    return Predicted(archive_file, name or archive_file, tokens, correct, gold, predicted,
                     probability if len(probability) == len(predicted) else None)
