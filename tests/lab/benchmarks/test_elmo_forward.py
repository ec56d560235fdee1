"""The ELMo forward benchmark (`scripts/bench_elmo_forward.py`): its tables, on a tiny ELMo."""
import json

from sst_elmo.testing.elmo import TINY_OPTIONS
from sst_elmo_lab.benchmarks import elmo_forward
from sst_elmo_lab.benchmarks.elmo_forward import main, operation_table, operation_timings
from tests.conftest import FIXTURES


def test_operation_timings_table():
    rows = operation_timings(repeats=1)
    assert len(rows) == 3 and all(slow > 0 and fast > 0 for _, _, slow, _, fast in rows)
    table = operation_table([("op", "slow", 3e-6, "fast", 1e-6)])
    assert "| op | slow | 3 | fast | 1 | 3.0x |" in table


def test_both_sides_on_random_weights_agree_and_every_side_is_timed(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(elmo_forward, "matmul_gflops", lambda **kwargs: 1.0)  # the peak is not measured here
    options = tmp_path / "options.json"
    options.write_text(json.dumps(TINY_OPTIONS))
    main(["--elmo-options", str(options), "--sentences", str(FIXTURES / "data" / "sst" / "dev.txt"),
          "--max-sentences", "5", "--batch-size", "2", "--threads", "1"])
    out = capsys.readouterr().out
    assert out.startswith("5 sentences, ")
    assert all(f"{name:42s}" in out for name, *_ in elmo_forward.SIDES)
    fp32 = next(line for line in out.splitlines() if line.startswith("max abs difference FastElmoBiLm vs"))
    assert float(fp32.rsplit(" ", 1)[1]) < 1e-4
    assert "max abs difference FastElmoBiLm bf16 vs AllenNLP fp32" in out


def test_no_bf16_leaves_out_the_bf16_side(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(elmo_forward, "matmul_gflops", lambda **kwargs: 1.0)
    options = tmp_path / "options.json"
    options.write_text(json.dumps(TINY_OPTIONS))
    main(["--elmo-options", str(options), "--sentences", str(FIXTURES / "data" / "sst" / "dev.txt"),
          "--max-sentences", "3", "--batch-size", "2", "--threads", "1", "--no-bf16"])
    assert "bf16" not in capsys.readouterr().out
