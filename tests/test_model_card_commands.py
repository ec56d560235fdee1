"""
The commands a shipped classifier's model card opens with (`allennlp sst-serve NAME`,
`allennlp sst-predict NAME INPUT`) run as shown, from the project root: `sst-predict` with
INPUT a small JSONL file and no `--output-file` writes the predictions to standard output;
`sst-serve` (on a free port, `--port 0`, instead of 8000) answers `/predict`.
"""
import http.client
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sst_elmo.commands.sst_serve import LISTENING
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow
CARDS = sorted(PROJECT_ROOT.glob("models/*/README.md"))
CARDS = [card for card in CARDS if (card.parent / "model.tar.gz").exists()]
SENTENCES = ["A gorgeous, witty film.", "Dull, clumsy and far too long."]


def card_commands(card: Path):
    """The `allennlp ...` commands of the card's text before its first section."""
    opening = card.read_text(encoding="utf-8").split("\n## ", 1)[0]
    return [shlex.split(command) for command in re.findall(r"`(allennlp [^`]+)`", opening)]


def card_labels(card: Path):
    """`{label: name}` of the card's `- labels:` line (`0` negative, `1` positive)."""
    line = next(line for line in card.read_text(encoding="utf-8").splitlines() if line.startswith("- labels:"))
    return dict(re.findall(r"`([^`]+)` ([\w ]+?)(?:,|$)", line))


def test_each_classifier_has_a_card_with_both_commands():
    assert CARDS
    for card in CARDS:
        commands = {tuple(command[:2]) for command in card_commands(card)}
        assert commands == {("allennlp", "sst-serve"), ("allennlp", "sst-predict")}, card


@pytest.mark.parametrize("card", CARDS, ids=[card.parent.name for card in CARDS])
def test_the_cards_commands_run_as_shown(card, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SST_ELMO_CACHE_DIR": str(tmp_path / "cache")}
    source = tmp_path / "input.jsonl"
    source.write_text("".join(json.dumps({"sentence": sentence}) + "\n" for sentence in SENTENCES))
    commands = {command[1]: command for command in card_commands(card)}
    serve = [sys.executable, "-m", *commands["sst-serve"], "--port", "0"]
    server = subprocess.Popen(serve, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        predict = [str(source) if arg == "INPUT" else arg for arg in commands["sst-predict"]]
        predict = [sys.executable, "-m", *predict]
        result = subprocess.run(predict, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        labels = card_labels(card)
        assert [row["tokens"][0] for row in rows] == ["A", "Dull"]
        assert all(row["label"] in labels and row["label_name"] == labels[row["label"]] for row in rows)
        assert "Wrote 2 predictions to standard output." in result.stderr
        port = next(int(re.search(r":(\d+)/", line).group(1)) for line in server.stderr if LISTENING in line)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("POST", "/predict", json.dumps({"sentence": SENTENCES[0]}),
                           {"Content-Type": "application/json"})
        answer = connection.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["label"] == rows[0]["label"]
    finally:
        server.terminate()
        server.wait(timeout=60)
