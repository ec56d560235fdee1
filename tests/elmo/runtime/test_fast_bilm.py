import json

import pytest
import torch
from allennlp.modules.elmo import Elmo, _ElmoBiLm, batch_to_ids

from sst_elmo.elmo.runtime.fast_bilm import FastElmoBiLm

SENTENCES = [
    ["A", "fine", "film", "."],
    ["Dull", "."],
    ["It", "rocks", "and", "it", "rocks", "hard", ",", "supercalifragilisticexpialidocious", "!"],
    ["x"],
]


def compare(options, weights, sentences, **kwargs):
    bilm = _ElmoBiLm(options, weights).eval()
    fast = FastElmoBiLm(bilm, **kwargs).eval()
    ids = batch_to_ids(sentences)
    with torch.no_grad():
        bilm._elmo_lstm.reset_states()
        expected = bilm(ids)
        actual = fast(ids)
    assert torch.equal(expected["mask"], actual["mask"])
    return max(float((a - b).abs().max()) for a, b in zip(expected["activations"], actual["activations"]))


@pytest.mark.parametrize("memo", [0, 50_000])
def test_equals_allennlp_on_the_tiny_elmo(tiny_elmo, memo):
    assert compare(*tiny_elmo, SENTENCES, word_memo_size=memo) <= 1e-5


def test_long_words_at_and_past_the_character_limit(tiny_elmo):
    """
    The one-product character CNN near AllenNLP's 50-character cut (48 characters + BOW/EOW):
    words of every length around it, each with a short word beside it, in one batch each.
    """
    for length in range(36, 56):
        word = "".join("abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(length))
        assert compare(*tiny_elmo, [["a", word, "."], ["ok"]], word_memo_size=0) <= 1e-5, length


def test_equals_allennlp_elmo_with_its_scalar_mix(tiny_elmo):
    options, weights = tiny_elmo
    torch.manual_seed(0)
    reference = Elmo(options, weights, 1, dropout=0.0).eval()
    fast = Elmo(None, None, 1, dropout=0.0, module=FastElmoBiLm(reference._elmo_lstm)).eval()
    ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        reference._elmo_lstm._elmo_lstm.reset_states()
        expected = reference(ids)["elmo_representations"][0]
        # Twice: the second call reads every word's CNN output from the memo.
        first, second = (fast(ids)["elmo_representations"][0] for _ in range(2))
    assert float((expected - first).abs().max()) <= 1e-4
    assert torch.equal(first, second)


def test_no_state_is_carried_between_batches(tiny_elmo):
    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    with torch.no_grad():
        alone = fast(batch_to_ids(SENTENCES[:2]))["activations"][-1]
        fast(batch_to_ids(SENTENCES[2:]))
        again = fast(batch_to_ids(SENTENCES[:2]))["activations"][-1]
    assert torch.equal(alone, again)


def test_a_full_word_memo_starts_again(tiny_elmo):
    """A memo smaller than the words seen is cleared and refilled, with the same outputs."""
    bilm = _ElmoBiLm(*tiny_elmo).eval()
    fast = FastElmoBiLm(bilm, word_memo_size=10).eval()
    # Words remembered after each batch: 8 (with <S>, </S> and the padding token); 12 new
    # words are more than the memo holds, so none is kept; one more; two more overflow it,
    # so it starts again with that batch's 4 words.
    batches = [SENTENCES[:2], SENTENCES[2:], [["x"], ["Dull", "."]], [["It", "rocks"]], SENTENCES]
    remembered = [8, 8, 9, 4, 4]
    with torch.no_grad():
        for batch, size in zip(batches, remembered):
            ids = batch_to_ids(batch)
            bilm._elmo_lstm.reset_states()
            expected, actual = bilm(ids)["activations"], fast(ids)["activations"]
            assert max(float((a - b).abs().max()) for a, b in zip(expected, actual)) <= 1e-5
            assert len(fast._memo[False]) == size


def test_threads_at_once_get_their_own_buffers_and_the_same_numbers(tiny_elmo):
    """A threaded server may call one module from several threads: no shared scratch, a guarded memo."""
    import threading

    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    batches = [SENTENCES[:2], SENTENCES[2:], SENTENCES, SENTENCES[1:3]] * 3
    with torch.no_grad():
        expected = [FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()(batch_to_ids(b))["activations"] for b in batches]
    results, errors, buffers = [None] * len(batches), [], {}

    def work(index):
        try:
            with torch.no_grad():
                for _ in range(5):
                    results[index] = fast(batch_to_ids(batches[index]))["activations"]
            # The tensor, not its address: a thread's buffers go when it ends, and a later
            # thread may then be given the same memory.
            buffers[index] = fast._scratch("probe", [4], torch.zeros(1), torch.float32)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({buffer.data_ptr() for buffer in buffers.values()}) == len(batches)  # one buffer per thread
    for got, want in zip(results, expected):  # rounding may differ with the memo, races would not
        assert max(float((a - b).abs().max()) for a, b in zip(got, want)) <= 1e-6


def test_a_copy_works_on_its_own(tiny_elmo):
    import copy

    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    ids = batch_to_ids(SENTENCES)
    with torch.no_grad():
        before = fast(ids)["activations"]
        copied = copy.deepcopy(fast)
        after = copied(ids)["activations"]
    assert all(torch.equal(a, b) for a, b in zip(before, after))
    assert copied._memo_lock is not fast._memo_lock


def _max_difference(expected, actual):
    return max(float((a - b).abs().max()) for a, b in zip(expected["activations"], actual["activations"]))


def test_what_it_keeps_follows_the_weights(tiny_elmo, tmp_path):
    """The word memo and the prepared LSTM weights are dropped when the weights change."""
    from sst_elmo.testing.elmo import write_random_elmo

    bilm = _ElmoBiLm(*tiny_elmo).eval()
    fast = FastElmoBiLm(bilm).eval()
    ids = batch_to_ids(SENTENCES)
    other = _ElmoBiLm(*write_random_elmo(str(tmp_path / "other"), seed=7)).eval()
    with torch.no_grad():
        fast(ids)
        bilm.load_state_dict(other.state_dict())  # in-place copies: new versions
        bilm._elmo_lstm.reset_states()
        assert _max_difference(bilm(ids), fast(ids)) <= 1e-5
        for parameter in bilm.parameters():  # through .data: no new version ...
            parameter.data.mul_(0.5)
        fast.clear_caches()  # ... so the caller says so
        bilm._elmo_lstm.reset_states()
        assert _max_difference(bilm(ids), fast(ids)) <= 1e-5


def test_inference_mode_then_no_grad(tiny_elmo):
    bilm = _ElmoBiLm(*tiny_elmo).eval()
    fast = FastElmoBiLm(bilm).eval()
    with torch.inference_mode():
        fast(batch_to_ids(SENTENCES[:2]))
    with torch.no_grad():
        bilm._elmo_lstm.reset_states()
        ids = batch_to_ids(SENTENCES)
        assert _max_difference(bilm(ids), fast(ids)) <= 1e-5


def test_weights_that_train_are_not_memoised(tiny_elmo):
    """With gradients on trainable weights the memo is off: steps after the first still backpropagate."""
    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo, requires_grad=True)).train()
    ids = batch_to_ids(SENTENCES)
    for _ in range(2):
        sum(layer.sum() for layer in fast(ids)["activations"]).backward()
    assert not fast._memo.get(False)


