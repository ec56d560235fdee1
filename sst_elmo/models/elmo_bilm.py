import json
import logging
import math
from typing import Any, Dict, List, Optional, Union

import numpy
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.common.file_utils import cached_path
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models.model import Model
from allennlp.modules.elmo import _ElmoBiLm
from allennlp.modules.sampled_softmax_loss import SampledSoftmaxLoss
from allennlp.nn.util import add_sentence_boundary_token_ids, dist_reduce_sum
from overrides import overrides

from sst_elmo.common.cpu import native_bf16
from sst_elmo.common.errors import InputError
from sst_elmo.elmo.files.build import build_bilm
from sst_elmo.elmo.files.checks import check_options
from sst_elmo.elmo.files.export import read_vocab, read_weights
from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm

logger = logging.getLogger(__name__)

# Softmax classes, in the order of a bilm-tf `vocab.txt`: `<S>`, `</S>`, `<UNK>` and then the
# words of the vocabulary namespace. Word id k >= 1 of the namespace (1 is AllenNLP's
# @@UNKNOWN@@) is class k + 1; the padding id 0 is never a target.
BOS_CLASS = 0
EOS_CLASS = 1
BILM_TF_SPECIAL_TOKENS = ("<S>", "</S>", "<UNK>")


def resolve_bf16(bf16: Union[bool, str], fast_forward: bool = True) -> bool:
    """
    `elmo_bilm`'s `bf16` as a boolean: `True`/`False` as given, `"auto"` true only with
    `fast_forward` on hardware with native bfloat16 matrix products (`native_bf16` on the CPU;
    `torch.cuda.is_bf16_supported()` where CUDA is available).
    """
    if isinstance(bf16, bool):
        return bf16
    if bf16 != "auto":
        raise ConfigurationError(f"elmo_bilm: bf16 must be true, false or \"auto\", not {bf16!r}")
    if not fast_forward:
        return False
    if torch.cuda.is_available():
        chosen = torch.cuda.is_bf16_supported()
    else:
        chosen = native_bf16()
    logger.info("elmo_bilm: bf16 \"auto\" chose %s", "bfloat16" if chosen else "float32")
    return chosen


