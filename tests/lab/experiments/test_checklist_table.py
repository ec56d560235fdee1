import json
import runpy

import pytest

from sst_elmo.common.errors import InputError
from sst_elmo_lab.experiments.checklist_table import checklist_table
from tests.conftest import SCRIPTS


def write(path, rates, cases=10):
    path.write_text(json.dumps({
        test: {"capability": "NER", "test_cases": cases, "test_cases_run": cases,
               "failures": None if rate is None else round(rate * cases), "failure_rate": rate}
        for test, rate in rates.items()
    }))
    return str(path)


def test_a_row_per_test_of_any_file_and_the_mean_over_the_tests_all_ran(tmp_path):
    a = write(tmp_path / "a.json", {"Change names": 0.1, "Change locations": 0.3, "Typos": None})
    b = write(tmp_path / "b.json", {"Change locations": 0.5, "Change names": 0.0, "Only here": 0.2})
    table = checklist_table([("ELMo", a), ("fast|Text", b)]).splitlines()
    assert table[0] == "| capability | test | cases | ELMo | fast\\|Text |"
    assert table[2] == "| NER | Change names | 10 | 10.0% (1) | 0.0% (0) |"
    assert table[3] == "| NER | Change locations | 10 | 30.0% (3) | 50.0% (5) |"
    assert table[4] == "| NER | Typos | 10 | – | – |"
    assert table[5] == "| NER | Only here | 10 | – | 20.0% (2) |"
    assert table[6] == "| | **mean over the 2 tests** | | **20.0%** | **25.0%** |"


def test_files_that_are_not_paired_results_are_refused_in_one_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"Typos": {"failure_rate": 0.1, "capability": "NER"}}')
    (tmp_path / "empty.json").write_text("{}")
    paired = [write(tmp_path / "ten.json", {"Typos": 0.1}),
              write(tmp_path / "more.json", {"Typos": 0.1}, cases=99)]
    for columns, message in (([("x", str(tmp_path / "bad.json"))], "lacks one of"),
                             ([("x", str(tmp_path / "empty.json"))], "no tests"),
                             ([("a", paired[0]), ("b", paired[1])], "99 cases here and 10 in another file")):
        with pytest.raises(InputError, match=message):
            checklist_table(columns)


def test_the_script_prints_the_table_or_one_line(tmp_path, capsys, monkeypatch):
    main = runpy.run_path(str(SCRIPTS / "checklist_table.py"))["main"]
    path = write(tmp_path / "a=b.json", {"Typos": 0.5})
    assert main([path, f"Named={path}"]) == 0  # a path with "=" that exists is a path
    assert capsys.readouterr().out.splitlines()[0] == f"| capability | test | cases | {path} | Named |"
    assert main([f"x={tmp_path / 'missing.json'}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.json" in err
