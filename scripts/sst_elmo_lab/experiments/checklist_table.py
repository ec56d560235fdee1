"""
A markdown table of CheckList failure rates, one column per model, from the results files that
`allennlp checklist ARCHIVE sst-sentiment --task-suite-args '{"results_file": "NAME.json"}'`
writes (`SentimentSuite.results`): a row per test in the first file's order, each rate with its
failure count, and the mean over the tests every file ran.
"""
import json
from typing import Dict, List, Optional, Sequence, Tuple

from sst_elmo.common.errors import InputError


def read_results(path: str) -> Dict[str, Dict]:
    """The `{test: {"capability", "test_cases", "failures", "failure_rate", ...}}` of a results file."""
    try:
        with open(path, encoding="utf-8") as handle:
            results = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"not a CheckList results file ({error})", path) from None
    if not isinstance(results, dict) or not all(
        isinstance(row, dict) and "failure_rate" in row and "capability" in row for row in results.values()
    ):
        raise InputError("not a CheckList results file (no failure_rate per test)", path)
    return results


def _cell(row: Optional[Dict]) -> str:
    if row is None or row.get("failure_rate") is None:
        return "–"
    return f"{100 * row['failure_rate']:.1f}% ({row['failures']})"


def checklist_table(columns: Sequence[Tuple[str, str]]) -> str:
    """The table of `columns`, each `(heading, results file)`."""
    if not columns:
        raise InputError("no results files", "checklist_table")
    results: List[Dict[str, Dict]] = [read_results(path) for _, path in columns]
    lines = ["| capability | test | cases | " + " | ".join(heading for heading, _ in columns) + " |",
             "|---|---|---|" + "---|" * len(columns)]
    for test, row in results[0].items():
        cells = " | ".join(_cell(result.get(test)) for result in results)
        lines.append(f"| {row['capability']} | {test} | {row['test_cases']} | {cells} |")
    shared = [test for test in results[0]
              if all(result.get(test, {}).get("failure_rate") is not None for result in results)]
    means = [sum(result[test]["failure_rate"] for test in shared) / len(shared) if shared else float("nan")
             for result in results]
    lines.append(f"| | **mean over the {len(shared)} tests** | | "
                 + " | ".join(f"**{100 * mean:.1f}%**" for mean in means) + " |")
    return "\n".join(lines)
