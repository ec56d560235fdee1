import json
import logging

import pytest
import torch
from allennlp.common import Params
from allennlp.common.testing import ModelTestCase
from allennlp.data import Batch
from allennlp.models import Model
from allennlp.modules.elmo import batch_to_ids

from sst_elmo.modules.token_embedders import CachedElmoTokenEmbedder, StatelessElmoTokenEmbedder
from tests.conftest import CONFIGS, FIXTURES

SENTENCES = [["A", "fine", "film", "."], ["Dull", "."], ["It", "rocks", "hard", "and", "well"]]
SST_TRAIN = FIXTURES / "data" / "sst" / "train.txt"
SHORT = json.dumps({
    "trainer.num_epochs": 2,
    "data_loader.batch_sampler.shuffle": False,
    "data_loader.batch_sampler.padding_noise": 0.0,
})


def pair(tiny_elmo, cache_dir, **kwargs):
    options, weights = tiny_elmo
    reference = StatelessElmoTokenEmbedder(options, weights, dropout=0.0, **kwargs).eval()
    cached = CachedElmoTokenEmbedder(options, weights, dropout=0.0, cache_dir=str(cache_dir), **kwargs).eval()
    return reference, cached


@pytest.mark.parametrize("kwargs", [{}, {"do_layer_norm": True}, {"scalar_mix_parameters": [-9e10, -9e10, 1]}])
def test_cold_and_warm_cache_equal_stateless_elmo(tiny_elmo, tmp_path, kwargs):
    reference, cached = pair(tiny_elmo, tmp_path, **kwargs)
    ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        expected = reference(ids)
        cold = cached(ids)
        assert cached.cache.stats().misses == 3 and cached.cache.stats().hits == 0
        warm = cached(ids)
        assert cached.cache.stats().hits == 3
    assert cold.shape == expected.shape == (3, 5, cached.get_output_dim())
    assert torch.allclose(cold, expected, atol=1e-5)
    assert torch.equal(cold, warm)
    # A sentence reused in another batch, with other padding, hits the same entry.
    with torch.no_grad():
        alone = cached(batch_to_ids([SENTENCES[1]]))
    assert cached.cache.stats().hits == 4
    if not kwargs.get("do_layer_norm"):  # AllenNLP's layer norm pools its statistics over the batch
        assert torch.allclose(alone[0], warm[1, :2], atol=1e-6)


def test_scalar_mix_gets_gradients_and_the_bilm_is_not_a_parameter(tiny_elmo, tmp_path):
    _, cached = pair(tiny_elmo, tmp_path)
    names = {name for name, _ in cached.named_parameters()}
    assert names == {"scalar_mix.gamma", "scalar_mix.scalar_parameters.0",
                     "scalar_mix.scalar_parameters.1", "scalar_mix.scalar_parameters.2"}
    cached.train()
    cached(batch_to_ids(SENTENCES)).sum().backward()
    assert cached.scalar_mix.gamma.grad is not None


def test_a_changed_weight_file_never_reads_a_stale_entry(tmp_path):
    from sst_elmo.testing.elmo import write_random_elmo

    (tmp_path / "a").mkdir()
    first = write_random_elmo(str(tmp_path / "a"), seed=1)
    ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        old = CachedElmoTokenEmbedder(*first, dropout=0.0, cache_dir=str(tmp_path / "cache"))(ids)
        write_random_elmo(str(tmp_path / "a"), seed=2)  # same paths, new weights
        changed = CachedElmoTokenEmbedder(*first, dropout=0.0, cache_dir=str(tmp_path / "cache"))
        new = changed(ids)
        expected = StatelessElmoTokenEmbedder(*first, dropout=0.0).eval()(ids)
    assert changed.cache.stats().misses == 3
    assert torch.allclose(new, expected, atol=1e-5) and not torch.allclose(new, old)


def test_hit_rate_is_logged_when_switching_between_training_and_evaluation(tiny_elmo, tmp_path, caplog):
    _, cached = pair(tiny_elmo, tmp_path)
    ids = batch_to_ids(SENTENCES)
    cached.train()
    cached(ids)
    cached(ids)
    with caplog.at_level(logging.INFO, logger="sst_elmo.elmo.cache.activation_cache"):
        cached.eval()
        cached(ids)
    message = " ".join(record.getMessage() for record in caplog.records)
    assert "during training: 3 hits, 3 misses (hit rate 50.0%); 3 entries" in message
    assert cached.cache.stats().hits == 3 and cached.cache.stats().misses == 0


