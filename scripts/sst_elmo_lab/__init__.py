"""
sst_elmo_lab: the project's lab, beside the product (`sst_elmo`) and never installed with it.

It runs from a source checkout: the scripts in `scripts/` are its command lines, and `python
scripts/NAME.py` puts `scripts/` on `sys.path`, so that `import sst_elmo_lab` works; for
`python -m sst_elmo_lab...` set `PYTHONPATH=scripts`. It needs the `lab` extra
(`pip install -e .[lab]`). The rooms, each importing `sst_elmo` and the rooms below it only:

- `grids`: grids of configs x seeds x sizes (`grid`, `run_grid`), studies shared by several
  workers (`grid_study`, `study_storage`), tuning (`tuning`), results tables, reports, plots;
- `experiments` (above `grids`): diagnosis and probes of an ELMo, the feature baselines, the
  held-out tweets baseline;
- `benchmarks` (above `grids`): the speed measurements behind `scripts/bench_*`;
- `shipping` (above `grids`): pre-training the project's ELMo and shipping ELMos and
  classifiers with their model cards.

`sst_elmo` never imports `sst_elmo_lab` (tests/test_import_graph.py).
"""
import os
from typing import Dict, Mapping, Optional

# scripts/, the directory that holds this package, and the source checkout above it.
SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.dirname(SCRIPTS)


def lab_env(base: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """`base` (default: this process's environment) with `scripts/` first on `PYTHONPATH`, for a
    child process that imports the lab (`python -m sst_elmo_lab...`)."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join([SCRIPTS] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env
