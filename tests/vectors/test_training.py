"""`allennlp word-vectors`' engine on a tiny corpus: the GloVe text format that AllenNLP's
`embedding` reads, every task word present, the card, `--force`, reproducible bytes."""
import gzip
import json

import pytest
import torch
from allennlp.data import Vocabulary
from allennlp.modules.token_embedders import Embedding

from sst_elmo.common.errors import InputError
from sst_elmo.common.file_utils import file_sha256
from sst_elmo.vectors.corpus import task_words, write_corpus
from sst_elmo.vectors.training import VectorSettings, build_word_vectors
from tests.conftest import CONFIGS, FIXTURES

TINY = dict(dim=8, min_count=1, epochs=2)


@pytest.fixture
def corpus_config(tmp_path):
    """A pre-training config over the fixture corpus (the training split of a held-out split)."""
    path = tmp_path / "pretrain.jsonnet"
    path.write_text(
        "{dataset_reader: {type: 'text_corpus', split: 'train', validation_fraction: 0.2},"
        f" train_data_path: '{FIXTURES / 'corpus.txt'}'}}"
    )
    return str(path)


def read_vectors(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split(" ") for line in handle]
    return {row[0]: [float(value) for value in row[1:]] for row in rows}


def test_the_corpus_is_the_readers_training_split_lowercased(corpus_config, tmp_path):
    stats = write_corpus([corpus_config], str(tmp_path / "corpus.txt"))
    lines = (tmp_path / "corpus.txt").read_text().splitlines()
    assert len(lines) == stats.sentences > 0
    assert sum(len(line.split()) for line in lines) == stats.tokens
    assert all(line == line.lower() for line in lines)
    assert not any("<br" in line for line in lines)  # the reader's own cleaning


def test_the_held_out_documents_are_not_read(corpus_config, tmp_path):
    all_config = tmp_path / "all.jsonnet"
    all_config.write_text(
        f"{{dataset_reader: {{type: 'text_corpus'}}, train_data_path: '{FIXTURES / 'corpus.txt'}'}}"
    )
    held_out = write_corpus([corpus_config], str(tmp_path / "a.txt"))
    everything = write_corpus([str(all_config)], str(tmp_path / "b.txt"))
    assert 0 < held_out.sentences < everything.sentences


@pytest.mark.usefixtures("fixture_env")
def test_task_words_come_from_every_split_of_a_classifier_config():
    words = task_words([str(CONFIGS / "sst5_lstm.jsonnet")])
    for split in ("train", "dev", "test"):
        last_sentence = (FIXTURES / "data/sst" / f"{split}.txt").read_text().splitlines()[-1]
        leaves = [part.strip(")").lower() for part in last_sentence.split() if part.endswith(")")]
        assert set(leaves) <= set(words), split


@pytest.mark.usefixtures("fixture_env")
def test_vectors_load_in_allennlps_embedding_with_every_task_word(corpus_config, tmp_path):
    out = tmp_path / "words"
    card = build_word_vectors([corpus_config], str(out), VectorSettings(**TINY),
                              cover_configs=[str(CONFIGS / "sst5_lstm.jsonnet")])
    vectors = read_vectors(out / "vectors.txt.gz")
    cover = task_words([str(CONFIGS / "sst5_lstm.jsonnet")])
    assert set(cover) <= set(vectors)
    assert card["coverage"]["missing"] == 0
    assert card["coverage"]["in_vocabulary"] + card["coverage"]["from_subwords"] == len(cover)
    assert {len(row) for row in vectors.values()} == {8}
    # AllenNLP's embedding reads the file: each task word's row is its vector, none random
    vocab = Vocabulary(counter={"tokens": dict.fromkeys(cover, 1)})
    embedding = Embedding(embedding_dim=8, vocab=vocab, pretrained_file=str(out / "vectors.txt.gz"))
    for word in list(cover)[:50]:
        row = embedding.weight[vocab.get_token_index(word)]
        assert torch.allclose(row, torch.tensor(vectors[word]), atol=1e-5), word


def test_card_names_the_corpus_settings_and_checksum(corpus_config, tmp_path):
    out = tmp_path / "words"
    card = build_word_vectors([corpus_config], str(out), VectorSettings(**TINY, seed=3))
    stored = json.loads((out / "card.json").read_text())
    assert stored == card
    assert card["dim"] == 8 and card["settings"]["seed"] == 3 and card["settings"]["epochs"] == 2
    assert card["corpus"]["tokens"] > 0 and card["vocabulary"] == card["words_written"]
    assert card["sha256"] == file_sha256(str(out / "vectors.txt.gz"))
    assert card["machine"] and card["date"] and card["gensim"]
    readme = (out / "README.md").read_text()
    assert card["sha256"] in readme and f"{card['corpus']['tokens']:,} tokens" in readme


def test_existing_vectors_are_kept_without_force(corpus_config, tmp_path):
    out = tmp_path / "words"
    build_word_vectors([corpus_config], str(out), VectorSettings(**TINY))
    before = (out / "vectors.txt.gz").read_bytes()
    with pytest.raises(InputError, match="--force"):
        build_word_vectors([corpus_config], str(out), VectorSettings(**TINY, seed=1))
    assert (out / "vectors.txt.gz").read_bytes() == before
    build_word_vectors([corpus_config], str(out), VectorSettings(**TINY, seed=1), force=True)
    assert (out / "vectors.txt.gz").read_bytes() != before
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "card.json", "vectors.txt.gz"]


def test_one_worker_gives_the_same_bytes_every_run(corpus_config, tmp_path):
    first = build_word_vectors([corpus_config], str(tmp_path / "a"), VectorSettings(**TINY))
    second = build_word_vectors([corpus_config], str(tmp_path / "b"), VectorSettings(**TINY))
    assert first["sha256"] == second["sha256"]


@pytest.mark.usefixtures("fixture_env")
def test_word2vec_leaves_unseen_task_words_out_and_counts_them(corpus_config, tmp_path):
    card = build_word_vectors([corpus_config], str(tmp_path / "w"), VectorSettings(**TINY, algorithm="word2vec"),
                              cover_configs=[str(CONFIGS / "sst5_lstm.jsonnet")])
    assert card["coverage"]["from_subwords"] == 0 and card["coverage"]["missing"] > 0
    assert card["words_written"] == card["vocabulary"]


def test_a_classifier_config_is_not_a_corpus(tmp_path):
    config = tmp_path / "c.jsonnet"
    config.write_text("{dataset_reader: {type: 'sst_trees'}, train_data_path: 'x'}")
    with pytest.raises(InputError, match="not a pre-training config"):
        build_word_vectors([str(config)], str(tmp_path / "out"), VectorSettings(**TINY))


@pytest.mark.parametrize("bad", [{"dim": 0}, {"algorithm": "glove"}, {"epochs": 0}])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        VectorSettings(**bad)
