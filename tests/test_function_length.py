"""
No function in the package or the lab (scripts/sst_elmo_lab) is longer than about 80 lines.

A function's length runs from its first decorator to its last line, docstring and nested
functions included (a nested function also counts on its own). `ALLOWED` names the few
functions let over the limit, each at its present length so it cannot grow unnoticed; an
entry that is no longer needed fails the test, so the list only shrinks.
"""
import ast
from pathlib import Path
from typing import Dict

from tests.conftest import PROJECT_ROOT, SCRIPTS

PACKAGE = PROJECT_ROOT / "sst_elmo"
LAB = SCRIPTS / "sst_elmo_lab"
MAX_LINES = 80
# "path:qualified name": the most lines it may have (each entry with the reason it needs them).
ALLOWED: Dict[str, int] = {}


def function_lengths(package: Path = PACKAGE, root: Path = PROJECT_ROOT) -> Dict[str, int]:
    """`{"path:Class.function": lines}` for every function and method under `package`."""
    lengths: Dict[str, int] = {}

    def visit(node: ast.AST, prefix: str, path: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([child.lineno] + [decorator.lineno for decorator in child.decorator_list])
                    lengths[f"{path}:{name}"] = child.end_lineno - first + 1
                visit(child, f"{name}.", path)
            else:
                visit(child, prefix, path)

    for source in sorted(package.rglob("*.py")):
        visit(ast.parse(source.read_text(encoding="utf-8")), "", source.relative_to(root).as_posix())
    return lengths


def test_no_function_is_longer_than_80_lines():
    lengths = {**function_lengths(), **function_lengths(LAB)}
    assert any(name.startswith("scripts/sst_elmo_lab/") for name in lengths)
    too_long = {name: lines for name, lines in lengths.items() if lines > ALLOWED.get(name, MAX_LINES)}
    assert too_long == {}, f"cut these below {MAX_LINES} lines: {too_long}"


def test_every_allowed_function_still_needs_it():
    lengths = {**function_lengths(), **function_lengths(LAB)}
    stale = [name for name in ALLOWED if lengths.get(name, 0) <= MAX_LINES]
    assert stale == [], f"remove from ALLOWED (gone, or {MAX_LINES} lines or fewer now): {stale}"


def test_the_check_counts_decorators_docstrings_and_nested_functions(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(
        "import functools\n"
        "\n"
        "\n"
        "class Outer:\n"
        "    @functools.lru_cache()\n"
        "    def method(self):\n"
        '        """Doc."""\n'
        "        def inner():\n"
        "            return 1\n"
        "\n"
        "        return inner()\n"
        "\n"
        "\n"
        "async def top():\n"
        "    pass\n"
    )
    assert function_lengths(package, tmp_path) == {
        "pkg/mod.py:Outer.method": 7, "pkg/mod.py:Outer.method.inner": 2, "pkg/mod.py:top": 2,
    }
