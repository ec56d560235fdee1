"""`allennlp sst-predict`'s defaults (its behaviour is tested end to end in test_cli_anywhere.py)."""
import argparse

from sst_elmo.commands.sst_predict import SstPredict


def test_sst_predict_batches_by_default():
    parser = argparse.ArgumentParser()
    SstPredict().add_subparser(parser.add_subparsers())
    args = parser.parse_args(["sst-predict", "model.tar.gz", "in.jsonl", "--output-file", "out.jsonl"])
    assert args.batch_size == 64
    assert args.fast_elmo is False  # AllenNLP's own biLM unless asked


def test_fast_elmo_gives_the_same_predictions(model_archive, tmp_path, caplog):
    """`--fast-elmo` swaps the frozen biLM for FastElmoBiLm (commands/archive_loading): same answers."""
    import json
    import logging

    from sst_elmo.cli import run_allennlp

    source = tmp_path / "in.jsonl"
    source.write_text('{"sentence": "A fine, warm film ."}\n{"tokens": ["Dull", "and", "long", "."]}\n')
    outputs = {}
    for name, extra in (("plain", []), ("fast", ["--fast-elmo"])):
        out = tmp_path / f"{name}.jsonl"
        with caplog.at_level(logging.INFO, logger="sst_elmo.commands.archive_loading"):
            caplog.clear()
            status = run_allennlp(["sst-predict", str(model_archive / "model.tar.gz"), str(source),
                                   "--output-file", str(out), *extra])
        assert status == 0
        assert ("FastElmoBiLm" in caplog.text) == (name == "fast")
        outputs[name] = [json.loads(line) for line in out.read_text().splitlines()]
    for plain, fast in zip(outputs["plain"], outputs["fast"]):
        assert plain["label"] == fast["label"] and plain["tokens"] == fast["tokens"]
        probs = [row["label_probs"] for row in (plain, fast)]
        if isinstance(probs[0], dict):
            probs = [[row[label] for label in sorted(probs[0])] for row in probs]
        assert max(abs(a - b) for a, b in zip(*probs)) < 1e-5


def test_without_an_output_file_the_predictions_go_to_standard_output(model_archive, tmp_path, capsys):
    import json

    from sst_elmo.cli import run_allennlp

    source = tmp_path / "in.jsonl"
    source.write_text('{"sentence": "A fine film ."}\n\n{"tokens": ["Dull", "."]}\n')
    assert run_allennlp(["sst-predict", str(model_archive / "model.tar.gz"), str(source)]) == 0
    out, err = capsys.readouterr()
    assert [json.loads(line)["tokens"] for line in out.splitlines()] == [["A", "fine", "film", "."], ["Dull", "."]]
    assert "Wrote 2 predictions to standard output." in err
    # A bad line stops the command before any prediction is written, to a file or to standard output.
    source.write_text('{"sentence": "A fine film ."}\n{"sentence": "broken\n')
    assert run_allennlp(["sst-predict", str(model_archive / "model.tar.gz"), str(source)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"{source}:2" in err
