"""`allennlp elmo-embed`: formats, output modes, vectors, keys, resuming, bad input, the CLI."""
import gzip
import json
import logging
import os
import subprocess
import sys
import textwrap

import h5py
import numpy
import pytest
import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.elmo import _ElmoBiLm, batch_to_ids
from allennlp.nn.util import remove_sentence_boundaries

from sst_elmo.common.errors import InputError
from sst_elmo.elmo.embedding import embedding_writer
from sst_elmo.elmo.embedding.embedding_writer import ElmoLayerEmbedder, SentenceFeatures, embed_file
from sst_elmo.elmo.embedding.sentence_input import infer_format
from tests.conftest import PROJECT_ROOT

DIM = 16  # 2 * projection_dim of the tiny biLM
LAYERS = 3  # the character layer and 2 LSTM layers
SENTENCES = [
    "A fine film .",
    "Dull , and -LRB- too -RRB- long .",
    "It rocks !",
    "Awful acting , awful script , awful everything .",
    "Fine .",
    "The best thing about it is the music .",
    "Not good , not bad .",
    "Go see it !",
    "A mess .",
    "Charming and funny , with a great cast .",
]


def write_lines(path, lines):
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


def contents(path):
    """Every dataset (as arrays), `sentence_to_index` (as a dict) and the root attributes."""
    with h5py.File(path, "r") as vectors:
        datasets = {key: vectors[key][()] for key in vectors if key != "sentence_to_index"}
        index = json.loads(vectors["sentence_to_index"].asstr()[0])
        attributes = {key: vectors.attrs[key] for key in vectors.attrs}
    return datasets, index, attributes


def assert_same_vectors(first, second, atol=1e-6):
    assert first.keys() == second.keys()
    for key in first:
        assert first[key].shape == second[key].shape
        assert numpy.abs(first[key] - second[key]).max() <= atol, key


def direct_bilm(tiny_elmo, tokens):
    """The activations of one sentence alone, shape (layers, n_tokens, dim), from a fresh `_ElmoBiLm`."""
    bilm = _ElmoBiLm(*tiny_elmo).eval()
    with torch.no_grad():
        output = bilm(batch_to_ids([tokens]))
        layers = [remove_sentence_boundaries(layer, output["mask"])[0][0] for layer in output["activations"]]
    return torch.stack(layers).numpy()


@pytest.fixture
def spy(monkeypatch):
    """Records the token lists that go through the biLM."""
    embedded = []
    original = ElmoLayerEmbedder.embed_batch

    def embed_batch(self, batch):
        embedded.extend(" ".join(tokens) for tokens in batch)
        return original(self, batch)

    monkeypatch.setattr(ElmoLayerEmbedder, "embed_batch", embed_batch)
    return embedded


def test_text_keys_are_line_indices_and_map_back_to_the_lines(tmp_path, tiny_elmo):
    lines = ["A fine film.", "", "Dull, and (too) long.", "It rocks!"]
    source = write_lines(tmp_path / "sentences.txt", lines)
    output = tmp_path / "vectors.hdf5"
    report = embed_file(source, str(output), *tiny_elmo, batch_size=2)
    assert (report.total, report.computed, report.complete) == (3, 3, True)
    assert not os.path.exists(f"{output}.partial")

    vectors, index, attributes = contents(output)
    assert sorted(vectors) == ["0", "2", "3"]  # the blank line 1 is skipped
    assert index == {lines[int(key)]: key for key in vectors}
    treebank = {"0": 4, "2": 8, "3": 3}  # "Dull , and -LRB- too -RRB- long ."
    assert {key: value.shape for key, value in vectors.items()} == {
        key: (LAYERS, n, DIM) for key, n in treebank.items()
    }
    assert attributes["output_mode"] == "all"
    assert len(attributes["options_sha256"]) == len(attributes["weights_sha256"]) == 64


