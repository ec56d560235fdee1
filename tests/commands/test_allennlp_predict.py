"""
AllenNLP's own `allennlp predict` with the plugin loaded (sst_elmo.commands.allennlp_predict),
through the real CLI in a subprocess, on the shipped `models/sst2` archive: the real file and
line in errors, no output file from a failed run, blank lines skipped, and `--silent` quiet.
"""
import json
import subprocess
import sys

import pytest

from sst_elmo.commands.allennlp_predict import silent_predict
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

ARCHIVE = str(PROJECT_ROOT / "models/sst2/model.tar.gz")
# Line 3 is blank and line 5 only spaces: skipped, yet counted. Line 8's sentence has no tokens.
LINES = ['{"sentence": "A fine film."}', '{"sentence": "Dull."}', "", '{"tokens": ["Warm", "."]}', "   ",
         '{"sentence": "Long and slow."}', '{"sentence": "Bright."}', '{"sentence": ""}',
         '{"sentence": "The end."}']
# INFO lines that come before the plugin is loaded (AllenNLP imports allennlp_models first).
BEFORE_THE_PLUGIN = "INFO - allennlp.common.plugins - Plugin allennlp_models available"


def predict(*args, cwd=PROJECT_ROOT):
    return subprocess.run([sys.executable, "-m", "allennlp", "predict", ARCHIVE, *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def info_lines(stderr):
    return [line for line in stderr.splitlines() if " INFO " in line and BEFORE_THE_PLUGIN not in line]


def test_a_bad_line_names_the_file_and_real_line_and_leaves_no_output(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(LINES) + "\n")
    output = tmp_path / "out.jsonl"
    result = predict(str(source), "--silent", "--batch-size", "4", "--output-file", str(output))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"sst_elmo.common.errors.InputError: {source}:8: the text has no tokens "
        f"(line: '{{\"sentence\": \"\"}}'); "
        "to skip bad lines and go on: --predictor-args '{\"skip_bad_lines\": true}'"
    )
    assert info_lines(result.stderr) == [] and len(result.stderr.strip().splitlines()) <= 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl"]  # no empty, partial or temporary file


def test_blank_lines_are_skipped_and_silent_is_quiet(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(LINES) + "\n")
    output = tmp_path / "out.jsonl"
    result = predict(str(source), "--silent", "--output-file", str(output),
                     "--predictor-args", '{"skip_bad_lines": true}')
    assert result.returncode == 0, result.stderr[-2000:]
    assert info_lines(result.stderr) == [] and result.stdout == ""
    assert f"skipped {source}:8: the text has no tokens" in result.stderr
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [row["tokens"] for row in rows] == [
        ["A", "fine", "film", "."], ["Dull", "."], ["Warm", "."], ["Long", "and", "slow", "."], ["Bright", "."],
        ["The", "end", "."]]


def test_only_silent_predict_runs_are_quietened():
    allennlp = "/venv/bin/allennlp"
    assert silent_predict([allennlp, "predict", "m.tar.gz", "in.jsonl", "--silent"])
    main = "/venv/lib/python3.10/site-packages/allennlp/__main__.py"
    assert silent_predict([main, "predict", "m.tar.gz", "in.jsonl", "--silent"])
    assert not silent_predict([allennlp, "predict", "m.tar.gz", "in.jsonl"])
    assert not silent_predict([allennlp, "train", "c.jsonnet", "-s", "r", "--silent"])
    assert not silent_predict(["/usr/bin/pytest", "predict", "--silent"])
