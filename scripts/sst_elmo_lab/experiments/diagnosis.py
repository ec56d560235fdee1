"""
Where does an ELMo's effect on a classifier come from? One grid on SST-2 whole sentences
(3 seeds by default, frozen ELMo read from the activation cache) that trains:

- `glove`: the GloVe-only baseline (no subtrees, like for like);
- `elmo_all`, `elmo_top`, `elmo_layer0`: the ELMo with a learned mix of all layers, the top
  layer only, and the character CNN (layer 0) only;
- `untrained_all`: the same biLM shape with random, untrained weights drawn exactly as
  pre-training starts (`elmo_bilm`'s `initial_weights`): if it scores like the trained ELMo,
  what pre-training learned does not reach the classifier;
- `elmo_glove`: the ELMo concatenated with GloVe (the paper adds ELMo to word vectors).

`main` writes the untrained control ELMo and `grid.json` into the output directory and runs
the grid (resumable, like `scripts/run_grid.py`). Its command, from the project root:

    PYTHONPATH=scripts .venv/bin/python -m sst_elmo_lab.experiments.diagnosis \\
        --elmo models/elmo-imdb --out runs/diagnosis
"""
import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sst_elmo.elmo.files.hdf5_layout import write_options, write_weights

# Fixed scalar-mix weights (pre-softmax) that select one layer of a 2-layer biLM.
ONLY_TOP = [-9e10, -9e10, 1.0]
ONLY_CHARACTERS = [1.0, -9e10, -9e10]
ELMO = "model.text_field_embedder.token_embedders.elmo"
NO_SUBTREES = {"dataset_reader.use_subtrees": False}


def write_untrained_elmo(options_file: str, out_dir: str, seed: int = 0) -> Tuple[str, str]:
    """An ELMo with `options_file`'s shape and the random weights pre-training starts from."""
    from sst_elmo.elmo.files.build import initial_weights

    with open(options_file, encoding="utf-8") as handle:
        options = json.load(handle)
    os.makedirs(out_dir, exist_ok=True)
    options_path = os.path.join(out_dir, "options.json")
    weights_path = os.path.join(out_dir, "weights.hdf5")
    write_options(options, options_path)
    write_weights(initial_weights(options, seed), weights_path)
    return options_path, weights_path


def diagnosis_grid(
    untrained: Tuple[str, str], seeds: Sequence[int] = (1, 2, 3), n_layers: int = 2
) -> Dict[str, Any]:
    """The grid (`sst_elmo_lab.grids.grid.Grid` JSON) of the variants in the module doc."""
    if n_layers != 2:
        raise ValueError(f"the layer variants assume a 2-layer biLM, not {n_layers} layers")
    options_file, weight_file = untrained
    # The baseline and ELMo + GloVe first (the comparison that matters most), then the
    # variants that say where the difference comes from.
    configs: List[Dict[str, Any]] = [
        {"name": "glove", "config": "configs/sst2_lstm.jsonnet", "overrides": NO_SUBTREES},
        # SST-2's own config, not sst5_elmo_glove with a `dataset_reader.granularity` override.
        {"name": "elmo_glove", "config": "configs/sst2_elmo_glove.jsonnet", "overrides": NO_SUBTREES},
        {"name": "elmo_all", "config": "configs/sst2_elmo.jsonnet", "overrides": NO_SUBTREES},
        {"name": "untrained_all", "config": "configs/sst2_elmo.jsonnet",
         "overrides": {**NO_SUBTREES, f"{ELMO}.options_file": options_file, f"{ELMO}.weight_file": weight_file}},
        {"name": "elmo_top", "config": "configs/sst2_elmo.jsonnet",
         "overrides": {**NO_SUBTREES, f"{ELMO}.scalar_mix_parameters": ONLY_TOP}},
        {"name": "elmo_layer0", "config": "configs/sst2_elmo.jsonnet",
         "overrides": {**NO_SUBTREES, f"{ELMO}.scalar_mix_parameters": ONLY_CHARACTERS}},
    ]
    return {"configs": configs, "seeds": list(seeds), "sizes": ["full"], "pair": ["glove", "elmo_glove"]}


def diagnosis_env(
    elmo_dir: str, shared: str, cache_dir: str, environ: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """The environment of every run: the ELMo, the data, the GloVe sample, the cache."""
    env = dict(os.environ if environ is None else environ)
    env.update(
        SST_ELMO_DATA=env.get("SST_ELMO_DATA") or os.path.join(shared, "data"),
        SST_ELMO_OPTIONS=os.path.abspath(os.path.join(elmo_dir, "options.json")),
        SST_ELMO_WEIGHTS=os.path.abspath(os.path.join(elmo_dir, "weights.hdf5")),
        SST_ELMO_GLOVE="6B.50d",
        SST_ELMO_GLOVE_FILE=env.get("SST_ELMO_GLOVE_FILE")
        or os.path.join(shared, "data", "glove", "glove.6B.50d.top2445.txt"),
        SST_ELMO_CACHE="1",
        SST_ELMO_CACHE_DIR=cache_dir,
    )
    return env


def main(argv: Optional[List[str]] = None) -> int:
    from sst_elmo.common.file_utils import atomic_write
    from sst_elmo_lab.grids.grid import Grid, GridRunner
    from sst_elmo_lab.grids.report import write_report
    from sst_elmo_lab.grids.results import rows_to_csv

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elmo", required=True, help="an exported ELMo directory (options.json, weights.hdf5)")
    parser.add_argument("--out", required=True, help="output directory (resumable)")
    parser.add_argument("--shared", default=os.path.join("..", "shared"), help="the shared data directory")
    parser.add_argument("--cache-dir", default=os.path.join("cache", "elmo"))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)

    with open(os.path.join(args.elmo, "options.json"), encoding="utf-8") as handle:
        n_layers = json.load(handle)["lstm"]["n_layers"]
    untrained = write_untrained_elmo(
        os.path.join(args.elmo, "options.json"), os.path.join(args.out, "untrained_elmo")
    )
    data = diagnosis_grid(untrained, args.seeds, n_layers)
    atomic_write(os.path.join(args.out, "grid.json"), json.dumps(data, indent=1))
    grid = Grid.from_json(data, os.path.join(args.out, "grid.json"))
    env = diagnosis_env(args.elmo, args.shared, os.path.abspath(args.cache_dir))
    runner = GridRunner(grid, args.out, env=env, jobs=args.jobs, threads=args.threads)
    runner.run_all()
    rows = runner.results()
    atomic_write(os.path.join(runner.out_dir, "results.csv"), rows_to_csv(rows))
    written = write_report(rows, os.path.join(runner.out_dir, "report"), pair=grid.pair)
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0 if all(row["status"] == "done" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
