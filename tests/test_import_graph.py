"""
The package's layers import downward only, and no module imports itself round a circle.

Every `import` of an `sst_elmo` module is read from the source (function-level imports
included, since they form circles all the same). The layers, lowest first:

    common, version < safety < evaluation < data < dataset_readers < elmo, elmo_files < caching
    < embedding, vectors < modules, metrics < models < predictors < training < serving < commands
    < sst_elmo (the package, which registers all of these)
    < experiments, pipelines, benchmarks, cli (the console scripts)

A module may import its own layer and the layers below it, never one above; no room holds
more than a fifth of the package's lines; a subcommand imports no other subcommand, only the
helpers they share (`commands.subcommand`, `commands.archive_loading`). The rooms of the
top layer (experiments, pipelines, benchmarks) do not import one another: what they share
sits below them (launching `allennlp` is `sst_elmo.common.launch`).
"""
import ast
from pathlib import Path
from typing import Dict, List, Set

from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "sst_elmo"
LAYERS = [
    {"common", "version"},
    {"safety"},
    {"evaluation"},
    {"data"},
    {"dataset_readers"},
    {"elmo", "elmo_files"},
    {"caching"},
    {"embedding", "vectors"},
    {"modules", "metrics"},
    {"models"},
    {"predictors"},
    {"training"},
    {"serving"},
    {"commands"},
    {""},  # sst_elmo/__init__.py
    {"experiments", "pipelines", "benchmarks", "cli"},
]
# The top layer's rooms, each on its own.
ROOMS = {"experiments", "pipelines", "benchmarks"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path = PACKAGE) -> Dict[str, Set[str]]:
    """`{module: the sst_elmo modules it imports}`; `from a import b` names `a.b` when that is a module."""
    modules = {module_name(path): path for path in package.rglob("*.py")}
    graph: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        imported: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    imported.add(submodule if submodule in modules else node.module)
        graph[name] = {target for target in imported if target in modules and target != name}
    return graph


def top_package(module: str) -> str:
    """`sst_elmo.elmo_files.export` -> `elmo`; the package itself -> `""`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    return next(rank for rank, names in enumerate(LAYERS) if top_package(module) in names)


def upward_imports(graph: Dict[str, Set[str]]) -> List[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if layer(target) > layer(source))


def imports_between_rooms(graph: Dict[str, Set[str]]) -> List[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if {top_package(source), top_package(target)} <= ROOMS
                  and top_package(source) != top_package(target))


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Every circle found by a depth-first search (each reported once, from its first module)."""
    found, state = [], {}

    def visit(module: str, path: List[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_every_package_has_a_layer():
    for module in import_graph():
        layer(module)  # raises StopIteration for a package without one


def test_no_upward_import():
    assert upward_imports(import_graph()) == []


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_no_room_of_the_top_layer_imports_another():
    assert imports_between_rooms(import_graph()) == []


# The modules of `commands` that the subcommands share; a subcommand imports no other subcommand.
COMMAND_HELPERS = {"sst_elmo.commands.subcommand", "sst_elmo.commands.archive_loading"}


def test_no_subcommand_imports_another():
    sideways = sorted(f"{source} -> {target}" for source, targets in import_graph().items()
                      if top_package(source) == "commands" for target in targets
                      if top_package(target) == "commands" and target not in COMMAND_HELPERS
                      and source != "sst_elmo.commands")
    assert sideways == []


def test_no_room_holds_over_a_fifth_of_the_package():
    lines = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in PACKAGE.rglob("*.py")}
    total = sum(lines.values())
    rooms: Dict[str, int] = {}
    for path, count in lines.items():
        room = top_package(module_name(path))
        rooms[room] = rooms.get(room, 0) + count
    assert {room: count for room, count in rooms.items() if count > total / 5} == {}


def test_the_checks_find_what_they_look_for(tmp_path):
    # The checks themselves, on a made-up graph: a circle and an upward import.
    graph = {"sst_elmo.common.a": {"sst_elmo.models.b"}, "sst_elmo.models.b": {"sst_elmo.common.a"}}
    assert upward_imports(graph) == ["sst_elmo.common.a -> sst_elmo.models.b"]
    assert circles(graph) == [["sst_elmo.common.a", "sst_elmo.models.b", "sst_elmo.common.a"]]
    rooms = {"sst_elmo.benchmarks.a": {"sst_elmo.pipelines.b", "sst_elmo.benchmarks.c", "sst_elmo.common.d"}}
    assert imports_between_rooms(rooms) == ["sst_elmo.benchmarks.a -> sst_elmo.pipelines.b"]


def test_importing_every_module_leaves_out_plotting():
    """`--include-package sst_elmo` imports every module; matplotlib waits for the first plot."""
    import subprocess
    import sys

    code = (
        "import sys; from allennlp.common.util import import_module_and_submodules as f; "
        "f('sst_elmo'); print('matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]