def test_tokenized_text_is_split_on_whitespace(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", ["Dull, and (too) long."])
    output = tmp_path / "vectors.hdf5"
    embed_file(source, str(output), *tiny_elmo, tokenized=True)
    assert contents(output)[0]["0"].shape == (LAYERS, 4, DIM)


def test_jsonl_gz_with_tokens_sentence_and_text_keys(tmp_path, tiny_elmo):
    rows = [{"tokens": ["A", "fine", "film"]}, {"sentence": "It rocks!", "label": 4}, {"text": "Dull."}]
    source = tmp_path / "sentences.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    output = tmp_path / "vectors.hdf5"
    embed_file(str(source), str(output), *tiny_elmo, output_mode="top")
    vectors, index, attributes = contents(output)
    assert {key: value.shape for key, value in vectors.items()} == {
        "0": (3, DIM), "1": (3, DIM), "2": (2, DIM)
    }
    assert index == {"A fine film": "0", "It rocks!": "1", "Dull.": "2"}
    assert attributes["format"] == "jsonl"


def test_csv_column_keys_and_tweet_cleaning(tmp_path, tiny_elmo):
    source = tmp_path / "tweets.csv"
    source.write_text(
        'id,label,tweet,other\n1,0,"#fingerprint Pregnancy Test http://x.co/1",a\n'
        '2,1,"a tweet\nover two lines!",b\n3,0,I love it :),c\n',
        encoding="utf-8",
    )
    raw, cleaned, other = (tmp_path / f"{name}.hdf5" for name in ("raw", "cleaned", "other"))
    embed_file(str(source), str(raw), *tiny_elmo, tokenized=True)
    embed_file(str(source), str(cleaned), *tiny_elmo, tokenized=True, clean_tweets=True)
    embed_file(str(source), str(other), *tiny_elmo, column="other")

    vectors, index, _ = contents(raw)
    # Keys are the 0-based index of the line where each record starts; the header is line 0.
    assert index == {
        "#fingerprint Pregnancy Test http://x.co/1": "1",
        "a tweet\nover two lines!": "2",
        "I love it :)": "4",
    }
    assert {key: value.shape[1] for key, value in vectors.items()} == {"1": 4, "2": 5, "4": 4}
    clean_vectors, clean_index, _ = contents(cleaned)
    assert clean_index == index  # keyed by the raw text
    # "fingerprint pregnancy test": the URL is gone, "a tweet over two lines", "i love it"
    assert {key: value.shape[1] for key, value in clean_vectors.items()} == {"1": 3, "2": 5, "4": 3}
    assert contents(other)[1] == {"a": "1", "b": "2", "c": "4"}


@pytest.mark.parametrize(
    "mode, reduce",
    [
        ("top", lambda layers: layers[-1]),
        ("average", lambda layers: layers.mean(axis=0)),
        ("mean-pooled", lambda layers: layers.mean(axis=0).mean(axis=0)),
    ],
)
def test_output_modes(tmp_path, tiny_elmo, mode, reduce):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:4])
    every, reduced = tmp_path / "all.hdf5", tmp_path / f"{mode}.hdf5"
    embed_file(source, str(every), *tiny_elmo, output_mode="all", batch_size=3)
    embed_file(source, str(reduced), *tiny_elmo, output_mode=mode, batch_size=3)
    layers, vectors = contents(every)[0], contents(reduced)[0]
    for key, sentence in enumerate(SENTENCES[:4]):
        n_tokens = len(sentence.split())
        expected_shape = (DIM,) if mode == "mean-pooled" else (n_tokens, DIM)
        assert vectors[str(key)].shape == expected_shape
        assert layers[str(key)].shape == (LAYERS, n_tokens, DIM)
        assert numpy.abs(vectors[str(key)] - reduce(layers[str(key)])).max() <= 1e-6
    assert contents(reduced)[2]["output_mode"] == mode


def test_vectors_equal_a_direct_bilm_computation(tmp_path, tiny_elmo):
    # Batched with longer and shorter sentences, after other batches: still the sentence alone.
    source = write_lines(tmp_path / "sentences.txt", SENTENCES)
    output = tmp_path / "vectors.hdf5"
    embed_file(source, str(output), *tiny_elmo, batch_size=4, tokenized=True)
    vectors = contents(output)[0]
    for key in ("0", "5", "9"):
        expected = direct_bilm(tiny_elmo, SENTENCES[int(key)].split())
        assert vectors[key].shape == expected.shape
        assert numpy.abs(vectors[key] - expected).max() <= 1e-6