def test_a_finished_threads_buffers_are_freed(tiny_elmo):
    import gc
    import threading
    import weakref

    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    references = []

    def work():
        with torch.no_grad():
            fast(batch_to_ids(SENTENCES))
        references.extend(weakref.ref(buffer) for buffer in fast._scratch_local.__dict__.values())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    gc.collect()
    assert references and all(reference() is None for reference in references)


def test_bf16_is_opt_in_and_close(tiny_elmo):
    assert compare(*tiny_elmo, SENTENCES, autocast_bf16=True) < 0.1


@pytest.mark.shared
def test_equals_allennlp_on_the_fixture_bilm(shared_dir):
    fixture = shared_dir / "elmo" / "fixture"
    sentences = [line.split() for line in json.loads((fixture / "sentences.json").read_text())[0]]
    assert compare(str(fixture / "options.json"), str(fixture / "lm_weights.hdf5"), sentences) <= 1e-4


def test_matrix_flops_count_the_products_executed(tiny_elmo):
    """The benchmark's FLOP count: the LSTM products of every real step, the CNN once per word."""
    options, _ = tiny_elmo
    fast = FastElmoBiLm(_ElmoBiLm(*tiny_elmo)).eval()
    lstm = json.load(open(options))["lstm"]
    cell, hidden = lstm["dim"], lstm["projection_dim"]
    sentences = [["a", "b", "c"], ["a"]]  # with <S>/</S>: lengths 5 and 3
    ids = batch_to_ids(sentences)
    with torch.no_grad():
        fast(ids)
        first = fast.matrix_flops
        fast(ids)  # every word now comes from the memo: only the LSTM runs
    steps = 5 + 3  # sum over timesteps of the rows still running

    def per_layer(positions):
        return 2 * 2 * (positions * hidden * 4 * cell + steps * (hidden * 4 * cell + cell * hidden))

    # The first layer's input projection runs once per distinct word (<S>, </S>, a, b, c and
    # the padding token: 6 < 8 real positions); the others cover the padded grid (8 >= 0.6 * 10).
    assert fast.matrix_flops - first == per_layer(6) + (lstm["n_layers"] - 1) * per_layer(2 * 5)
    assert first > fast.matrix_flops - first  # the first call also ran the character CNN
