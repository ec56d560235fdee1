import hashlib
from typing import Optional, Union

SPLITS = ("train", "validation", "held_out")


class HashSplit:
    """
    A fixed split of one file's rows into a training and a validation part, for data sets
    that come without a validation file. Each row goes to one part by a seeded hash of its
    key (an id, or its line number), so the split is the same on every machine and run and
    needs no pass over the data.

    # Parameters

    split : `str`, optional
        `"train"` or `"validation"`: the part to keep; `None` keeps every row. `"held_out"`
        keeps only the held-out rows (needs `held_out_seed`).
    validation_fraction : `float`
        The share of rows in the validation part (and in the held-out part).
    seed : `str`
        Mixed into the hash; another seed gives another fixed split.
    held_out_seed : `str`, optional
        Rows in the validation part of *this* seed's split are held out: neither `"train"`
        nor `"validation"` (nor `None`) keeps them, and only `"held_out"` reads them. So a
        model can be trained and early-stopped on one split while another split's
        validation rows stay unseen, e.g. for a final test.
    """

    def __init__(
        self, split: Optional[str], validation_fraction: float, seed: str, held_out_seed: Optional[str] = None
    ) -> None:
        if split is not None and split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS} or null, not {split!r}")
        if not 0.0 < validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), not {validation_fraction}")
        if split == "held_out" and held_out_seed is None:
            raise ValueError('split "held_out" needs a held_out_seed')
        if held_out_seed is not None and held_out_seed == seed:
            raise ValueError(f"held_out_seed must differ from the split's own seed {seed!r}")
        self._split = split
        self._validation_fraction = validation_fraction
        self._seed = seed
        self._held_out_seed = held_out_seed

    def _in_validation(self, seed: str, key: Union[str, int]) -> bool:
        digest = hashlib.md5(f"{seed}:{key}".encode()).hexdigest()
        return int(digest[:8], 16) / 2**32 < self._validation_fraction

    def __contains__(self, key: Union[str, int]) -> bool:
        """Whether the row with this key belongs to the kept part."""
        held_out = self._held_out_seed is not None and self._in_validation(self._held_out_seed, key)
        if self._split == "held_out" or held_out:
            return held_out and self._split == "held_out"
        if self._split is None:
            return True
        return self._in_validation(self._seed, key) == (self._split == "validation")
