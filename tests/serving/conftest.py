import contextlib
import threading
from typing import Iterator

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader, Vocabulary
from allennlp.models import Model
from allennlp.predictors import Predictor

from tests.conftest import CONFIGS, FIXTURES


def make_predictor(config: str) -> Predictor:
    """An untrained classifier of `config` (vocabulary from the fixture trees) and its predictor."""
    params = Params.from_file(str(CONFIGS / config))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary.from_instances(reader.read(str(FIXTURES / "data/sst/train.txt")))
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    return Predictor.by_name("sentence_classifier_predictor")(model.eval(), reader)


@pytest.fixture
def lstm_predictor(fixture_env):
    """GloVe (the fixture's 50d vectors) -> biLSTM."""
    return make_predictor("sst5_lstm.jsonnet")


@pytest.fixture
def elmo_predictor(fixture_env):
    """A frozen tiny random ELMo (stateless_elmo) -> biLSTM."""
    return make_predictor("sst5_elmo.jsonnet")


@contextlib.contextmanager
def serving(service, **server_args) -> Iterator[str]:
    """`service` behind a real waitress server on a free loopback port, in a thread; yields its URL."""
    from sst_elmo.serving.app import make_app
    from sst_elmo.serving.server import DrainingServer

    max_body = server_args.pop("max_body", 1024 * 1024)
    server = DrainingServer(make_app(service, max_body=max_body), "127.0.0.1", 0, max_body=max_body,
                            **server_args)
    thread = threading.Thread(target=server.run, kwargs={"drain_timeout": 10}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()
        thread.join(20)
        service.close(10)
        assert not thread.is_alive(), "the server did not stop"
