import hashlib
from typing import Optional, Union

SPLITS = ("train", "validation")


class HashSplit:
    """
    A fixed split of one file's rows into a training and a validation part, for data sets
    that come without a validation file. Each row goes to one part by a seeded hash of its
    key (an id, or its line number), so the split is the same on every machine and run and
    needs no pass over the data.

    # Parameters

    split : `str`, optional
        `"train"` or `"validation"`: the part to keep; `None` keeps every row.
    validation_fraction : `float`
        The share of rows in the validation part.
    seed : `str`
        Mixed into the hash; another seed gives another fixed split.
    """

    def __init__(self, split: Optional[str], validation_fraction: float, seed: str) -> None:
        if split is not None and split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS} or null, not {split!r}")
        if not 0.0 < validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), not {validation_fraction}")
        self._split = split
        self._validation_fraction = validation_fraction
        self._seed = seed

    def __contains__(self, key: Union[str, int]) -> bool:
        """Whether the row with this key belongs to the kept part."""
        if self._split is None:
            return True
        digest = hashlib.md5(f"{self._seed}:{key}".encode()).hexdigest()
        in_validation = int(digest[:8], 16) / 2**32 < self._validation_fraction
        return in_validation == (self._split == "validation")
