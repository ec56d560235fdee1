"""
Filling the ELMo activation cache: `fill_cache` computes (with a
`sst_elmo.elmo.runtime.bilm_runner.BiLmRunner`) and stores the missing entries of many token
sequences in length-sorted batches. Used by `allennlp elmo-cache` to warm a cache.
"""
import logging
from typing import Iterable, Optional

import numpy
import torch
from allennlp.common.tqdm import Tqdm

from sst_elmo.elmo.cache.activation_cache import ElmoActivationCache, sequence_key
from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner

logger = logging.getLogger(__name__)

DEFAULT_FILL_BATCH_SIZE = 64


def fill_cache(
    cache: ElmoActivationCache,
    runner: BiLmRunner,
    sequences: Iterable[numpy.ndarray],
    batch_size: int = DEFAULT_FILL_BATCH_SIZE,
    device: Optional[torch.device] = None,
    progress: bool = True,
) -> int:
    """
    Computes and stores the entries that `cache` lacks for `sequences` (each `(num_tokens, 50)`
    character ids; empty ones are skipped), sorted by length so that batches carry little
    padding. Returns the number of entries written.
    """
    todo = {}
    for sequence in sequences:
        if len(sequence):
            # uint16 holds every ELMo character id (< 262): a quarter of int64's memory.
            todo.setdefault(sequence_key(sequence), numpy.asarray(sequence, dtype=numpy.uint16))
    missing = [(key, todo[key]) for key in cache.missing(list(todo))]
    missing.sort(key=lambda item: len(item[1]), reverse=True)
    logger.info(f"ELMo cache: {len(todo)} distinct sequences, {len(missing)} to compute.")
    written = 0
    with Tqdm.tqdm(total=len(missing), desc="elmo-cache", unit="sequences", disable=not progress) as bar:
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            computed = runner.compute([s for _, s in chunk], device)
            cache.put_many([(key, activations) for (key, _), activations in zip(chunk, computed)])
            written += len(chunk)
            bar.update(len(chunk))
    return written
