import json
import subprocess
import sys

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo_lab.experiments.checklist_table import checklist_table
from tests.conftest import PROJECT_ROOT, SCRIPTS


def write(path, rates):
    path.write_text(json.dumps({
        test: {"capability": "NER", "test_cases": 10, "test_cases_run": 10,
               "failures": None if rate is None else round(rate * 10), "failure_rate": rate}
        for test, rate in rates.items()
    }))
    return str(path)


def test_a_row_per_test_and_the_mean_over_the_tests_both_ran(tmp_path):
    a = write(tmp_path / "a.json", {"Change names": 0.1, "Change locations": 0.3, "Typos": None})
    b = write(tmp_path / "b.json", {"Change locations": 0.5, "Change names": 0.0})
    table = checklist_table([("ELMo", a), ("fastText", b)]).splitlines()
    assert table[0] == "| capability | test | cases | ELMo | fastText |"
    assert table[2] == "| NER | Change names | 10 | 10.0% (1) | 0.0% (0) |"
    assert table[3] == "| NER | Change locations | 10 | 30.0% (3) | 50.0% (5) |"
    assert table[4] == "| NER | Typos | 10 | – | – |"
    assert table[5] == "| | **mean over the 2 tests** | | **20.0%** | **25.0%** |"


def test_a_file_that_is_not_a_results_file_is_one_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"Typos": 3}')
    with pytest.raises(InputError, match="no failure_rate"):
        checklist_table([("x", str(tmp_path / "bad.json"))])
    done = subprocess.run([sys.executable, str(SCRIPTS / "checklist_table.py"), f"x={tmp_path / 'missing.json'}"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "missing.json" in done.stderr
