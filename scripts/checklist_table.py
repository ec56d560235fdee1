"""Prints a markdown table of CheckList failure rates, one column per results file
(`sst_elmo_lab.experiments.checklist_table`).

    python scripts/checklist_table.py "ELMo=runs/checklist/elmo.json" "fastText=runs/checklist/lstm.json"
"""
import argparse
import os
import sys
from typing import List, Optional

from sst_elmo.common.errors import InputError
from sst_elmo_lab.experiments.checklist_table import checklist_table


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("columns", nargs="+", metavar="[HEADING=]RESULTS.json",
                        help="a results file, headed by its path or by HEADING")
    args = parser.parse_args(argv)
    columns = [(column.split("=", 1)[0], column.split("=", 1)[1]) if "=" in column and not os.path.exists(column)
               else (column, column) for column in args.columns]
    try:
        print(checklist_table(columns))
    except InputError as error:
        print(f"checklist_table: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
