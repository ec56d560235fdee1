"""
A markdown table of CheckList failure rates, one column per model, from the results files that
`allennlp checklist ARCHIVE sst-sentiment --task-suite-args '{"results_file": "NAME.json"}'`
writes (`SentimentSuite.results`): a row per test in the first file's order, each rate with its
failure count, and the mean over the tests every file ran.
"""
import json
from typing import Dict, List, Optional, Sequence, Tuple

from sst_elmo.common.errors import InputError

FIELDS = ("capability", "test_cases", "failures", "failure_rate")


def read_results(path: str) -> Dict[str, Dict]:
    """The `{test: {"capability", "test_cases", "failures", "failure_rate", ...}}` of a results file."""
    try:
        with open(path, encoding="utf-8") as handle:
            results = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"not a CheckList results file ({error})", path) from None
    if not isinstance(results, dict) or not results:
        raise InputError("not a CheckList results file (no tests)", path)
    for test, row in results.items():
        if not isinstance(row, dict) or not all(field in row for field in FIELDS):
            raise InputError(f"not a CheckList results file ({test!r} lacks one of {', '.join(FIELDS)})", path)
        rate = row["failure_rate"]
        if rate is not None and (not isinstance(rate, (int, float)) or not 0 <= rate <= 1):
            raise InputError(f"{test!r}: failure_rate must be a number from 0 to 1, not {rate!r}", path)
    return results


def _cell(row: Optional[Dict]) -> str:
    if row is None or row["failure_rate"] is None:
        return "–"
    count = "" if row["failures"] is None else f" ({row['failures']})"
    return f"{100 * row['failure_rate']:.1f}%{count}"


def checklist_table(columns: Sequence[Tuple[str, str]]) -> str:
    """
    The table of `columns`, each `(heading, results file)`: a row for every test of any file
    (in the order first seen); the files must agree on each test's number of cases (paired runs).
    """
    if not columns:
        raise InputError("no results files", "checklist_table")
    results: List[Dict[str, Dict]] = [read_results(path) for _, path in columns]
    tests: Dict[str, Dict] = {}
    for (_, path), result in zip(columns, results):
        for test, row in result.items():
            first = tests.setdefault(test, row)
            if first["test_cases"] != row["test_cases"]:
                raise InputError(f"{test!r} has {row['test_cases']} cases here and {first['test_cases']} in "
                                 "another file: not the same suite", path)
    headings = [heading.replace("|", "\\|") for heading, _ in columns]
    lines = ["| capability | test | cases | " + " | ".join(headings) + " |",
             "|---|---|---|" + "---|" * len(columns)]
    for test, row in tests.items():
        cells = " | ".join(_cell(result.get(test)) for result in results)
        lines.append(f"| {row['capability']} | {test} | {row['test_cases']} | {cells} |")
    shared = [test for test in tests if all(result.get(test, {}).get("failure_rate") is not None
                                            for result in results)]
    if not shared:
        raise InputError("no test has a failure rate in every file", columns[0][1])
    means = [sum(result[test]["failure_rate"] for test in shared) / len(shared) for result in results]
    lines.append(f"| | **mean over the {len(shared)} tests** | | "
                 + " | ".join(f"**{100 * mean:.1f}%**" for mean in means) + " |")
    return "\n".join(lines)
