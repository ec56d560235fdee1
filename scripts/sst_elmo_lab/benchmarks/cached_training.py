"""
The table of `scripts/bench_cached_training.sh` (the shell script times the commands; the
table is made here), and the random ELMo it trains with.

    python -m sst_elmo_lab.benchmarks.cached_training cached-training OUT EPOCHS UNCACHED FILL CACHED
    python -m sst_elmo_lab.benchmarks.cached_training random-elmo OPTIONS_JSON OUT_DIR
"""
import argparse
import os
import sys
from typing import List, Optional

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
        from sst_elmo_lab.benchmarks.elmo_forward import write_random_shaped_elmo

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
