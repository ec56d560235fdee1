from sst_elmo.testing.elmo import TINY_OPTIONS
from sst_elmo_lab.benchmarks.pretrain_speed import compare, corpus_batches, count_words
from tests.conftest import FIXTURES


def test_fast_path_and_allennlp_train_alike_on_the_same_batches():
    data = corpus_batches(str(FIXTURES / "corpus.txt"), num_batches=4, batch_size=4)
    assert len(data["batches"]) == 4
    assert all(count_words(batch) > 0 for batch in data["batches"])
    results = compare(data["vocab"], data["batches"], TINY_OPTIONS, num_samples=10, compare_steps=4,
                      sides=("allennlp", "fast", "fast_bf16"))
    assert results["allennlp"]["max_loss_difference"] == 0.0
    assert results["fast"]["max_loss_difference"] <= 1e-4
    # bf16 computes something close, not the same.
    assert 0.0 < results["fast_bf16"]["max_loss_difference"] < 0.1
    assert all(result["words_per_second"] > 0 for result in results.values())


def test_too_small_a_corpus_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="fewer than"):
        corpus_batches(str(FIXTURES / "corpus.txt"), num_batches=10_000, batch_size=8)


def test_the_command_line_prints_a_row_a_side_and_writes_the_json(tmp_path, capsys):
    import json

    from sst_elmo_lab.benchmarks.pretrain_speed import main

    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"model": {"options": TINY_OPTIONS, "num_samples": 10}}))
    out = tmp_path / "results.json"
    main(["--config", str(config), "--corpus", str(FIXTURES / "corpus.txt"), "--batch-size", "4",
          "--batches", "4", "--threads", "1", "--sides", "allennlp,fast", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "4 batches of 4 IMDB sentences" in printed
    rows = [line for line in printed.splitlines() if line.startswith(("| allennlp |", "| fast |"))]
    assert len(rows) == 2
    assert all(" of fp32 |" in row for row in rows)  # both sides' rates against the fp32 peak
    assert "MFLOP per word" in printed and "bf16" in printed
    written = json.loads(out.read_text())
    assert sorted(written["sides"]) == ["allennlp", "fast"] and written["peaks"]["bfloat16"] > 0


def test_without_native_bf16_the_default_sides_skip_it_and_say_so(tmp_path, capsys, monkeypatch):
    import json

    from sst_elmo_lab.benchmarks import pretrain_speed

    monkeypatch.setattr(pretrain_speed, "native_bf16", lambda: False)
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"model": {"options": TINY_OPTIONS, "num_samples": 10}}))
    out = tmp_path / "results.json"
    pretrain_speed.main(["--config", str(config), "--corpus", str(FIXTURES / "corpus.txt"), "--batch-size", "4",
                         "--batches", "4", "--threads", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "no native bf16 on this CPU: emulated" in printed
    assert sorted(json.loads(out.read_text())["sides"]) == ["allennlp", "fast"]


def test_without_the_allennlp_side_the_ratio_columns_are_dashes():
    from sst_elmo_lab.benchmarks.pretrain_speed import result_table

    peaks = {"float32": 148.0, "bfloat16": 0.2}
    table = result_table({"fast": {"words_per_second": 2667.0, "gflops": 60.0}}, peaks)
    row = next(line for line in table.splitlines() if line.startswith("| fast |"))
    assert row == "| fast | 2,667 | - | 60 | 41% of fp32 | - |"
    assert "nan" not in table


def test_training_flops_count_every_lstm_product_at_every_position():
    import torch

    from sst_elmo.models.elmo_bilm import ElmoBiLm
    from sst_elmo_lab.benchmarks.pretrain_speed import softmax_flops, step_flops

    data = corpus_batches(str(FIXTURES / "corpus.txt"), num_batches=1, batch_size=4)
    batch = data["batches"][0]
    model = ElmoBiLm(data["vocab"], options=TINY_OPTIONS, num_samples=10)
    model.train()
    characters = batch["tokens"]["elmo"]["elmo_tokens"]
    before = model.fast.matrix_flops
    with torch.no_grad():
        model.fast.token_embedding(characters)
    cnn = model.fast.matrix_flops - before
    before = model.fast.matrix_flops
    output = model(**batch)
    forward = model.fast.matrix_flops - before
    lstm = TINY_OPTIONS["lstm"]
    cell, hidden, layers = lstm["dim"], lstm["projection_dim"], lstm["n_layers"]
    # Every row at every position of the longest sentence plus <S> and </S>, both directions.
    positions = characters.size(0) * (characters.size(1) + 2)
    per_layer = 2 * 2 * positions * (hidden * 4 * cell + hidden * 4 * cell + cell * hidden)
    assert forward - cnn == layers * per_layer
    targets = int(output["batch_weight"])
    assert softmax_flops(targets, hidden, 10, 99) == 2 * 2 * targets * hidden * 11
    assert softmax_flops(targets, hidden, None, 99) == 2 * 2 * targets * hidden * 99
    output_layer = softmax_flops(targets, hidden, 10, model.num_classes)
    assert step_flops(model, forward, targets) == 3 * (forward + output_layer)