def test_fast_and_allennlp_bilm_give_the_same_vectors(tiny_elmo):
    batch = [sentence.split() for sentence in SENTENCES[:6]]
    fast = ElmoLayerEmbedder(*tiny_elmo).embed_batch(batch)
    reference = ElmoLayerEmbedder(*tiny_elmo, fast_forward=False).embed_batch(batch)
    assert [array.shape for array in fast] == [array.shape for array in reference]
    assert max(numpy.abs(a - b).max() for a, b in zip(fast, reference)) <= 1e-6


def test_resuming_computes_only_the_missing_sentences(tmp_path, tiny_elmo, spy):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES)
    fresh = tmp_path / "fresh.hdf5"
    embed_file(source, str(fresh), *tiny_elmo, batch_size=2, tokenized=True)

    output = tmp_path / "vectors.hdf5"
    partial = f"{output}.partial"
    spy.clear()
    first = embed_file(source, str(output), *tiny_elmo, batch_size=2, tokenized=True, max_sentences=4)
    assert (first.computed, first.complete, first.path) == (4, False, partial)
    assert os.path.exists(partial) and not output.exists()
    done = set(spy)
    assert len(done) == 4
    # A kill between a batch's data flush and its ledger flush leaves unrecorded datasets.
    with h5py.File(partial, "r+") as unfinished:
        unrecorded = next(str(i) for i, sentence in enumerate(SENTENCES) if sentence not in done)
        unrecorded_shape = (2, 2)
        unfinished.create_dataset(unrecorded, data=numpy.zeros(unrecorded_shape, dtype=numpy.float32))

    spy.clear()
    second = embed_file(source, str(output), *tiny_elmo, batch_size=2, tokenized=True)
    assert (second.total, second.reused, second.computed, second.complete) == (10, 4, 6, True)
    assert sorted(spy) == sorted(set(SENTENCES) - done)
    assert not os.path.exists(partial)
    resumed, fresh_contents = contents(output), contents(fresh)
    assert_same_vectors(resumed[0], fresh_contents[0])
    assert resumed[1] == fresh_contents[1]
    assert resumed[0][unrecorded].shape != unrecorded_shape


def test_a_killed_run_is_finished_by_a_rerun(tmp_path, tiny_elmo, spy):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES)
    output = tmp_path / "vectors.hdf5"
    # The child SIGKILLs itself right after flushing its second batch.
    child = textwrap.dedent(
        f"""
        import os, signal
        from sst_elmo.elmo.embedding import embedding_writer
        original, written = embedding_writer._write_batch, []
        def write_batch(*args):
            original(*args)
            written.append(1)
            if len(written) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        embedding_writer._write_batch = write_batch
        embedding_writer.embed_file({source!r}, {str(output)!r}, *{tuple(tiny_elmo)!r}, batch_size=3)
        """
    )
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-c", child], cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=120
    )
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert os.path.exists(f"{output}.partial") and not output.exists()

    report = embed_file(source, str(output), *tiny_elmo, batch_size=3)
    assert (report.reused, report.computed, report.complete) == (6, 4, True)
    assert len(spy) == 4
    fresh = tmp_path / "fresh.hdf5"
    embed_file(source, str(fresh), *tiny_elmo, batch_size=3)
    assert_same_vectors(contents(output)[0], contents(fresh)[0])


def test_a_corrupt_partial_is_replaced_with_a_warning(tmp_path, tiny_elmo, caplog, spy):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:3])
    output = tmp_path / "vectors.hdf5"
    with open(f"{output}.partial", "wb") as partial:
        partial.write(b"\x89HDF\r\n\x1a\n" + os.urandom(2000))
    with caplog.at_level(logging.WARNING, logger=embedding_writer.__name__):
        report = embed_file(source, str(output), *tiny_elmo)
    assert "Starting over" in caplog.text
    assert (report.reused, report.computed, report.complete) == (0, 3, True)
    assert sorted(contents(output)[0]) == ["0", "1", "2"]


