"""
Writing the ELMo vectors of every sentence of a file to HDF5: the engine of the
`allennlp elmo-embed` command (AllenNLP 0.9's `allennlp elmo`, which 2.x removed).

The output file holds one dataset per input sentence, keyed by the 0-based index of the
sentence's line in the input (for CSV, of the line where its record starts; the header is
line 0), a `sentence_to_index` dataset with the JSON object `{sentence text: key}`, and
root attributes recording how the file was made (`options_sha256`, `weights_sha256`,
`input_sha256`, `output_mode`, ...).

Writing is resumable and never leaves a half-written output: vectors go to
`OUTPUT.partial`, flushed after every batch together with a ledger of the finished keys,
and the file is renamed to `OUTPUT` only when complete. A rerun on the same input and
settings keeps the finished sentences of a `.partial` and computes only the missing ones.
"""
import errno
import itertools
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import h5py
import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.tqdm import Tqdm
from allennlp.modules.elmo import batch_to_ids

from sst_elmo.common.file_utils import atomic_file, file_sha256, publish
from sst_elmo.elmo.embedding.sentence_input import DEFAULT_COLUMN, FORMATS, Sentence, infer_format, read_sentences
from sst_elmo.elmo.files.checks import check_elmo_files
from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner

logger = logging.getLogger(__name__)

OUTPUT_MODES = ("all", "top", "average", "mean-pooled", "pooled")
DEFAULT_BATCH_SIZE = 64
DEFAULT_CHUNK_SIZE = 10_000
SENTENCE_TO_INDEX = "sentence_to_index"
PARTIAL_SUFFIX = ".partial"
# Line indices of the sentences whose vectors are flushed to a `.partial`; removed when done.
_LEDGER = "_finished_lines"
_FILE_LAYOUT = 1


@dataclass
class EmbeddingReport:
    """
    What one `embed_file` call did.

    # Parameters

    total : `int`
        Sentences in the input.
    reused : `int`
        Sentences whose vectors were already in a `.partial` from an earlier run.
    computed : `int`
        Sentences embedded by this call.
    complete : `bool`
        Whether the output file was written (`False` when `max_sentences` stopped the call
        early; the `.partial` is then left for a later call to finish).
    path : `str`
        The output file when complete, else the `.partial`.
    """

    total: int
    reused: int
    computed: int
    complete: bool
    path: str


class ElmoLayerEmbedder:
    """
    The activations of every layer of a pre-trained biLM (AllenNLP's `_ElmoBiLm`) for
    batches of tokenized sentences, with the LSTM state reset before every batch, so that a
    sentence's vectors depend on the sentence alone (not on the batch, nor what came before).

    # Parameters

    options_file : `str`
        ELMo JSON options file.
    weight_file : `str`
        ELMo HDF5 weight file.
    cuda_device : `int`, optional (default = `-1`)
        The GPU to run on; `-1` for the CPU.
    fast_forward : `bool`, optional (default = `True`)
        Run the biLM's weights with `FastElmoBiLm` (the same numbers as AllenNLP's `_ElmoBiLm`
        within 1e-4, several times faster; see docs/speed.md); `False` runs
        AllenNLP's `_ElmoBiLm` itself.
    """

    def __init__(
        self, options_file: str, weight_file: str, cuda_device: int = -1, fast_forward: bool = True
    ) -> None:
        check_elmo_files(options_file, weight_file)
        self._runner = BiLmRunner(options_file, weight_file, fast_forward=fast_forward)
        self._device = torch.device("cpu") if cuda_device < 0 else torch.device("cuda", cuda_device)
        self._runner.bilm.to(self._device)
        self.num_layers: int = self._runner.bilm.num_layers
        self.dim: int = self._runner.bilm.get_output_dim()

    def embed_batch(self, batch: List[List[str]]) -> List[numpy.ndarray]:
        """
        # Parameters

        batch : `List[List[str]]`
            Tokenized sentences, none of them empty.

        # Returns

        One float32 array per sentence, shape `(num_layers, n_tokens, dim)`.
        """
        # Shape: (batch_size, max_tokens, 50)
        character_ids = batch_to_ids(batch).numpy()
        # Each shape: (num_layers, n_tokens + 2, dim), with BOS/EOS, from zero LSTM states.
        activations = self._runner.compute(
            [character_ids[i, : len(tokens)] for i, tokens in enumerate(batch)], self._device
        )
        return [layers[:, 1:-1] for layers in activations]


