"""
`--overrides` of the dataset reader that reach the validation reader too.

A config defines its validation reader as the training reader plus a few keys of its own
(`validation_dataset_reader: self.dataset_reader + {split: 'validation'}` in
`configs/lib/classifier.libsonnet`). AllenNLP applies `-o`/`--overrides` to the JSON that
Jsonnet evaluated, after that derivation, so `-o '{"dataset_reader.text_column": "text"}'`
used to change the training reader only, and validation failed on the old column.

Importing `sst_elmo` installs `install_reader_overrides`: an override of `dataset_reader`
(a dotted key under it, or the whole reader) also applies to `validation_dataset_reader`,
which keeps the keys it sets itself (those whose value differs from the training reader's,
such as `split`), and the keys that sample or add to the training data (`TRAINING_ONLY`:
`max_instances`, `sample_trees`, `sample_seed`, and `sst_trees`' counterfactual copies
`identity_terms`, `identity_copies`, `identity_seed`), which stay the training reader's own. An
override of `validation_dataset_reader.KEY` still applies to the validation reader alone,
after that. A validation reader that does not derive from the
training reader (it lacks one of the training reader's keys), or that an override replaces
whole, is left to AllenNLP's plain rules.
"""
import copy
from typing import Any, Callable, Dict, Optional

TRAIN = "dataset_reader"
VALIDATION = "validation_dataset_reader"
# Keys that cut, sample or add to the training data (the small-data grids, counterfactual
# copies): never passed to validation.
TRAINING_ONLY = (
    "max_instances", "sample_trees", "sample_seed", "identity_terms", "identity_copies", "identity_seed",
)
_MISSING = object()


def own_keys(train: Dict[str, Any], validation: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """
    The keys that `validation` sets itself over `train` (absent there, or with another value),
    or `None` when `validation` does not derive from `train` (it lacks one of `train`'s keys,
    other than `TRAINING_ONLY`'s).
    """
    if not set(train) - set(TRAINING_ONLY) <= set(validation):
        return None
    own = {key: value for key, value in validation.items() if train.get(key, _MISSING) != value}
    own.update({key: validation[key] for key in TRAINING_ONLY if key in validation})
    return own


def share_reader_overrides(
    original: Dict[str, Any], overrides: Dict[str, Any], merged: Dict[str, Any], apply: Callable
) -> Dict[str, Any]:
    """
    `merged` (`original` with `overrides` applied by AllenNLP's `apply`) with its validation
    reader derived again from its overridden training reader, as described above.
    """
    train, validation = original.get(TRAIN), original.get(VALIDATION)
    touched = any(key == TRAIN or key.startswith(TRAIN + ".") for key in overrides)
    if not (touched and isinstance(train, dict) and isinstance(validation, dict)) or VALIDATION in overrides:
        return merged
    own = own_keys(train, validation)
    if own is None or not isinstance(merged.get(TRAIN), dict):
        return merged
    shared = {key: value for key, value in merged[TRAIN].items() if key not in TRAINING_ONLY}
    derived = copy.deepcopy({**shared, **own})
    prefix = VALIDATION + "."
    own_overrides = {key[len(prefix):]: value for key, value in overrides.items() if key.startswith(prefix)}
    merged[VALIDATION] = apply(derived, own_overrides, prefix) if own_overrides else derived
    return merged


def install_reader_overrides() -> None:
    """Makes AllenNLP's `with_overrides` (behind `Params.from_file`) share reader overrides (once)."""
    from allennlp.common import params

    plain = params.with_overrides
    if getattr(plain, "shares_reader_overrides", False):
        return

    def with_overrides(original: Any, overrides_dict: Dict[str, Any], prefix: str = "") -> Any:
        merged = plain(original, overrides_dict, prefix)
        if prefix or not isinstance(original, dict):  # AllenNLP's own recursion into a key
            return merged
        return share_reader_overrides(original, overrides_dict, merged, plain)

    with_overrides.shares_reader_overrides = True  # type: ignore[attr-defined]
    params.with_overrides = with_overrides