def test_a_partial_of_other_settings_is_replaced(tmp_path, tiny_elmo, caplog, spy):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:3])
    output = tmp_path / "vectors.hdf5"
    embed_file(source, str(output), *tiny_elmo, output_mode="top", max_sentences=2)
    with caplog.at_level(logging.WARNING, logger=embedding_writer.__name__):
        report = embed_file(source, str(output), *tiny_elmo, output_mode="average")
    assert "other input, biLM or settings" in caplog.text
    assert (report.reused, report.computed) == (0, 3)
    assert contents(output)[2]["output_mode"] == "average"


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("bad.jsonl", b'{"sentence": "fine"}\n\n{"sentence": "broken\n', "bad.jsonl:3: not valid JSON"),
        ("bad.jsonl", b'{"sentence": "fine"}\n{"label": 1}\n', "bad.jsonl:2: no text"),
        ("bad.jsonl", b'{"tokens": []}\n', "bad.jsonl:1: the text has no tokens"),
        ("bad.txt", b"fine\n\xff\xfe\n", "not valid UTF-8"),
        ("bad.csv", b"id,text\n1,fine\n", "bad.csv:1: no 'tweet' column"),
        ("bad.csv", b"id,tweet\n1,fine\n2,too,many\n", "bad.csv:3: more columns than the header"),
    ],
)
def test_bad_input_raises_one_input_error_and_writes_nothing(tmp_path, tiny_elmo, name, text, message):
    source = tmp_path / name
    source.write_bytes(text)
    output = tmp_path / "vectors.hdf5"
    with pytest.raises(InputError) as error:
        embed_file(str(source), str(output), *tiny_elmo)
    assert message in str(error.value) and f"{source}:" in str(error.value)
    assert sorted(os.listdir(tmp_path)) == [name]


def test_the_format_comes_from_the_extension():
    assert [infer_format(name) for name in ("a.txt", "a.TXT.gz", "a.jsonl", "b.jsonl.gz", "c.csv")] == [
        "text", "text", "jsonl", "jsonl", "csv"
    ]
    with pytest.raises(ConfigurationError, match="--format"):
        infer_format("sentences.tsv")


def elmo_embed_cli(*args):
    """Runs `allennlp elmo-embed` in the project root, where `.allennlp_plugins` loads the plugin."""
    return subprocess.run(
        [sys.executable, "-m", "allennlp", "elmo-embed", *args],
        cwd=PROJECT_ROOT, env=dict(os.environ, OMP_NUM_THREADS="1"), capture_output=True, text=True,
        timeout=120,
    )


def test_the_cli(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.data", SENTENCES[:3])  # no known extension
    output = tmp_path / "vectors.hdf5"
    options, weights = tiny_elmo
    result = elmo_embed_cli(source, str(output), "--options-file", options, "--weight-file", weights,
                            "--format", "text", "--output", "mean-pooled", "--batch-size", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Wrote the ELMo vectors of 3 sentences to {output}." in result.stdout
    vectors, index, attributes = contents(output)
    assert {key: value.shape for key, value in vectors.items()} == {str(i): (DIM,) for i in range(3)}
    assert index == {sentence: str(i) for i, sentence in enumerate(SENTENCES[:3])}
    assert attributes["output_mode"] == "mean-pooled"


def test_the_cli_reports_a_bad_line(tmp_path, tiny_elmo):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"sentence": "fine"}\n{"sentence": "broken\n', encoding="utf-8")
    options, weights = tiny_elmo
    result = elmo_embed_cli(str(source), str(tmp_path / "vectors.hdf5"), "--options-file", options,
                            "--weight-file", weights)
    assert result.returncode != 0
    assert f"{source}:2: not valid JSON" in result.stderr.strip().splitlines()[-1]
    assert sorted(os.listdir(tmp_path)) == ["bad.jsonl"]


# Sentence features (`--output pooled`): layers, combination, pooling, standardisation.


@pytest.mark.parametrize(
    "features, expected",
    [
        (SentenceFeatures(), lambda layers: numpy.concatenate(list(layers.mean(axis=1)))),
        (SentenceFeatures(layers=(-1,)), lambda layers: layers[-1].mean(axis=0)),
        (SentenceFeatures(layers=(2, 0)),
         lambda layers: numpy.concatenate([layers[2].mean(axis=0), layers[0].mean(axis=0)])),
        (SentenceFeatures(combine="average"), lambda layers: layers.mean(axis=0).mean(axis=0)),
        (SentenceFeatures(layers=(1, 2), combine="average", pooling=("max",)),
         lambda layers: layers[1:].mean(axis=0).max(axis=0)),
        (SentenceFeatures(pooling=("mean", "max")),
         lambda layers: numpy.concatenate(list(layers.mean(axis=1)) + list(layers.max(axis=1)))),
    ],
)
def test_pooled_vectors_are_the_chosen_layers_pooled(tmp_path, tiny_elmo, features, expected):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:4])
    every, pooled = tmp_path / "all.hdf5", tmp_path / "pooled.hdf5"
    embed_file(source, str(every), *tiny_elmo, output_mode="all")
    embed_file(source, str(pooled), *tiny_elmo, output_mode="pooled", features=features, batch_size=3)
    layers, (vectors, _, attributes) = contents(every)[0], contents(pooled)
    for key in layers:
        assert vectors[key].shape == expected(layers[key]).shape
        assert numpy.abs(vectors[key] - expected(layers[key])).max() <= 1e-6
    assert attributes["output_mode"] == "pooled"
    assert json.loads(attributes["settings"])["features"] == features.settings()