POOLINGS = ("mean", "max")
LAYER_COMBINATIONS = ("concatenate", "average")


@dataclass(frozen=True)
class SentenceFeatures:
    """
    One vector per sentence from its biLM activations, as a feature-based classifier uses
    them: the chosen layers, each pooled over the tokens, concatenated. This is what
    `output_mode="pooled"` stores (the tutorial's `"mean-pooled"` is
    `SentenceFeatures(combine="average")`).

    The vector is `concatenate([pool(layer) for pool in pooling for layer in chosen])` when
    `combine == "concatenate"`, and `concatenate([pool(mean of chosen) for pool in pooling])`
    when `combine == "average"`; its size is `len(pooling) * dim`, times the number of
    chosen layers when they are concatenated.

    # Parameters

    layers : `Tuple[int, ...]`, optional (default = `None`)
        Layer indices, 0 the character layer, negative from the top (`(-1,)` the top layer);
        `None` every layer.
    combine : `str`, optional (default = `"concatenate"`)
        `"concatenate"` the chosen layers, or `"average"` them.
    pooling : `Tuple[str, ...]`, optional (default = `("mean",)`)
        `"mean"` and/or `"max"` over the tokens, in this order.
    """

    layers: Optional[Tuple[int, ...]] = None
    combine: str = "concatenate"
    pooling: Tuple[str, ...] = ("mean",)

    def __post_init__(self) -> None:
        if self.combine not in LAYER_COMBINATIONS:
            raise ConfigurationError(f"combine must be one of {LAYER_COMBINATIONS}, not {self.combine!r}")
        if not self.pooling or any(pool not in POOLINGS for pool in self.pooling) or (
            len(set(self.pooling)) != len(self.pooling)
        ):
            raise ConfigurationError(f"pooling must be distinct names of {POOLINGS}, not {self.pooling!r}")
        if self.layers is not None and (not self.layers or len(set(self.layers)) != len(self.layers)):
            raise ConfigurationError(f"layers must be distinct indices, not {self.layers!r}")

    @classmethod
    def parse(cls, layers: str = "all", combine: str = "concatenate", pooling: str = "mean") -> "SentenceFeatures":
        """From the command line's words: `layers` `"all"`, `"top"` or indices `"0,2"`; `pooling` `"mean,max"`."""
        named = {"all": None, "top": (-1,)}
        if layers in named:
            return cls(named[layers], combine, tuple(pool.strip() for pool in pooling.split(",")))
        try:
            chosen = tuple(int(index) for index in layers.split(","))
        except ValueError:
            raise ConfigurationError(f"layers: 'all', 'top' or indices ('0,2'), not {layers!r}") from None
        return cls(chosen, combine, tuple(pool.strip() for pool in pooling.split(",")))

    def chosen(self, num_layers: int) -> List[int]:
        """The layer indices (0-based) of a biLM with `num_layers` layers."""
        if self.layers is None:
            return list(range(num_layers))
        if any(not -num_layers <= index < num_layers for index in self.layers):
            raise ConfigurationError(f"layers {list(self.layers)}: the biLM has {num_layers} layers")
        return [index % num_layers for index in self.layers]

    def __call__(self, activations: numpy.ndarray) -> numpy.ndarray:
        """The vector of one sentence's activations, shape `(num_layers, n_tokens, dim)`."""
        # Shape: (n_chosen, n_tokens, dim), or (1, n_tokens, dim) averaged.
        layers = activations[self.chosen(activations.shape[0])]
        if self.combine == "average":
            layers = layers.mean(axis=0, keepdims=True)
        pools = {"mean": lambda: layers.mean(axis=1), "max": lambda: layers.max(axis=1)}
        # Shape: (len(pooling) * n_layers * dim,)
        return numpy.concatenate([pools[pool]().reshape(-1) for pool in self.pooling])

    def settings(self) -> Dict[str, Any]:
        return {"layers": None if self.layers is None else list(self.layers), "combine": self.combine,
                "pooling": list(self.pooling)}


