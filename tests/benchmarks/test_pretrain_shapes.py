"""The biLM shape benchmark (`scripts/pretrain_shapes.py`) on tiny batches."""
import re

import pytest

from sst_elmo.benchmarks.pretrain_shapes import SHAPES, main


def test_a_shape_is_timed_on_random_batches(capsys):
    main(["256_64_256cnn", "--batch-size", "2", "--tokens", "3", "--vocab", "50", "--num-samples", "10",
          "--steps", "1", "--threads", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "batches of 2 x 3 words, 1 threads"
    assert len(lines) == 2 and re.fullmatch(r" *256_64_256cnn: [0-9.]+ s/batch, [0-9,]+ words/s", lines[1])


def test_an_unknown_shape_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["no_such_shape"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "unknown shape(s) no_such_shape" in error and all(name in error for name in SHAPES)
