"""
Combining the override layers of a grid run (grid-wide, per config, per seed and size) into
the one `--overrides` JSON object that `allennlp train` takes.

AllenNLP 2.x replaces a whole object when an override names it (`{"trainer": {...}}`
drops every other trainer key) and merges only through dotted keys
(`{"trainer.num_epochs": 1}`). The grid's layers are merged key by key instead, so
`{"dataset_reader": {"use_subtrees": false}}` changes one key; `to_dotted` then writes
them as dotted keys wherever the evaluated config has an object to merge into.
"""
import copy
from typing import Any, Dict, Mapping


def unflatten(overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """`{"a.b": 1, "a": {"c": 2}}` -> `{"a": {"b": 1, "c": 2}}`, recursively."""
    nested: Dict[str, Any] = {}
    for key, value in overrides.items():
        if isinstance(value, Mapping):
            value = unflatten(value)
        parts = key.split(".")
        target = nested
        for part in parts[:-1]:
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        last = parts[-1]
        if isinstance(value, dict) and isinstance(target.get(last), dict):
            target[last] = merge(target[last], value)
        else:
            target[last] = copy.deepcopy(value)
    return nested


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> Dict[str, Any]:
    """`update` merged onto `base`: objects key by key, anything else replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def combine(*layers: Mapping[str, Any]) -> Dict[str, Any]:
    """The override layers (dotted or nested keys) merged in order, later ones winning."""
    combined: Dict[str, Any] = {}
    for layer in layers:
        combined = merge(combined, unflatten(layer))
    return combined


def to_dotted(nested: Mapping[str, Any], original: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """
    AllenNLP overrides for `nested`: a dotted key for every value inside an object that the
    evaluated config `original` has, so AllenNLP merges it; a value at a key the config
    lacks, or that is not an object there, replaces it whole.
    """
    dotted: Dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, Mapping) and value and isinstance(original.get(key), Mapping):
            dotted.update(to_dotted(value, original[key], f"{prefix}{key}."))
        else:
            dotted[f"{prefix}{key}"] = copy.deepcopy(value)
    return dotted