def test_the_default_pooled_vector_concatenates_every_layer(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:2])
    embed_file(source, str(tmp_path / "pooled.hdf5"), *tiny_elmo, output_mode="pooled")
    assert {vector.shape for vector in contents(tmp_path / "pooled.hdf5")[0].values()} == {(LAYERS * DIM,)}


def test_sentence_features_from_the_command_line_words():
    assert SentenceFeatures.parse("all", "concatenate", "mean,max") == SentenceFeatures(pooling=("mean", "max"))
    assert SentenceFeatures.parse("top") == SentenceFeatures(layers=(-1,))
    assert SentenceFeatures.parse("1,2", "average", "max") == SentenceFeatures((1, 2), "average", ("max",))
    for layers, pooling, message in (("one", "mean", "layers"), ("1,1", "mean", "distinct"),
                                     ("all", "median", "pooling"), ("all", "mean,mean", "pooling")):
        with pytest.raises(ConfigurationError, match=message):
            SentenceFeatures.parse(layers, "concatenate", pooling)
    with pytest.raises(ConfigurationError, match="combine"):
        SentenceFeatures.parse("all", "sum")


def test_layers_the_bilm_lacks_are_refused_before_any_output(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:2])
    for layers in ((LAYERS,), (-LAYERS - 1,)):
        with pytest.raises(ConfigurationError, match=f"has {LAYERS} layers"):
            embed_file(source, str(tmp_path / "v.hdf5"), *tiny_elmo, output_mode="pooled",
                       features=SentenceFeatures(layers=layers))
    assert sorted(os.listdir(tmp_path)) == ["sentences.txt"]


def test_features_and_standardize_need_a_sentence_vector_mode(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:2])
    with pytest.raises(ConfigurationError, match="output mode 'pooled'"):
        embed_file(source, str(tmp_path / "v.hdf5"), *tiny_elmo, output_mode="mean-pooled",
                   features=SentenceFeatures())
    for mode in ("all", "top", "average"):
        with pytest.raises(ConfigurationError, match="standardize needs one vector per sentence"):
            embed_file(source, str(tmp_path / "v.hdf5"), *tiny_elmo, output_mode=mode, standardize=True)
    assert sorted(os.listdir(tmp_path)) == ["sentences.txt"]


@pytest.mark.parametrize("mode", ["pooled", "mean-pooled"])
def test_standardized_vectors_have_zero_mean_unit_sd_and_invert(tmp_path, tiny_elmo, mode):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES)
    raw, standard = tmp_path / "raw.hdf5", tmp_path / "standard.hdf5"
    embed_file(source, str(raw), *tiny_elmo, output_mode=mode)
    report = embed_file(source, str(standard), *tiny_elmo, output_mode=mode, standardize=True, batch_size=3)
    assert report.complete and report.path == str(standard)
    assert sorted(os.listdir(tmp_path)) == ["raw.hdf5", "sentences.txt", "standard.hdf5"]
    (raw_vectors, index, _), (vectors, standard_index, attributes) = contents(raw), contents(standard)
    assert standard_index == index and vectors.keys() == raw_vectors.keys()
    # Shape: (num_sentences, dim)
    matrix = numpy.stack([vectors[key] for key in sorted(vectors)])
    assert numpy.abs(matrix.mean(axis=0)).max() < 1e-5
    assert numpy.abs(matrix.std(axis=0) - 1.0).max() < 1e-4
    mean, scale = attributes["feature_mean"], attributes["feature_scale"]
    for key, vector in vectors.items():
        assert numpy.abs(vector * scale + mean - raw_vectors[key]).max() < 1e-5
    assert json.loads(attributes["settings"])["standardize"] is True