@Model.register("elmo_bilm")
class ElmoBiLm(Model):
    """
    Pre-trains (or continues pre-training) an ELMo bidirectional language model built from
    AllenNLP's own ELMo blocks, so that what it learns can be written in the bilm-tf weight
    layout (`sst_elmo.elmo.files.export`) and read back by `allennlp.modules.elmo.Elmo`.

    The network is an `_ElmoBiLm`, exactly what `Elmo` runs: the character CNN + highway +
    projection (`_ElmoCharacterEncoder`, which adds `<S>` and `</S>` around each sentence)
    and `ElmoLstm` (separate forward and backward stacks of `LstmCellWithProjection`, with
    cell and projection clipping and skip connections between layers). The top layer's
    forward half predicts the next token (`<S>` predicts the first word, the last word
    predicts `</S>`) and its backward half the previous one, through one softmax over the
    vocabulary namespace `lm_words` that both directions share, as in bilm-tf. Softmax
    classes are ordered as in a bilm-tf `vocab.txt` (`<S>`, `</S>`, `<UNK>`, the words), so
    the exported softmax needs no reordering.

    The biLM is stateless: the LSTM states are reset for every batch, so each sentence is
    read from zero states, as `stateless_elmo` later embeds it.

    Initialisation: the weights are always loaded through AllenNLP's own loaders
    (`_ElmoBiLm` reads an options file and a bilm-tf hdf5 file), so a model and the files
    it exports are related by exactly those loaders. Without a `weight_file`, random weights
    in the bilm-tf layout are written to a temporary file first (see `initial_weights`):
    Glorot-normal matrices (std `sqrt(2 / (fan_in + fan_out))`), zero biases, highway carry
    bias -2 (bilm-tf's choice: start close to the identity), character embeddings with
    std 0.5, and zero LSTM bias: TensorFlow's `LSTMCell` adds its `forget_bias=1.0` at run
    time, which AllenNLP's loader folds into the bias, so the forget gates start at +1. The
    seed comes from torch's generator, so the config's `pytorch_seed` fixes it. With a
    `weight_file` (e.g. a published ELMo) training continues from those weights.

    Note that `options_file` and `weight_file` are read again whenever the model is built
    from its config, loading an archive included (the archived parameters then replace the
    weights); inline `options` need no file.

    Registered as a `Model` with name "elmo_bilm".

    # Parameters

    vocab : `Vocabulary`
        Its `vocab_namespace` gives the softmax vocabulary (size it with the config's
        `vocabulary.min_count` / `max_vocab_size`).
    options : `Dict[str, Any]`, optional
        The architecture, with the schema of an ELMo `options.json` (`char_cnn`, `lstm`).
    options_file : `str`, optional
        The same, from a file. Exactly one of `options` and `options_file` is required.
    weight_file : `str`, optional
        A bilm-tf hdf5 file to start from; random initialisation without it.
    num_samples : `int`, optional
        Train with AllenNLP's `SampledSoftmaxLoss` with this many negative samples (log-uniform
        over class ids, which suits a frequency-sorted vocabulary); evaluation always uses the
        full softmax. Without it, a full softmax (a `Linear` layer) is used throughout.
    dropout : `float`, optional (default = `0.1`)
        Dropout on the character-CNN output (the LSTM input) and on the top LSTM layer's output
        (the softmax input), during training only.
    vocab_namespace : `str`, optional (default = `"lm_words"`)
    character_indexer : `str`, optional (default = `"elmo"`)
        The `tokens` indexer with `elmo_characters` ids.
    word_indexer : `str`, optional (default = `"words"`)
        The `tokens` indexer with `single_id` ids in `vocab_namespace` (the targets).
    output_activations : `bool`, optional (default = `False`)
        Also return the biLM layer activations (for use as an embedder).
    fast_forward : `bool`, optional (default = `True`)
        Run the biLM's weights with `sst_elmo.elmo.runtime.fast_bilm.FastElmoBiLm`, in training too
        (the character CNN once per distinct word of a batch, each layer's input projections
        as one product, both directions in one scripted loop); the same loss and gradients as
        AllenNLP's modules within 1e-5 in float32, about twice as fast. `False` runs
        `_ElmoBiLm`'s own modules. The same switch as `cached_elmo`'s `fast_forward`.
        Either way the parameters are those of the `_ElmoBiLm`, so archives and exports do
        not depend on it.
    bf16 : `Union[bool, str]`, optional (default = `False`)
        With `fast_forward`, run the matrix products in bfloat16 (autocast); the loss moves by about
        1e-2. Parameters, optimizer state and the softmax stay in float32. `"auto"`: bfloat16
        where the hardware multiplies it natively (a CPU with AVX-512 BF16 or AMX, or a CUDA
        GPU that supports it), float32 elsewhere: on an AVX2-only CPU bfloat16 products are
        emulated, far slower than float32 (see `resolve_bf16`).
    """

    def __init__(
        self,
        vocab: Vocabulary,
        options: Optional[Dict[str, Any]] = None,
        options_file: Optional[str] = None,
        weight_file: Optional[str] = None,
        num_samples: Optional[int] = None,
        dropout: float = 0.1,
        vocab_namespace: str = "lm_words",
        character_indexer: str = "elmo",
        word_indexer: str = "words",
        output_activations: bool = False,
        fast_forward: bool = True,
        bf16: Union[bool, str] = False,
        **kwargs,
    ) -> None:
        super().__init__(vocab, **kwargs)
        if (options is None) == (options_file is None):
            raise ConfigurationError("elmo_bilm needs exactly one of 'options' and 'options_file'")
        if options is None:
            with open(cached_path(options_file), encoding="utf-8") as handle:
                options = json.load(handle)
        check_options(options, options_file)
        self._options: Dict[str, Any] = {"char_cnn": options["char_cnn"], "lstm": options["lstm"]}
        self._bilm = build_bilm(self._options, weight_file)
        bf16 = resolve_bf16(bf16, fast_forward)
        if bf16 and not fast_forward:
            raise ConfigurationError("elmo_bilm: bf16 needs fast_forward=true")
        # Not a submodule: it runs the `_ElmoBiLm`'s own parameters (state_dict unchanged).
        self._fast: Optional[FastElmoBiLm] = None
        if fast_forward:
            self.__dict__["_fast"] = FastElmoBiLm(self._bilm, autocast_bf16=bf16, word_memo_size=0)
        projection_dim = self._options["lstm"]["projection_dim"]

        self._vocab_namespace = vocab_namespace
        self._character_indexer = character_indexer
        self._word_indexer = word_indexer
        self._output_activations = output_activations
        self._dropout = torch.nn.Dropout(dropout)
        # Shape: classes = <S>, </S>, then the namespace less its padding id.
        self.num_classes = vocab.get_vocab_size(vocab_namespace) + 1
        self._softmax: Optional[torch.nn.Linear] = None
        self._sampled_softmax: Optional[SampledSoftmaxLoss] = None
        if num_samples is None:
            self._softmax = torch.nn.Linear(projection_dim, self.num_classes)
            torch.nn.init.normal_(self._softmax.weight, std=1.0 / math.sqrt(projection_dim))
            torch.nn.init.zeros_(self._softmax.bias)
        else:
            if not 0 < num_samples < self.num_classes:
                raise ConfigurationError(
                    f"num_samples must be in [1, {self.num_classes}) for this vocabulary "
                    f"({self.num_classes} softmax classes), not {num_samples}"
                )
            self._sampled_softmax = SampledSoftmaxLoss(
                self.num_classes, projection_dim, num_samples, sparse=False
            )

        # Running sums over an epoch: negative log likelihoods and target count.
        self._forward_nll = 0.0
        self._backward_nll = 0.0
        self._num_targets = 0.0
        self._num_words = 0.0

    @property
    def options(self) -> Dict[str, Any]:
        """The `options.json` content (`char_cnn`, `lstm`) of this biLM."""
        return json.loads(json.dumps(self._options))

    @property
    def bilm(self) -> _ElmoBiLm:
        """The character CNN + biLSTM, the same module as `Elmo._elmo_lstm`."""
        return self._bilm

    @property
    def vocab_namespace(self) -> str:
        return self._vocab_namespace

    @property
    def fast(self) -> Optional[FastElmoBiLm]:
        """The `FastElmoBiLm` running the biLM (`None` with `fast_forward=False`)."""
        return self._fast

    @property
    def num_samples(self) -> Optional[int]:
        """Negative samples of the sampled softmax (`None`: the full softmax)."""
        return self._sampled_softmax._num_samples if self._sampled_softmax is not None else None

    def softmax_parameters(self) -> Dict[str, torch.Tensor]:
        """The shared softmax: `W` `(num_classes, projection_dim)` and `b` `(num_classes,)`."""
        if self._softmax is not None:
            return {"W": self._softmax.weight, "b": self._softmax.bias}
        assert self._sampled_softmax is not None
        return {"W": self._sampled_softmax.softmax_w, "b": self._sampled_softmax.softmax_b}

    def class_tokens(self) -> List[str]:
        """The token of each softmax class, as in a bilm-tf `vocab.txt`."""
        words = [
            self.vocab.get_token_from_index(index, self._vocab_namespace)
            for index in range(2, self.vocab.get_vocab_size(self._vocab_namespace))
        ]
        return list(BILM_TF_SPECIAL_TOKENS) + words

    def bilm_outputs(self, character_ids: torch.Tensor) -> Dict[str, Any]:
        """
        Runs the biLM from zero states, as `_ElmoBiLm.forward` does (with this model's
        dropout while training).

        # Parameters

        character_ids : `torch.Tensor`
            Shape `(batch_size, num_tokens, 50)`, from `elmo_characters`.

        # Returns

        `activations`: a list of `num_layers + 1` tensors, each
        `(batch_size, num_tokens + 2, 2 * projection_dim)` (the character layer repeated for
        both directions, then each LSTM layer, forward half first), `mask`
        `(batch_size, num_tokens + 2)`, as `_ElmoBiLm` returns them.
        """
        if self._fast is not None:
            fast = self._fast
            with torch.autocast(character_ids.device.type, dtype=torch.bfloat16, enabled=fast.autocast_bf16):
                # Shape: (batch_size, num_tokens + 2, projection_dim), (batch_size, num_tokens + 2)
                type_representation, mask = fast.token_embedding(character_ids)
                type_representation = type_representation.float()
                # Shape: num_layers x (batch_size, num_tokens + 2, 2 * projection_dim)
                lstm_outputs = [
                    layer.float()
                    for layer in fast.contextualize(self._dropout(type_representation), mask)
                ]
        else:
            self._bilm._elmo_lstm.reset_states()
            token_embedding = self._bilm._token_embedder(character_ids)
            # Shape: (batch_size, num_tokens + 2)
            mask = token_embedding["mask"]
            # Shape: (batch_size, num_tokens + 2, projection_dim)
            type_representation = token_embedding["token_embedding"]
            # Shape: (num_layers, batch_size, num_tokens + 2, 2 * projection_dim)
            lstm_outputs = self._bilm._elmo_lstm(self._dropout(type_representation), mask)
        activations = [
            torch.cat([type_representation, type_representation], dim=-1) * mask.unsqueeze(-1)
        ]
        activations.extend(layer for layer in lstm_outputs)
        return {"activations": activations, "mask": mask}

    @overrides(check_signature=False)
    def forward(self, tokens: TextFieldTensors) -> Dict[str, torch.Tensor]:  # type: ignore
        """
        # Parameters

        tokens : `TextFieldTensors`
            With character ids (`character_indexer`) and word ids (`word_indexer`).

        # Returns

        `loss` (mean negative log likelihood per target over both directions),
        `forward_loss`, `backward_loss` (per target), `batch_weight` (targets per direction:
        sentence length + 1 each), and with `output_activations` also `activations`
        `(batch_size, num_layers + 1, num_tokens + 2, 2 * projection_dim)` and `mask`.
        """
        for name in (self._character_indexer, self._word_indexer):
            if name not in tokens:
                raise ConfigurationError(
                    f"elmo_bilm needs the token indexers {self._character_indexer!r} "
                    f"(elmo_characters) and {self._word_indexer!r} (single_id, namespace "
                    f"{self._vocab_namespace!r}); the reader gives {sorted(tokens)}"
                )
        # Shape: (batch_size, num_tokens, 50)
        character_ids = tokens[self._character_indexer]["elmo_tokens"]
        # Shape: (batch_size, num_tokens)
        word_ids = tokens[self._word_indexer]["tokens"]
        bilm = self.bilm_outputs(character_ids)
        mask = bilm["mask"]
        projection_dim = self._options["lstm"]["projection_dim"]
        # Shape: (batch_size, num_tokens + 2, 2 * projection_dim)
        top = self._dropout(bilm["activations"][-1])

        # Shape: (batch_size, num_tokens + 2); <S> w_1 ... w_n </S> as softmax classes.
        classes, _ = add_sentence_boundary_token_ids(
            word_ids + 1, word_ids > 0, BOS_CLASS, EOS_CLASS
        )
        # Position t predicts t + 1 forwards and t - 1 backwards; both have n + 1 targets.
        # Shape: (batch_size, num_tokens + 1)
        target_mask = mask[:, 1:]
        forward_nll = self._nll(top[:, :-1, :projection_dim], classes[:, 1:], target_mask)
        backward_nll = self._nll(top[:, 1:, projection_dim:], classes[:, :-1], target_mask)
        num_targets = target_mask.sum().float()

        output: Dict[str, torch.Tensor] = {
            "loss": 0.5 * (forward_nll + backward_nll) / num_targets,
            "forward_loss": forward_nll / num_targets,
            "backward_loss": backward_nll / num_targets,
            "batch_weight": num_targets,
        }
        self._forward_nll += float(dist_reduce_sum(forward_nll.detach()))
        self._backward_nll += float(dist_reduce_sum(backward_nll.detach()))
        self._num_targets += float(dist_reduce_sum(num_targets.detach()))
        self._num_words += float(dist_reduce_sum((word_ids > 0).sum().float()))
        if self._output_activations:
            output["activations"] = torch.stack(bilm["activations"], dim=1)
            output["mask"] = mask
        return output

    def _nll(
        self, embeddings: torch.Tensor, targets: torch.Tensor, mask: torch.BoolTensor
    ) -> torch.Tensor:
        """Summed negative log likelihood of the unmasked targets."""
        # Shape: (num_targets, projection_dim) and (num_targets,)
        embeddings = embeddings.masked_select(mask.unsqueeze(-1)).view(-1, embeddings.size(-1))
        targets = targets.masked_select(mask)
        if self._sampled_softmax is not None:
            return self._sampled_softmax(embeddings, targets)
        assert self._softmax is not None
        log_probs = torch.nn.functional.log_softmax(self._softmax(embeddings), dim=-1)
        return torch.nn.functional.nll_loss(log_probs, targets.long(), reduction="sum")

    @overrides
    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        """
        `forward_perplexity`, `backward_perplexity` (exp of the mean per-token negative log
        likelihood since the last reset) and `perplexity`, their mean. During training with
        `num_samples` they are computed from the sampled loss, which underestimates the true
        perplexity; validation uses the full softmax. `words`: the number of words read since
        the last reset (without sentence boundaries), for throughput.
        """
        count = max(self._num_targets, 1.0)
        forward = math.exp(min(self._forward_nll / count, 50.0))
        backward = math.exp(min(self._backward_nll / count, 50.0))
        words = self._num_words
        if reset:
            self._forward_nll = self._backward_nll = self._num_targets = self._num_words = 0.0
        return {
            "forward_perplexity": forward,
            "backward_perplexity": backward,
            "perplexity": 0.5 * (forward + backward),
            "words": words,
        }


