import itertools
from typing import Iterable, Iterator, TypeVar

import torch
import torch.distributed as dist
from allennlp.common.util import is_distributed

from sst_elmo.common.errors import InputError

_T = TypeVar("_T")


def shard_rows(rows: Iterable[_T]) -> Iterator[_T]:
    """
    A reader's rows (lines, CSV records) for this distributed worker and this data-loader
    worker: AllenNLP's `DatasetReader.shard_iterable` without its `max_instances` cut.

    `shard_iterable` also stops after `max_instances` *rows*, which is only right when every row
    is one instance. Here a row can be no instance (it belongs to the other part of a held-out
    split) or several (subtrees, sentences of a document): a `max_instances` of 2,000 with a 1%
    validation split would read 2,000 lines and yield about 20 documents. AllenNLP still cuts
    the *instances* at `max_instances` after `_read` (`DatasetReader._multi_worker_islice`), so
    readers that shard with this get exactly `max_instances` instances when the data has them.
    """
    sharded: Iterator[_T] = iter(rows)
    if is_distributed():
        sharded = itertools.islice(sharded, dist.get_rank(), None, dist.get_world_size())
    worker = torch.utils.data.get_worker_info()
    if worker is not None:
        sharded = itertools.islice(sharded, worker.id, None, worker.num_workers)
    return sharded


def require_instances(instances: Iterable[_T], path) -> Iterator[_T]:
    """
    `instances`, and an `InputError` naming `path` at the end if there were none, unless this
    process reads only a shard of the file (a distributed or data-loader worker may get none).
    """
    count = 0
    for instance in instances:
        count += 1
        yield instance
    if count == 0 and not is_distributed() and torch.utils.data.get_worker_info() is None:
        raise InputError("no instances: the file is empty, or none of its rows is in the configured split", path)