MEAN_POOLED = SentenceFeatures(combine="average")
SENTENCE_VECTOR_MODES = ("pooled", "mean-pooled")


def reduce_layers(
    activations: numpy.ndarray, output_mode: str, features: SentenceFeatures = SentenceFeatures()
) -> numpy.ndarray:
    """
    What `output_mode` stores of one sentence's activations, shape `(num_layers, n_tokens, dim)`:
    `"all"` all of them; `"top"` the top layer, `(n_tokens, dim)`; `"average"` the mean of
    the layers, `(n_tokens, dim)`; `"mean-pooled"` the mean over tokens of that, `(dim,)`;
    `"pooled"` the vector of `features` (a `SentenceFeatures`).
    """
    if output_mode == "all":
        return activations
    if output_mode == "top":
        return activations[-1]
    if output_mode == "average":
        return activations.mean(axis=0)
    if output_mode == "mean-pooled":
        return MEAN_POOLED(activations)
    if output_mode == "pooled":
        return features(activations)
    raise ConfigurationError(f"output mode must be one of {OUTPUT_MODES}, not {output_mode!r}")


def embed_file(
    input_path: str, output_path: str, options_file: str, weight_file: str, input_format: Optional[str] = None,
    column: str = DEFAULT_COLUMN, output_mode: str = "all", batch_size: int = DEFAULT_BATCH_SIZE,
    cuda_device: int = -1, tokenized: bool = False, clean_tweets: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE, max_sentences: Optional[int] = None,
    features: Optional[SentenceFeatures] = None, standardize: bool = False,
) -> EmbeddingReport:
    """
    Writes the ELMo vectors of every sentence of `input_path` to the HDF5 file `output_path`
    (see the module's docstring for the layout).

    The input is read twice, streaming: once to check all of it (a bad line raises an
    `InputError` before any output file appears), then in chunks of `chunk_size` sentences,
    each sorted by length and embedded in batches of `batch_size`, so memory does not grow
    with the input. Work goes to `output_path + ".partial"`, flushed after every batch; a
    killed run loses at most that batch. A `.partial` made from the same input, biLM and
    settings is resumed; one made otherwise, or unreadable, is replaced (with a warning).

    # Parameters

    input_format : `str`, optional
        `"text"`, `"jsonl"` or `"csv"`; by default from the extension (`infer_format`).
    column, tokenized, clean_tweets
        See `read_sentences`.
    output_mode : `str`, optional (default = `"all"`)
        See `reduce_layers`.
    max_sentences : `int`, optional
        Embed at most this many sentences in this call, then stop, leaving the `.partial`
        unless it is complete (to split long jobs, and for tests).
    features : `SentenceFeatures`, optional
        The vector of `output_mode="pooled"` (default: every layer concatenated, mean-pooled).
    standardize : `bool`, optional (default = `False`)
        With one vector per sentence (`"pooled"`, `"mean-pooled"`): store each standardised,
        `(vector - mean) / sd` per dimension over the file's sentences, with the mean and sd in
        the root attributes `feature_mean` and `feature_scale` (to transform other sentences
        alike). Under cross-validation, standardise inside the training folds instead.
    """
    settings = _settings(input_path, options_file, weight_file, input_format, column, output_mode, tokenized,
                         clean_tweets, features, standardize)
    if batch_size < 1 or chunk_size < 1:
        raise ConfigurationError("batch size and chunk size must be positive")
    features = features or SentenceFeatures()

    def sentences() -> Iterator[Sentence]:
        return read_sentences(input_path, settings["format"], column, tokenized, clean_tweets)

    # Pass 1: check the whole input before anything is written.
    sentence_to_index, total = _index_sentences(sentences())
    embedder = ElmoLayerEmbedder(options_file, weight_file, cuda_device)
    if output_mode == "pooled":
        features.chosen(embedder.num_layers)  # raises before any output for layers the biLM lacks
    os.makedirs(os.path.dirname(os.path.abspath(output_path)), exist_ok=True)
    partial_path = output_path + PARTIAL_SUFFIX
    out, finished = _open_partial(partial_path, settings)
    try:
        out.attrs.update({"input_file": str(input_path), "options_file": str(options_file),
                          "weight_file": str(weight_file), "n_layers": embedder.num_layers, "dim": embedder.dim})
        reused = len(finished)
        if reused:
            logger.info(f"Resuming {partial_path}: {reused} of {total} sentences already embedded.")
        missing = (sentence for sentence in sentences() if sentence.index not in finished)
        to_compute = total - reused if max_sentences is None else min(total - reused, max_sentences)
        computed = _embed_sentences(embedder, itertools.islice(missing, to_compute), to_compute, out,
                                    lambda layers: reduce_layers(layers, output_mode, features),
                                    batch_size, chunk_size)
        complete = reused + computed == total
        if complete:
            _finish(out, sentence_to_index)
    finally:
        out.close()
    if not complete:
        return EmbeddingReport(total, reused, computed, False, partial_path)
    if standardize:
        _write_standardized(partial_path, output_path)
        os.remove(partial_path)
    else:
        publish(partial_path, output_path, sync=True)
    return EmbeddingReport(total, reused, computed, True, output_path)


