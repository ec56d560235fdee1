"""Prints a markdown table of dev and test accuracy from `allennlp train` output directories.

    python scripts/results_table.py runs/first_results/*/
"""
import argparse
from pathlib import Path

from sst_elmo.common.file_utils import final_metrics


def row(run: Path) -> str:
    metrics = final_metrics(str(run))
    epochs = metrics["epoch"] + 1  # the last epoch trained, 0-based
    duration = metrics.get("training_duration", "?").split(".")[0]
    return (
        f"| {run.name} | {metrics['best_validation_accuracy']:.4f} "
        f"| {metrics.get('test_accuracy', float('nan')):.4f} "
        f"| {metrics['best_epoch']} / {epochs} | {duration} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    print("| run | dev accuracy | test accuracy | best epoch (0-based) / epochs run | training time |")
    print("|---|---|---|---|---|")
    for run in args.runs:
        if (run / "metrics.json").exists():
            print(row(run))


if __name__ == "__main__":
    main()
