"""`allennlp word-vectors` as a user runs it: progress, one summary line, `--force`."""
import os
import subprocess
import sys

from tests.conftest import FIXTURES, PROJECT_ROOT


def word_vectors(*args):
    return subprocess.run(
        [sys.executable, "-m", "allennlp", "word-vectors", *map(str, args)],
        cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=600,
    )


def test_cli_writes_vectors_and_refuses_to_overwrite_them(tmp_path):
    config = tmp_path / "pretrain.jsonnet"
    config.write_text(f"{{dataset_reader: {{type: 'text_corpus'}}, train_data_path: '{FIXTURES / 'corpus.txt'}'}}")
    out = tmp_path / "words"
    result = word_vectors(config, "-o", out, "--dim", "6", "--min-count", "1", "--epochs", "1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "word-vectors: corpus:" in result.stderr  # progress
    assert result.stdout.startswith("Wrote ") and "vectors of dimension 6" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "card.json", "vectors.txt.gz"]
    before = (out / "vectors.txt.gz").read_bytes()
    again = word_vectors(config, "-o", out, "--dim", "6", "--min-count", "1", "--epochs", "1", "--seed", "2")
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1].endswith("--force replaces them")
    assert "Traceback" not in again.stderr
    assert (out / "vectors.txt.gz").read_bytes() == before