def _index_sentences(sentences: Iterable[Sentence]) -> Tuple[Dict[str, str], int]:
    """`{text: key}` of the sentences (the last key of a repeated text), and how many there are."""
    sentence_to_index: Dict[str, str] = {}
    total = 0
    for sentence in sentences:
        sentence_to_index[sentence.text] = str(sentence.index)
        total += 1
    return sentence_to_index, total


def _settings(
    input_path: str, options_file: str, weight_file: str, input_format: Optional[str], column: str,
    output_mode: str, tokenized: bool, clean_tweets: bool, features: Optional[SentenceFeatures], standardize: bool,
) -> Dict[str, Any]:
    """Checks `embed_file`'s arguments; returns what a resumable `.partial` must have been made with."""
    input_format = input_format or infer_format(input_path)
    if input_format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, not {input_format!r}")
    if output_mode not in OUTPUT_MODES:
        raise ConfigurationError(f"output mode must be one of {OUTPUT_MODES}, not {output_mode!r}")
    if features is not None and output_mode != "pooled":
        raise ConfigurationError(f"sentence features (layers, combine, pooling) need output mode 'pooled', "
                                 f"not {output_mode!r}")
    if standardize and output_mode not in SENTENCE_VECTOR_MODES:
        raise ConfigurationError(f"standardize needs one vector per sentence (output mode "
                                 f"{SENTENCE_VECTOR_MODES}), not {output_mode!r}")
    settings = {
        "layout": _FILE_LAYOUT,
        "input_sha256": file_sha256(input_path),
        "options_sha256": file_sha256(options_file),
        "weights_sha256": file_sha256(weight_file),
        "output_mode": output_mode,
        "format": input_format,
        "column": column if input_format == "csv" else None,
        "tokenized": tokenized,
        "clean_tweets": clean_tweets if input_format == "csv" else False,
    }
    if output_mode == "pooled":
        settings["features"] = (features or SentenceFeatures()).settings()
    if standardize:
        settings["standardize"] = True
    return settings


def _embed_sentences(
    embedder: ElmoLayerEmbedder, sentences: Iterable[Sentence], total: int, out: h5py.File,
    reduce: Callable[[numpy.ndarray], numpy.ndarray], batch_size: int, chunk_size: int,
) -> int:
    """Embeds `sentences` (chunks sorted by length, then batches) into `out`; returns how many."""
    computed = 0
    with Tqdm.tqdm(total=total, desc="elmo-embed", unit="sentences") as progress:
        for chunk in _chunks(sentences, chunk_size):
            chunk.sort(key=lambda sentence: len(sentence.tokens), reverse=True)
            for start in range(0, len(chunk), batch_size):
                batch = chunk[start : start + batch_size]
                vectors = embedder.embed_batch([sentence.tokens for sentence in batch])
                _write_batch(out, batch, [reduce(activations) for activations in vectors])
                computed += len(batch)
                progress.update(len(batch))
    return computed


