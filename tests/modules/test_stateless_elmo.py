import torch
from allennlp.modules.elmo import batch_to_ids
from allennlp.modules.token_embedders import ElmoTokenEmbedder

from sst_elmo.modules.token_embedders import StatelessElmoTokenEmbedder

FIRST = [["A", "fine", "film", "."], ["Dull", "."]]
SECOND = [["It", "rocks"], ["Awful", "acting", "."]]


def embedders(tiny_elmo):
    options, weights = tiny_elmo
    torch.manual_seed(0)
    stateful = ElmoTokenEmbedder(options, weights, dropout=0.0)
    torch.manual_seed(0)
    stateless = StatelessElmoTokenEmbedder(options, weights, dropout=0.0)
    return stateful.eval(), stateless.eval()


def test_first_batch_equals_allennlp_and_state_is_not_carried(tiny_elmo):
    stateful, stateless = embedders(tiny_elmo)
    first, second = batch_to_ids(FIRST), batch_to_ids(SECOND)
    with torch.no_grad():
        assert torch.equal(stateful(first), stateless(first))
        carried, fresh = stateful(second), stateless(second)
        _, alone = embedders(tiny_elmo)
        assert torch.equal(fresh, alone(second))  # no memory of the first batch
        assert not torch.allclose(carried, fresh)  # AllenNLP's embedder remembers it


def test_vectors_do_not_depend_on_the_batch(tiny_elmo):
    _, stateless = embedders(tiny_elmo)
    with torch.no_grad():
        together = stateless(batch_to_ids(FIRST + SECOND))
        for i, sentence in enumerate(FIRST + SECOND):
            alone = stateless(batch_to_ids([sentence]))[0]
            assert torch.allclose(together[i, : len(sentence)], alone, atol=1e-6)
