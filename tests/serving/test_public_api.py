"""
The server uses only the public API of what it serves: no `x._name` in `sst_elmo/serving/`
where `x` is not `self` or `cls` (a predictor's, a model's, waitress's or another module's
private attribute), and the predictor and the service give it what it needs.
"""
import ast
from typing import List

from tests.conftest import PROJECT_ROOT

SERVING = PROJECT_ROOT / "sst_elmo" / "serving"


def private_accesses(source: str, name: str = "<source>") -> List[str]:
    """`name:line: x._attribute` for each private attribute read or set on anything but `self`/`cls`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") and node.attr.endswith("__"):
            continue  # a special name (`__class__`, `__name__`) is public
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append((node.lineno, node.col_offset, f"{name}:{node.lineno}: {ast.unparse(node)}"))
    return [text for _, _, text in sorted(found)]


def test_the_server_uses_no_private_attribute_of_another_object():
    found = [access for path in sorted(SERVING.rglob("*.py"))
             for access in private_accesses(path.read_text(encoding="utf-8"), str(path.relative_to(PROJECT_ROOT)))]
    assert found == []


def test_the_check_finds_what_it_looks_for():
    source = (
        "class A:\n"
        "    def f(self, predictor, service):\n"
        "        self._own = predictor._length(1)\n"
        "        service.batcher._jobs.clear()\n"
        "        return self.__class__, cls_._x, self._server.port\n"
    )
    assert private_accesses(source) == [
        "<source>:3: predictor._length", "<source>:4: service.batcher._jobs", "<source>:5: cls_._x",
    ]


def test_the_service_leaves_the_predictors_skip_bad_lines_as_it_is_and_reports_each_batch(lstm_predictor):
    from sst_elmo.serving.service import PredictionService

    lstm_predictor.skip_bad_lines = True
    service = PredictionService(lstm_predictor, max_batch_delay_ms=0)
    seen: List[int] = []
    try:
        assert lstm_predictor.skip_bad_lines is True  # not switched off behind the caller's back
        service.observe_batches(seen.append)
        service.predict([{"sentence": "A fine film ."}, {"tokens": ["dull"]}])
        assert seen == [2]
        service.observe_batches(None)
        service.predict({"sentence": "Again ."})
        assert seen == [2]
    finally:
        service.close(5)
