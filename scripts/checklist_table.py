"""Prints a markdown table of CheckList failure rates, one column per results file
(`sst_elmo_lab.experiments.checklist_table`).

    python scripts/checklist_table.py "ELMo=runs/checklist/elmo.json" "fastText=runs/checklist/lstm.json"
"""
import argparse
import sys

from sst_elmo.common.errors import InputError
from sst_elmo_lab.experiments.checklist_table import checklist_table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("columns", nargs="+", metavar="HEADING=RESULTS.json")
    args = parser.parse_args()
    columns = [tuple(column.split("=", 1)) if "=" in column else (column, column) for column in args.columns]
    try:
        print(checklist_table(columns))
    except InputError as error:
        print(f"checklist_table: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
