"""`allennlp word-vectors` as docs/word-vectors.md shows it (on the fixture data, output in a
temporary directory): progress, one summary line, every task word, and `--force`."""
import gzip
import os
import re
import shlex
import subprocess

from tests.conftest import FIXTURES, PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "word-vectors.md"


def documented_command():
    """The first command of the doc's first bash block, its continuation lines joined."""
    block = re.search(r"```bash\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    command = block.replace("\\\n", " ")
    return next(line for line in command.splitlines() if line.startswith("allennlp word-vectors"))


def run(command, out):
    args = shlex.split(command)
    args[args.index("-o") + 1] = str(out)  # the doc's runs/words-imdb, here in a temporary directory
    env = dict(os.environ, SST_ELMO_DATA=str(FIXTURES / "data"))
    return subprocess.run([str(PROJECT_ROOT / ".venv/bin/allennlp"), *args[1:]], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_documented_command_writes_vectors_and_refuses_to_overwrite_them(tmp_path):
    command = documented_command()
    assert command.startswith("allennlp word-vectors configs/pretrain/imdb_continue.jsonnet -o ")
    out = tmp_path / "words-imdb"
    result = run(command, out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "word-vectors: corpus:" in result.stderr  # progress
    assert result.stdout.startswith("Wrote ") and "vectors of dimension 300" in result.stdout
    assert "0 without a vector" in result.stdout  # every SST word of the fixtures
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "card.json", "vectors.txt.gz"]
    with gzip.open(out / "vectors.txt.gz", "rt") as handle:
        assert len(handle.readline().split()) == 301
    before = (out / "vectors.txt.gz").read_bytes()
    again = run(command, out)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.strip().splitlines()[-1].endswith("--force replaces them")
    assert (out / "vectors.txt.gz").read_bytes() == before
