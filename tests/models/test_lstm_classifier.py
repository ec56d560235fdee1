import json

import pytest
import torch
from allennlp.common import Params
from allennlp.common.checks import ConfigurationError
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch

from tests.conftest import CONFIGS, FIXTURES

SST_TRAIN = FIXTURES / "data" / "sst" / "train.txt"
TWEETS_TRAIN = FIXTURES / "data" / "tweets" / "train.csv"
# Two epochs, and batches in a fixed order so that the original and the reloaded model see
# the same first batch.
SHORT = json.dumps({
    "trainer.num_epochs": 2,
    "data_loader.batch_sampler.shuffle": False,
    "data_loader.batch_sampler.padding_noise": 0.0,
})


@pytest.mark.usefixtures("fixture_env")
class TestLstmClassifier(ModelTestCase):
    """The model as the real configs build it, on fixture data and a random tiny ELMo."""

    def test_elmo_model_trains_saves_and_loads(self):
        self.set_up_model(CONFIGS / "sst5_elmo.jsonnet", SST_TRAIN)
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=SHORT, seed=1)

    def test_elmo_with_words_trains_saves_and_loads(self):
        self.set_up_model(CONFIGS / "sst5_elmo_glove.jsonnet", SST_TRAIN)
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=SHORT, seed=1)

    def test_baseline_trains_saves_and_loads(self):
        self.set_up_model(CONFIGS / "sst5_lstm.jsonnet", SST_TRAIN)
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=SHORT, seed=1)

    def test_batch_predictions_are_consistent(self):
        self.set_up_model(CONFIGS / "sst5_lstm.jsonnet", SST_TRAIN)
        self.ensure_batch_predictions_are_consistent()

    def test_elmo_batch_predictions_are_consistent(self):
        self.set_up_model(CONFIGS / "sst5_elmo.jsonnet", SST_TRAIN)
        self.ensure_batch_predictions_are_consistent()

    def test_outputs_and_human_readable_labels(self):
        self.set_up_model(CONFIGS / "sst5_elmo.jsonnet", SST_TRAIN)
        self.model.eval()
        output = self.model.forward_on_instances(self.instances[:3])
        labels = [self.vocab.get_token_from_index(i, "labels") for i in range(5)]
        for row in output:
            assert row["probs"].shape == (5,) and abs(float(row["probs"].sum()) - 1) < 1e-5
            assert set(row["label_probs"]) == set(labels)
            assert row["label"] == max(row["label_probs"], key=row["label_probs"].get)

    def test_metrics_per_label_and_positive_f1(self):
        self.set_up_model(CONFIGS / "tweets_elmo.jsonnet", TWEETS_TRAIN)
        assert self.model.get_metrics() == {"accuracy": 0.0}  # nothing seen yet: no crash
        batch = Batch(self.instances)
        batch.index_instances(self.vocab)
        self.model(**batch.as_tensor_dict())
        running = self.model.get_metrics()
        assert {"accuracy", "macro_f1", "positive_f1", "positive_precision", "positive_recall"} <= set(running)
        assert "f1_0" not in running  # per-label metrics only at the end of an epoch
        final = self.model.get_metrics(reset=True)
        assert {"f1_0", "f1_1", "precision_1", "recall_0"} <= set(final)
        assert final["positive_f1"] == final["f1_1"]
        assert final["macro_f1"] == pytest.approx((final["f1_0"] + final["f1_1"]) / 2)

    def test_class_weights_change_the_loss(self):
        self.set_up_model(CONFIGS / "tweets_elmo_top.jsonnet", TWEETS_TRAIN)
        weights = self.model._loss.weight
        index = self.vocab.get_token_index("1", "labels")
        assert weights[index] == pytest.approx(0.74 / 0.26)
        assert weights[1 - index] == 1.0

    def test_bad_positive_label_or_class_weights(self):
        self.set_up_model(CONFIGS / "tweets_elmo.jsonnet", TWEETS_TRAIN)
        model_params = Params.from_file(self.param_file)["model"]
        from allennlp.models import Model

        for key, value in [("positive_label", "7"), ("class_weights", {"7": 2.0})]:
            params = model_params.duplicate()
            params[key] = value
            with pytest.raises(ValueError, match="7"):
                Model.from_params(vocab=self.vocab, params=params)

    def test_encoder_and_feedforward_dimensions_are_inferred(self):
        self.set_up_model(CONFIGS / "sst5_elmo.jsonnet", SST_TRAIN)
        from allennlp.models import Model

        params = Params.from_file(self.param_file)["model"]
        params["encoder"] = {"type": "cnn", "num_filters": 3, "ngram_filter_sizes": [1, 2]}
        params["feedforward"] = {"num_layers": 1, "hidden_dims": 7, "activations": "relu"}
        model = Model.from_params(vocab=self.vocab, params=params)
        assert model._encoder.get_input_dim() == 16  # the tiny ELMo's output
        assert model._classification_layer.in_features == 7
        batch = Batch(self.instances[:2])
        batch.index_instances(self.vocab)
        assert model(**batch.as_tensor_dict())["logits"].shape == (2, 5)
        assert torch.isfinite(model(**batch.as_tensor_dict())["loss"])


