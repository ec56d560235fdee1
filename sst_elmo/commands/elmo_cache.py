"""
The `elmo-cache` subcommand: warm the ELMo activation cache of an experiment config, so
that training with `cached_elmo` (`SST_ELMO_CACHE=1`) never waits for the biLM.

    $ SST_ELMO_CACHE=1 allennlp elmo-cache configs/sst5_elmo.jsonnet
"""
import argparse
import logging
from typing import Dict, Iterator, Optional, Sequence, Tuple

import numpy
import torch
from allennlp.commands.subcommand import Subcommand
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.data import DatasetReader, Vocabulary
from allennlp.data.fields import TextField
from overrides import overrides

from sst_elmo.commands.subcommand import PluginSubcommand
from sst_elmo.elmo.cache.activation_cache import STORAGE_DTYPES, ElmoActivationCache
from sst_elmo.elmo.cache.cache_fill import DEFAULT_FILL_BATCH_SIZE, fill_cache
from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner

logger = logging.getLogger(__name__)

ELMO_EMBEDDERS = ("cached_elmo", "stateless_elmo")
DATA_KEYS = ("train_data_path", "validation_data_path", "test_data_path")


@Subcommand.register("elmo-cache")
class ElmoCache(PluginSubcommand):
    """
    Fills the ELMo activation cache for every sentence that an experiment config reads:
    its training, validation and test data, each read with the config's own dataset reader
    (validation and test with `validation_dataset_reader` when there is one), so the cache
    keys are exactly those that training will look up. Only missing entries are computed,
    longest sentences first in batches; a progress bar shows the sentences left.

    The config's ELMo embedder (`cached_elmo`, or `stateless_elmo`, whose numbers are the
    same) gives the options and weight files and the cache directory.

    Registered as a `Subcommand` with name "elmo-cache".
    """

    description = (
        "Fill the ELMo activation cache (cached_elmo) for the train, validation and "
        "test data of an experiment config, read with the config's dataset readers."
    )

    @overrides
    def add_arguments(self, subparser: argparse.ArgumentParser) -> None:
        subparser.add_argument("config", type=str, help="an experiment config (.jsonnet)")
        subparser.add_argument(
            "-o", "--overrides", type=str, default="", help="a JSON(NET) structure overriding the config"
        )
        subparser.add_argument(
            "--cache-dir", type=str, default=None, help="the cache root (default: the config's, else "
            "$SST_ELMO_CACHE_DIR, else ~/.cache/sst_elmo/elmo)"
        )
        subparser.add_argument(
            "--data", type=str, nargs="+", choices=DATA_KEYS, default=list(DATA_KEYS),
            help="which of the config's data paths to read (default: all it has)",
        )
        subparser.add_argument(
            "--batch-size", type=int, default=DEFAULT_FILL_BATCH_SIZE, help="sentences per biLM batch"
        )
        subparser.add_argument("--cuda-device", type=int, default=-1, help="the GPU to use; -1 for the CPU")

    @overrides
    def run(self, args: argparse.Namespace) -> None:
        _fill_from_args(args)


def _fill_from_args(args: argparse.Namespace) -> None:
    written, cache = fill_from_config(
        args.config, args.overrides, args.cache_dir, args.data, args.batch_size, args.cuda_device
    )
    entries, size = cache.size()
    print(
        f"Computed {written} new ELMo cache entries; "
        f"{entries} entries, {size / 2**20:.1f} MiB in {cache.directory}."
    )


def fill_from_config(
    config: str,
    overrides: str = "",
    cache_dir: Optional[str] = None,
    data_keys: Sequence[str] = DATA_KEYS,
    batch_size: int = DEFAULT_FILL_BATCH_SIZE,
    cuda_device: int = -1,
) -> Tuple[int, ElmoActivationCache]:
    """
    Fills the cache of `config`'s ELMo embedder(s) for its data (see `ElmoCache`). Returns the
    number of entries computed and the cache.
    """
    params = Params.from_file(config, overrides)
    embedders = _elmo_embedders(params, config)
    readers = {"train_data_path": params.get("dataset_reader").duplicate()}
    validation = params.get("validation_dataset_reader", None)
    for key in ("validation_data_path", "test_data_path"):
        readers[key] = (validation or params.get("dataset_reader")).duplicate()
    device = torch.device("cpu") if cuda_device < 0 else torch.device("cuda", cuda_device)
    written = 0
    cache = None
    for name, embedder in embedders.items():
        cache = ElmoActivationCache(
            embedder["options_file"],
            embedder["weight_file"],
            cache_dir or embedder.get("cache_dir"),
            embedder.get("storage_dtype", "float32"),
        )
        runner = BiLmRunner(
            embedder["options_file"], embedder["weight_file"], fast_forward=embedder.get("fast_forward", True)
        )
        for key in data_keys:
            path = params.get(key, None)
            if path is None:
                continue
            logger.info(f"Filling the ELMo cache for {key} {path} (indexer {name!r}).")
            reader = DatasetReader.from_params(readers[key].duplicate())
            sequences = _character_ids(reader, path, name)
            written += fill_cache(cache, runner, sequences, batch_size, device)
        entries, size = cache.size()
        logger.info(f"ELMo cache of {name!r}: {entries} entries, {size / 2**20:.1f} MiB in {cache.directory}")
    assert cache is not None
    return written, cache


def _elmo_embedders(params: Params, config: str) -> Dict[str, dict]:
    try:
        embedders = params.get("model").get("text_field_embedder").get("token_embedders").as_dict(quiet=True)
    except ConfigurationError:
        embedders = {}
    found = {
        name: embedder for name, embedder in embedders.items()
        if isinstance(embedder, dict) and embedder.get("type") in ELMO_EMBEDDERS
    }
    if not found:
        raise ConfigurationError(
            f"{config}: model.text_field_embedder.token_embedders has no ELMo embedder of type "
            f"{' or '.join(ELMO_EMBEDDERS)} to fill a cache for"
        )
    for name, embedder in found.items():
        dtype = embedder.get("storage_dtype", "float32")
        if dtype not in STORAGE_DTYPES:
            raise ConfigurationError(
                f"{config}: token_embedders.{name}.storage_dtype must be one of {STORAGE_DTYPES}"
            )
    return found


def _character_ids(reader: DatasetReader, path: str, indexer_name: str) -> Iterator[numpy.ndarray]:
    """The ELMo character ids, `(num_tokens, 50)`, of every text field indexed by `indexer_name`."""
    vocab = Vocabulary()
    for instance in reader.read(path):
        reader.apply_token_indexers(instance)
        for field in instance.fields.values():
            if isinstance(field, TextField) and indexer_name in field.token_indexers:
                indexer = field.token_indexers[indexer_name]
                indices = indexer.tokens_to_indices(field.tokens, vocab)
                yield numpy.asarray(indices["elmo_tokens"], dtype=numpy.int64).reshape(-1, 50)
