"""Prints a markdown table of dev and test accuracy from `allennlp train` output directories
(`sst_elmo_lab.grids.results.runs_table`).

    python scripts/results_table.py runs/first_results/*/
"""
import argparse

from sst_elmo_lab.grids.results import runs_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    print(runs_table(parser.parse_args().runs))


if __name__ == "__main__":
    main()
