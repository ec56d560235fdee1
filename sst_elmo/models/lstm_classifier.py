import math
from typing import Dict, List, Optional

import torch
from allennlp.common import Lazy
from allennlp.common.checks import ConfigurationError
from allennlp.data import TextFieldTensors, Vocabulary
from allennlp.models.model import Model
from allennlp.modules import FeedForward, Seq2VecEncoder, TextFieldEmbedder
from allennlp.modules.seq2vec_encoders import LstmSeq2VecEncoder
from allennlp.nn import InitializerApplicator, util
from allennlp.training.metrics import CategoricalAccuracy, FBetaMeasure
from overrides import overrides

from sst_elmo.evaluation.calibration import DEFAULT_BINS
from sst_elmo.metrics.expected_calibration_error import ExpectedCalibrationError


@Model.register("lstm_classifier")
class LstmClassifier(Model):
    """
    A sentence classifier: text field embedder (ELMo, word embeddings or both) -> dropout ->
    a `Seq2VecEncoder` (an LSTM by default) -> optional feedforward -> linear layer; its
    probabilities are `softmax(logits / temperature)`.

    Encoder and feedforward are built lazily, so their input sizes come from the embedder
    and the encoder: a config never repeats a dimension, and switching ELMo models or adding
    word vectors needs no other change.

    Registered as a `Model` with name "lstm_classifier".

    # Parameters

    vocab : `Vocabulary`
    text_field_embedder : `TextFieldEmbedder`
        Embeds the `tokens` field.
    encoder : `Lazy[Seq2VecEncoder]`, optional (default = a one-layer LSTM, hidden size 128)
        Any registered `Seq2VecEncoder`; `input_size` / `embedding_dim` is filled in.
    feedforward : `Lazy[FeedForward]`, optional
        Applied to the sentence vector; `input_dim` is filled in.
    dropout : `float`, optional (default = `0.0`)
        Dropout on the embeddings and on the sentence vector.
    label_namespace : `str`, optional (default = `"labels"`)
    positive_label : `str`, optional
        Report precision, recall and F1 of this label as `positive_precision`, ...
        (`positive_f1` is the tweets contest metric).
    class_weights : `Dict[str, float]`, optional
        Weight of each label's loss, keyed by label name, for imbalanced data; unnamed
        labels weigh 1.
    temperature : `float`, optional (default = `1.0`)
        Divides the logits before the softmax (and the loss): temperature scaling (Guo et al.,
        2017), which `allennlp sst-calibrate` fits on validation data and stores here. It
        changes no label; the output's `logits` stay the classification layer's own.
    calibration_bins : `int`, optional (default = `10`)
        The equal-width bins of the expected calibration error, reported as `ece_<bins>`.
    initializer : `InitializerApplicator`, optional
    """

    default_predictor = "sentence_classifier_predictor"

    def __init__(
        self,
        vocab: Vocabulary,
        text_field_embedder: TextFieldEmbedder,
        encoder: Optional[Lazy[Seq2VecEncoder]] = None,
        feedforward: Optional[Lazy[FeedForward]] = None,
        dropout: float = 0.0,
        label_namespace: str = "labels",
        positive_label: Optional[str] = None,
        class_weights: Optional[Dict[str, float]] = None,
        temperature: float = 1.0,
        calibration_bins: int = DEFAULT_BINS,
        initializer: InitializerApplicator = InitializerApplicator(),
        **kwargs,
    ) -> None:
        super().__init__(vocab, **kwargs)
        self._text_field_embedder = text_field_embedder
        embedding_dim = text_field_embedder.get_output_dim()
        if encoder is None:
            self._encoder: Seq2VecEncoder = LstmSeq2VecEncoder(embedding_dim, hidden_size=128)
        else:
            self._encoder = encoder.construct(input_size=embedding_dim, embedding_dim=embedding_dim)
        self._feedforward = (
            None
            if feedforward is None
            else feedforward.construct(input_dim=self._encoder.get_output_dim())
        )
        classifier_input_dim = (
            self._feedforward.get_output_dim() if self._feedforward else self._encoder.get_output_dim()
        )
        self._dropout = torch.nn.Dropout(dropout)
        self._label_namespace = label_namespace
        self._labels: List[str] = [
            vocab.get_token_from_index(index, label_namespace)
            for index in range(vocab.get_vocab_size(label_namespace))
        ]
        if not self._labels:
            raise ConfigurationError(
                f"the vocabulary has no labels (namespace {label_namespace!r}): the training data has none; "
                "is it an unlabelled file?"
            )
        self._classification_layer = torch.nn.Linear(classifier_input_dim, len(self._labels))

        weights = None
        if class_weights:
            unknown = sorted(set(class_weights) - set(self._labels))
            if unknown:
                raise ValueError(f"class_weights name labels {unknown} not in {self._labels}")
            weights = torch.tensor([class_weights.get(label, 1.0) for label in self._labels])
        self._loss = torch.nn.CrossEntropyLoss(weight=weights)

        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
            raise ConfigurationError(f"temperature must be a finite number above 0, not {temperature!r}")
        self.temperature = float(temperature)
        self._accuracy = CategoricalAccuracy()
        self._calibration = ExpectedCalibrationError(calibration_bins)
        self._per_label = FBetaMeasure(average=None)
        self._per_label_seen = False
        self._positive_index: Optional[int] = None
        if positive_label is not None:
            if positive_label not in self._labels:
                raise ValueError(f"positive_label {positive_label!r} is not in {self._labels}")
            self._positive_index = self._labels.index(positive_label)
        initializer(self)

    @overrides(check_signature=False)
    def forward(  # type: ignore
        self, tokens: TextFieldTensors, label: Optional[torch.IntTensor] = None
    ) -> Dict[str, torch.Tensor]:
        """
        # Parameters

        tokens : `TextFieldTensors`
            From a `TextField`.
        label : `torch.IntTensor`, optional
            Gold label indices, shape `(batch_size,)`.

        # Returns

        An output dictionary with `logits` and `probs` (`softmax(logits / temperature)`), shape
        `(batch_size, num_labels)`, and `loss` (the cross entropy of `probs`) when labels are given.
        """
        # Shape: (batch_size, num_tokens, embedding_dim)
        embedded = self._dropout(self._text_field_embedder(tokens))
        # Shape: (batch_size, num_tokens)
        mask = util.get_text_field_mask(tokens)
        # Shape: (batch_size, encoder_output_dim)
        encoded = self._dropout(self._encoder(embedded, mask=mask))
        if self._feedforward is not None:
            encoded = self._feedforward(encoded)
        # Shape: (batch_size, num_labels)
        logits = self._classification_layer(encoded)
        # Shape: (batch_size, num_labels)
        scaled = logits if self.temperature == 1.0 else logits / self.temperature
        probs = torch.nn.functional.softmax(scaled, dim=-1)
        output_dict = {"logits": logits, "probs": probs}
        if label is not None:
            label = label.long().view(-1)
            output_dict["loss"] = self._loss(scaled, label)
            self._accuracy(logits, label)
            self._calibration(probs, label)
            self._per_label(logits, label)
            self._per_label_seen = True
        return output_dict

    @overrides
    def make_output_human_readable(
        self, output_dict: Dict[str, torch.Tensor]
    ) -> Dict[str, torch.Tensor]:
        """
        Adds `label` (the predicted label) and `label_probs` (label name -> probability); and
        `temperature` when the model has one other than 1 (its probabilities are calibrated).
        """
        probs = output_dict["probs"]
        if probs.dim() == 1:
            probs = probs.unsqueeze(0)
        output_dict["label"] = [self._labels[int(row.argmax())] for row in probs]
        output_dict["label_probs"] = [
            {name: float(p) for name, p in zip(self._labels, row)} for row in probs
        ]
        if self.temperature != 1.0:
            output_dict["temperature"] = [self.temperature] * len(probs)
        return output_dict

    @overrides
    def get_metrics(self, reset: bool = False) -> Dict[str, float]:
        """
        `accuracy` always; `macro_f1` and the expected calibration error of the probabilities
        `ece_<bins>` (`ece_10` by default) once labels were seen; per label `precision_<label>`, `recall_<label>`
        and `f1_<label>` at the end of an epoch (`reset=True`); and `positive_precision`,
        `positive_recall`, `positive_f1` when a `positive_label` is configured.
        """
        metrics = {"accuracy": self._accuracy.get_metric(reset)}
        if not self._per_label_seen:  # FBetaMeasure raises before its first update
            return metrics
        self._per_label_seen = not reset
        per_label = self._per_label.get_metric(reset)
        f1s = per_label["fscore"]
        metrics["macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
        metrics[f"ece_{self._calibration.bins}"] = self._calibration.get_metric(reset)
        if self._positive_index is not None:
            for name, values in per_label.items():
                short = "f1" if name == "fscore" else name
                metrics[f"positive_{short}"] = values[self._positive_index]
        if reset:
            for name, values in per_label.items():
                short = "f1" if name == "fscore" else name
                for label, value in zip(self._labels, values):
                    metrics[f"{short}_{label}"] = value
        return metrics