def test_a_constant_dimension_is_centred_not_divided_by_zero(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", ["Fine .", "Fine ."])  # two identical vectors
    embed_file(source, str(tmp_path / "v.hdf5"), *tiny_elmo, output_mode="mean-pooled", standardize=True)
    vectors, _, attributes = contents(tmp_path / "v.hdf5")
    assert all(numpy.array_equal(vector, numpy.zeros(DIM, dtype=numpy.float32)) for vector in vectors.values())
    assert numpy.array_equal(attributes["feature_scale"], numpy.ones(DIM, dtype=numpy.float32))


def test_a_run_killed_while_standardizing_is_finished_without_embedding_again(tmp_path, tiny_elmo, spy,
                                                                             monkeypatch):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:5])
    output = tmp_path / "v.hdf5"
    original = embedding_writer._write_standardized

    def killed(*args):
        raise KeyboardInterrupt  # as if killed after the last batch, before the output appeared

    monkeypatch.setattr(embedding_writer, "_write_standardized", killed)
    with pytest.raises(KeyboardInterrupt):
        embed_file(source, str(output), *tiny_elmo, output_mode="pooled", standardize=True)
    assert not output.exists() and os.path.exists(f"{output}.partial")
    assert not [name for name in os.listdir(tmp_path) if name.startswith("v.hdf5.") and name != "v.hdf5.partial"]
    monkeypatch.setattr(embedding_writer, "_write_standardized", original)
    spy.clear()
    report = embed_file(source, str(output), *tiny_elmo, output_mode="pooled", standardize=True)
    assert (report.reused, report.computed, report.complete) == (5, 0, True) and spy == []
    matrix = numpy.stack(list(contents(output)[0].values()))
    assert numpy.abs(matrix.mean(axis=0)).max() < 1e-5
    assert sorted(os.listdir(tmp_path)) == ["sentences.txt", "v.hdf5"]


def test_a_partial_of_other_features_is_started_over(tmp_path, tiny_elmo, caplog, spy):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:4])
    output = tmp_path / "v.hdf5"
    embed_file(source, str(output), *tiny_elmo, output_mode="pooled", max_sentences=2)
    spy.clear()
    with caplog.at_level(logging.WARNING):
        report = embed_file(source, str(output), *tiny_elmo, output_mode="pooled",
                            features=SentenceFeatures(pooling=("mean", "max")))
    assert (report.reused, report.computed) == (0, 4) and len(spy) == 4
    assert "other input, biLM or settings" in caplog.text
    assert {vector.shape for vector in contents(output)[0].values()} == {(2 * LAYERS * DIM,)}


def test_the_cli_pooled_and_standardized(tmp_path, tiny_elmo):
    source = write_lines(tmp_path / "sentences.txt", SENTENCES[:4])
    output = tmp_path / "vectors.hdf5"
    options, weights = tiny_elmo
    result = elmo_embed_cli(source, str(output), "--options-file", options, "--weight-file", weights,
                            "--output", "pooled", "--layers", "1,2", "--pooling", "mean,max", "--standardize")
    assert result.returncode == 0, result.stderr[-3000:]
    vectors, _, attributes = contents(output)
    assert {vector.shape for vector in vectors.values()} == {(2 * 2 * DIM,)}
    assert json.loads(attributes["settings"])["features"] == {"layers": [1, 2], "combine": "concatenate",
                                                              "pooling": ["mean", "max"]}
    assert attributes["feature_scale"].shape == (2 * 2 * DIM,)
    refused = elmo_embed_cli(source, str(tmp_path / "other.hdf5"), "--options-file", options,
                             "--weight-file", weights, "--output", "top", "--pooling", "max")
    assert refused.returncode != 0
    assert "--pooling need --output pooled" in refused.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "other.hdf5").exists()
