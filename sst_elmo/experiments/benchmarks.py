"""
Tables of the benchmark scripts in `scripts/` (their shell scripts time the commands; the
tables are made here).

    python -m sst_elmo.experiments.benchmarks cached-training OUT EPOCHS UNCACHED FILL CACHED
    python -m sst_elmo.experiments.benchmarks random-elmo OPTIONS_JSON OUT_DIR
"""
import argparse
import json
import os
import sys
import time
from typing import Callable, List, Optional, Tuple

from sst_elmo.common.file_utils import final_metrics


def best_validation_accuracy(serialization_dir: str) -> float:
    return final_metrics(serialization_dir)["best_validation_accuracy"]


def cached_training_table(
    out: str, epochs: int, uncached: float, fill: float, cached: float,
    config: str = "configs/sst5_elmo.jsonnet", max_train: Optional[str] = None,
) -> str:
    """
    The `scripts/bench_cached_training.sh` table: wall-clock seconds of the uncached run, the
    cache fill and the cached run (whose runs are `OUT/uncached` and `OUT/cached`), the
    speed-ups and both dev accuracies.
    """
    uncached_accuracy = best_validation_accuracy(os.path.join(out, "uncached"))
    cached_accuracy = best_validation_accuracy(os.path.join(out, "cached"))
    sentences = f"the first {max_train} training sentences" if max_train else "all training sentences"
    return "\n".join([
        f"{epochs} epochs of {config} on {sentences}, wall-clock seconds (including start-up)",
        "| run | fill | training | total | best dev accuracy |",
        "|---|---|---|---|---|",
        f"| uncached (stateless_elmo) | - | {uncached:.0f} | {uncached:.0f} | {uncached_accuracy:.4f} |",
        f"| cached_elmo, empty cache | {fill:.0f} | {cached:.0f} | {fill + cached:.0f} | {cached_accuracy:.4f} |",
        f"speed-up, including the fill: {uncached / (fill + cached):.1f}x; "
        f"training alone: {uncached / cached:.1f}x",
        f"dev accuracy difference: {abs(uncached_accuracy - cached_accuracy) * 100:.2f} points",
    ]) + "\n"


def operation_timings(repeats: int = 50) -> List[Tuple[str, str, float, str, float]]:
    """
    The single-operation timings behind `FastElmoBiLm`'s choices, in this process (one call
    each, after a warm-up; seconds per call): `(what, slower way, seconds, faster way,
    seconds)`, on the shapes of the published small ELMo with batches of 64.
    """
    import torch

    def seconds(function: Callable[[], object]) -> float:
        for _ in range(3):
            function()
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        return (time.perf_counter() - start) / repeats

    gates = torch.randn(2, 64, 4096)
    # Shape: (words, windows, filters), the CNN's output before the max over positions.
    convolved = torch.randn(256, 12, 2048)
    state, weight = torch.randn(2, 64, 128), torch.randn(2, 4096, 128)
    contiguous = weight.transpose(1, 2).contiguous()
    return [
        ("the LSTM gates' non-linearity, 2 x 64 x 4,096 values",
         "torch.tanh", seconds(lambda: torch.tanh(gates)),
         "torch.sigmoid", seconds(lambda: torch.sigmoid(gates))),
        ("max over the CNN's positions, 256 x 12 x 2,048",
         "max(dim=1) (with indices)", seconds(lambda: convolved.max(dim=1)),
         "amax(dim=1)", seconds(lambda: convolved.amax(dim=1))),
        ("state product, (2, 64, 128) x (2, 128, 4,096)",
         "bmm, contiguous weights", seconds(lambda: torch.bmm(state, contiguous)),
         "bmm, the stored weights transposed", seconds(lambda: torch.bmm(state, weight.transpose(1, 2)))),
    ]


def operation_table(rows: List[Tuple[str, str, float, str, float]]) -> str:
    """`operation_timings` as a markdown table with the ratios."""
    lines = ["| operation | slower | µs | faster | µs | ratio |", "|---|---|---|---|---|---|"]
    for what, slow_name, slow, fast_name, fast in rows:
        lines.append(f"| {what} | {slow_name} | {slow * 1e6:,.0f} | {fast_name} | {fast * 1e6:,.0f} "
                     f"| {slow / fast:.1f}x |")
    return "\n".join(lines) + "\n"


def write_random_shaped_elmo(options_path: str, out_dir: str) -> List[str]:
    """
    `options.json` and random `weights.hdf5` in `out_dir`, in the shape of `options_path`, at
    the scale 0.03 of `scripts/bench_elmo_forward.py` (speed only).
    """
    from sst_elmo.elmo.hdf5_layout import write_random_elmo

    with open(options_path, encoding="utf-8") as handle:
        options = json.load(handle)
    os.makedirs(out_dir, exist_ok=True)
    return list(write_random_elmo(out_dir, options, scale=0.03))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="table", required=True)
    cached = commands.add_parser("cached-training", help="the table of scripts/bench_cached_training.sh")
    cached.add_argument("out")
    cached.add_argument("epochs", type=int)
    cached.add_argument("seconds", type=float, nargs=3, metavar=("UNCACHED", "FILL", "CACHED"))
    random = commands.add_parser("random-elmo", help="random ELMo weights in the shape of an options.json")
    random.add_argument("options")
    random.add_argument("out_dir")
    args = parser.parse_args(argv)
    if args.table == "random-elmo":
        print("wrote", *write_random_shaped_elmo(args.options, args.out_dir))
        return 0
    print(cached_training_table(
        args.out, args.epochs, *args.seconds,
        config=os.environ.get("BENCH_CONFIG") or "configs/sst5_elmo.jsonnet",
        max_train=os.environ.get("BENCH_MAX_TRAIN") or None,
    ), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