def load_elmo_bilm(
    options_file: str,
    weight_file: str,
    vocab: Optional[Vocabulary] = None,
    vocab_file: Optional[str] = None,
    softmax_file: Optional[str] = None,
    vocab_namespace: str = "lm_words",
    **kwargs: Union[int, float, str, bool, None],
) -> ElmoBiLm:
    """
    Imports a bilm-tf `options.json` + `weights.hdf5` pair (a published ELMo or an export)
    into an `ElmoBiLm`, e.g. to continue pre-training it or to measure its perplexity.

    With `vocab_file` (a bilm-tf `vocab.txt`: `<S>`, `</S>`, `<UNK>`, then the words) the
    vocabulary is that file's, and with `softmax_file` (`elmo-export`'s `softmax.hdf5`) the
    softmax is the exported one, so the model computes exactly the exported biLM's language
    model. Without them the softmax starts at random over `vocab` (empty by default).
    """
    if vocab_file is not None:
        tokens = read_vocab(vocab_file)
        if tuple(tokens[: len(BILM_TF_SPECIAL_TOKENS)]) != BILM_TF_SPECIAL_TOKENS:
            raise InputError(f"a bilm-tf vocab.txt starts with {', '.join(BILM_TF_SPECIAL_TOKENS)}", vocab_file, 1)
        vocab = Vocabulary()
        vocab.add_tokens_to_namespace(tokens[len(BILM_TF_SPECIAL_TOKENS) :], vocab_namespace)
    model = ElmoBiLm(
        vocab or Vocabulary(),
        options_file=options_file,
        weight_file=weight_file,
        vocab_namespace=vocab_namespace,
        **kwargs,
    )
    if softmax_file is not None:
        arrays = read_weights(softmax_file)
        parameters = model.softmax_parameters()
        for key, name in (("softmax/W", "W"), ("softmax/b", "b")):
            if key not in arrays or arrays[key].shape != tuple(parameters[name].shape):
                shape = arrays[key].shape if key in arrays else "missing"
                raise InputError(
                    f"{key} is {shape}, the model's softmax {tuple(parameters[name].shape)} "
                    "(is the vocab.txt the one exported with it?)",
                    softmax_file,
                )
            with torch.no_grad():
                parameters[name].copy_(torch.from_numpy(arrays[key].astype(numpy.float32)))
    return model