def test_cache_dir_from_the_environment(tiny_elmo, tmp_path, monkeypatch):
    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path / "from_env"))
    cached = CachedElmoTokenEmbedder(*tiny_elmo)
    assert cached.cache.directory.startswith(str(tmp_path / "from_env"))




@pytest.mark.usefixtures("fixture_env")
def test_classifier_loss_is_the_same_with_and_without_the_cache(monkeypatch, tmp_path):
    from allennlp.data import Vocabulary
    from allennlp.data.dataset_readers import DatasetReader

    monkeypatch.setenv("SST_ELMO_CACHE_DIR", str(tmp_path))
    models = {}
    for cache in ("", "1"):
        monkeypatch.setenv("SST_ELMO_CACHE", cache)
        params = Params.from_file(str(CONFIGS / "sst5_elmo.jsonnet"))
        reader = DatasetReader.from_params(params.pop("dataset_reader"))
        instances = list(reader.read(str(SST_TRAIN)))[:8]
        vocab = Vocabulary.from_instances(instances)
        models[cache] = Model.from_params(vocab=vocab, params=params.pop("model")).eval()
    plain, cached = models[""], models["1"]
    assert type(cached._text_field_embedder._token_embedders["elmo"]).__name__ == "CachedElmoTokenEmbedder"
    state = {name: value for name, value in plain.state_dict().items() if "_elmo_lstm" not in name}
    state = {name.replace("_elmo.scalar_mix_0.", "scalar_mix."): value for name, value in state.items()}
    cached.load_state_dict(state)
    batch = Batch(instances)
    batch.index_instances(vocab)
    tensors = batch.as_tensor_dict()
    with torch.no_grad():
        expected = plain(**tensors)["loss"]
        cold = cached(**tensors)["loss"]
        warm = cached(**tensors)["loss"]
    assert abs(float(cold) - float(expected)) < 1e-5 and float(warm) == float(cold)


@pytest.mark.usefixtures("fixture_env")
class TestCachedElmoClassifier(ModelTestCase):
    """lstm_classifier with cached_elmo trains, saves and loads like the uncached model."""

    def test_trains_saves_and_loads(self):
        self.set_up_model(CONFIGS / "sst5_elmo.jsonnet", SST_TRAIN)
        params = Params.from_file(self.param_file).as_dict(quiet=True)
        elmo = params["model"]["text_field_embedder"]["token_embedders"]["elmo"]
        elmo.pop("requires_grad")
        elmo.update(type="cached_elmo", cache_dir=str(self.TEST_DIR / "cache"))
        self.param_file = self.TEST_DIR / "cached.json"
        self.param_file.write_text(json.dumps(params))
        self.ensure_model_can_train_save_and_load(self.param_file, overrides=SHORT, seed=1)


@pytest.mark.parametrize("n_layers", [1, 3])
def test_top_layer_only_follows_the_depth_of_the_bilm(tmp_path, n_layers):
    from sst_elmo.elmo.runtime.bilm_runner import BiLmRunner
    from sst_elmo.testing.elmo import TINY_OPTIONS, write_random_elmo

    options = dict(TINY_OPTIONS, lstm=dict(TINY_OPTIONS["lstm"], n_layers=n_layers))
    elmo = write_random_elmo(str(tmp_path), options=options)
    reference, cached = pair(elmo, tmp_path / "cache", top_layer_only=True)
    ids = batch_to_ids(SENTENCES)
    # Shape: (num_layers, num_tokens + 2, dim) for each sentence; the top layer without BOS/EOS.
    top = [layers[-1, 1:-1] for layers in BiLmRunner(*elmo, fast_forward=False).compute(
        [ids[i, : len(sentence)].numpy() for i, sentence in enumerate(SENTENCES)])]
    with torch.no_grad():
        for embedder in (reference, cached):
            output = embedder(ids)
            for i, sentence in enumerate(SENTENCES):
                assert torch.allclose(output[i, : len(sentence)], torch.from_numpy(top[i]), atol=1e-5)
    with pytest.raises(Exception, match="not both"):
        CachedElmoTokenEmbedder(*elmo, top_layer_only=True, scalar_mix_parameters=[0.0] * (n_layers + 1))