def _write_standardized(partial_path: str, output_path: str) -> None:
    """
    Writes `output_path` (all or nothing, `atomic_file`) from the finished `.partial` of raw
    sentence vectors: each vector standardised per dimension, the mean and sd in the root
    attributes `feature_mean` and `feature_scale` (a dimension with sd 0 keeps scale 1).
    """
    with h5py.File(partial_path, "r") as raw:
        keys = [key for key in raw if key.isdigit()]
        # Shape: (num_sentences, feature_dim)
        vectors = numpy.stack([raw[key][()] for key in keys]).astype(numpy.float64)
        mean, scale = vectors.mean(axis=0), vectors.std(axis=0)
        scale[scale == 0.0] = 1.0
        with atomic_file(output_path, "w+b", sync=True) as handle, h5py.File(handle, "w") as out:
            out.attrs.update(dict(raw.attrs))
            out.attrs["feature_mean"] = mean.astype(numpy.float32)
            out.attrs["feature_scale"] = scale.astype(numpy.float32)
            for key, vector in zip(keys, vectors):
                out.create_dataset(key, data=((vector - mean) / scale).astype(numpy.float32))
            out.create_dataset(SENTENCE_TO_INDEX, data=raw[SENTENCE_TO_INDEX][()], dtype=h5py.string_dtype())


def _chunks(sentences: Iterable[Sentence], size: int) -> Iterator[List[Sentence]]:
    iterator = iter(sentences)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


def _write_batch(out: h5py.File, batch: List[Sentence], vectors: List[numpy.ndarray]) -> None:
    """Writes and flushes a batch's vectors, then records their keys in the ledger and flushes."""
    for sentence, vector in zip(batch, vectors):
        key = str(sentence.index)
        if key in out:  # written by a killed run after its last ledger flush
            del out[key]
        out.create_dataset(key, data=numpy.asarray(vector, dtype=numpy.float32))
    out.flush()
    ledger = out[_LEDGER]
    start = ledger.shape[0]
    ledger.resize((start + len(batch),))
    ledger[start:] = [sentence.index for sentence in batch]
    out.flush()


def _finish(out: h5py.File, sentence_to_index: Dict[str, str]) -> None:
    """Adds `sentence_to_index` (as AllenNLP 0.9 did) and removes the ledger."""
    if SENTENCE_TO_INDEX in out:
        del out[SENTENCE_TO_INDEX]
    dataset = out.create_dataset(SENTENCE_TO_INDEX, (1,), dtype=h5py.string_dtype())
    dataset[0] = json.dumps(sentence_to_index)
    if _LEDGER in out:
        del out[_LEDGER]
    out.flush()


def _open_partial(path: str, settings: dict) -> Tuple[h5py.File, Set[int]]:
    """
    Opens the `.partial` at `path` to resume it, returning the line indices it has finished,
    or starts a new one when there is none, or it was made from other input or settings, or
    it cannot be read.
    """
    if os.path.exists(path):
        try:
            out = h5py.File(path, "r+")
        except OSError as error:
            if error.errno == errno.EAGAIN or "unable to lock file" in str(error):
                raise ConfigurationError(
                    f"{path} is open in another process (is another elmo-embed writing it?)"
                ) from None
            logger.warning(f"Starting over: cannot read the unfinished {path} ({error}).")
        else:
            try:
                finished = _resumable(out, settings)
            except Exception as error:  # noqa: B902 - any damage means starting over
                out.close()
                logger.warning(f"Starting over: the unfinished {path} is damaged ({error!r}).")
            else:
                if finished is not None:
                    return out, finished
                out.close()
                logger.warning(f"Starting over: {path} was made from other input, biLM or settings.")
        os.remove(path)
    out = h5py.File(path, "w")
    out.attrs.update({key: _attribute(value) for key, value in settings.items()})
    out.attrs["settings"] = json.dumps(settings, sort_keys=True)
    out.create_dataset(_LEDGER, shape=(0,), maxshape=(None,), dtype=numpy.int64, chunks=(4096,))
    out.flush()
    return out, set()


def _resumable(out: h5py.File, settings: dict) -> Optional[Set[int]]:
    """The finished line indices of an open `.partial`, or `None` if its settings differ."""
    if json.loads(out.attrs["settings"]) != settings:
        return None
    if _LEDGER in out:
        finished = {int(index) for index in out[_LEDGER][:]}
    else:  # finished, but killed before the rename
        out[SENTENCE_TO_INDEX][0]  # noqa: B018 - raises if there is none
        finished = {int(key) for key in out if key.isdigit()}
    for index in finished:
        out[str(index)].shape  # noqa: B018 - raises on a damaged entry
    return finished


def _attribute(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else value