@pytest.mark.usefixtures("fixture_env")
class TestTemperature(ModelTestCase):
    """Temperature scaling in the model: probabilities `softmax(logits / T)`, labels unchanged, ECE reported."""

    def model_with(self, **settings):
        from allennlp.models import Model

        params = Params.from_file(self.param_file)["model"]
        for key, value in settings.items():
            params[key] = value
        torch.manual_seed(5)
        model = Model.from_params(vocab=self.vocab, params=params)
        model.eval()
        return model

    def test_probabilities_are_the_softmax_of_logits_over_the_temperature(self):
        self.set_up_model(CONFIGS / "sst5_lstm.jsonnet", SST_TRAIN)
        batch = Batch(self.instances)
        batch.index_instances(self.vocab)
        tensors = batch.as_tensor_dict()
        with torch.no_grad():
            plain, one, hot = (self.model_with(**extra)(**tensors) for extra in ({}, {"temperature": 1.0},
                                                                                  {"temperature": 0.25}))
        assert torch.equal(plain["probs"], one["probs"])  # T = 1: the very same probabilities
        assert torch.equal(plain["logits"], hot["logits"])  # the logits are the layer's own
        assert torch.allclose(hot["probs"], torch.softmax(plain["logits"] / 0.25, dim=-1))
        assert not torch.allclose(hot["probs"], plain["probs"])
        assert torch.equal(hot["probs"].argmax(-1), plain["probs"].argmax(-1))  # no label changes
        assert hot["loss"] == pytest.approx(float(torch.nn.functional.cross_entropy(
            plain["logits"] / 0.25, tensors["label"])), rel=1e-5)

    def test_the_human_readable_output_names_a_temperature_and_the_metrics_the_ece(self):
        self.set_up_model(CONFIGS / "sst5_lstm.jsonnet", SST_TRAIN)
        plain, hot = self.model_with(), self.model_with(temperature=2.0, calibration_bins=4)
        rows = [model.forward_on_instances(self.instances[:2]) for model in (plain, hot)]
        assert "temperature" not in rows[0][0] and [row["temperature"] for row in rows[1]] == [2.0, 2.0]
        assert [row["label"] for row in rows[0]] == [row["label"] for row in rows[1]]
        assert "ece_10" in plain.get_metrics() and "ece_4" in hot.get_metrics(reset=True)
        assert set(hot.get_metrics()) == {"accuracy"}  # reset: nothing seen

    def test_a_temperature_must_be_positive(self):
        self.set_up_model(CONFIGS / "sst5_lstm.jsonnet", SST_TRAIN)
        for bad in (0.0, -1.0, float("inf"), float("nan")):
            with pytest.raises(ConfigurationError, match="temperature"):
                self.model_with(temperature=bad)
