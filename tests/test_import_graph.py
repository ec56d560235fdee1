"""
The package's layers import downward only, and no module imports itself round a circle.

Every `import` of an `sst_elmo` module is read from the source (function-level imports
included, since they form circles all the same). The layers, lowest first:

    common, version < safety < evaluation < data < dataset_readers
    < the ELMo room `elmo`, one layer a sub-room: elmo.files < elmo.runtime < elmo.cache, elmo.embedding
    < vectors < modules, metrics < models < predictors < training < serving < commands
    < sst_elmo (the package, which registers all of these)
    < testing (fixtures for tests) < cli (the console scripts), demo (`make demo`)

A module may import its own layer and the layers below it, never one above; no room holds
more than a fifth of the package's lines (each sub-room of `elmo` is a room); a subcommand
imports no other subcommand, only the helpers they share (`commands.subcommand`,
`commands.archive_loading`). No module of the product imports the test fixtures of
`sst_elmo.testing`; only the tests and the lab do.

The lab, `sst_elmo_lab` in scripts/, sits above the whole package: `sst_elmo` never imports
it. Its rooms have layers of their own (`grids` < `experiments`, `benchmarks`, `shipping`),
and the rooms of its top layer do not import one another: what they share sits below them
(launching `allennlp` is `sst_elmo.common.launch`).
"""
import ast
from pathlib import Path
from typing import Dict, List, Set

from tests.conftest import PROJECT_ROOT, SCRIPTS

PACKAGE = PROJECT_ROOT / "sst_elmo"
LAB = SCRIPTS / "sst_elmo_lab"
LAYERS = [
    {"common", "version"},
    {"safety"},
    {"evaluation"},
    {"data"},
    {"dataset_readers"},
    {"elmo", "elmo.files"},  # the ELMo room: its package, then one layer a sub-room
    {"elmo.runtime"},
    {"elmo.cache", "elmo.embedding"},
    {"vectors"},
    {"modules", "metrics"},
    {"models"},
    {"predictors"},
    {"training"},
    {"serving"},
    {"commands"},
    {""},  # sst_elmo/__init__.py
    {"testing"},
    {"cli", "demo"},
]
# The lab's layers (`sst_elmo_lab` itself: its paths, lowest), and its top layer's rooms,
# each on its own.
LAB_LAYERS = [{""}, {"grids"}, {"experiments", "benchmarks", "shipping"}]
ROOMS = {"experiments", "benchmarks", "shipping"}
# Rooms whose sub-packages are rooms (and layers) of their own: `sst_elmo.elmo.files.checks` is in `elmo.files`.
SUBDIVIDED = {"elmo"}
# The test fixtures, which no module of the product imports (only they themselves and the lab).
TESTING = "testing"


def module_name(path: Path, root: Path = PROJECT_ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(*packages: Path) -> Dict[str, Set[str]]:
    """`{module: the modules of `packages` (default: sst_elmo) it imports}`; `from a import b`
    names `a.b` when that is a module."""
    modules = {module_name(path, package.parent): path for package in packages or (PACKAGE,)
               for path in package.rglob("*.py")}
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
    """
    `sst_elmo.models.elmo_bilm` -> `models`; in a SUBDIVIDED room, `sst_elmo.elmo.files.export` ->
    `elmo.files` (and `sst_elmo.elmo` -> `elmo`); the package itself -> `""`.
    """
    parts = module.split(".")
    if len(parts) > 2 and parts[0] == "sst_elmo" and parts[1] in SUBDIVIDED:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    return next(rank for rank, names in enumerate(LAYERS) if top_package(module) in names)


def upward_imports(graph: Dict[str, Set[str]]) -> List[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if layer(target) > layer(source))


def lab_layer(module: str) -> int:
    return next(rank for rank, names in enumerate(LAB_LAYERS) if top_package(module) in names)


def upward_lab_imports(graph: Dict[str, Set[str]]) -> List[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if source.startswith("sst_elmo_lab") and target.startswith("sst_elmo_lab")
                  and lab_layer(target) > lab_layer(source))


def imports_between_rooms(graph: Dict[str, Set[str]]) -> List[str]:
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if {top_package(source), top_package(target)} <= ROOMS
                  and top_package(source) != top_package(target))


def imports_of_testing(graph: Dict[str, Set[str]]) -> List[str]:
    """Imports of `sst_elmo.testing` from the product (any `sst_elmo` module outside it)."""
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if target.startswith("sst_elmo.") and top_package(target) == TESTING
                  and source.startswith("sst_elmo.") and top_package(source) != TESTING)


def lab_imports(graph: Dict[str, Set[str]]) -> List[str]:
    """Imports of the lab by the product."""
    return sorted(f"{source} -> {target}" for source, targets in graph.items() for target in targets
                  if not source.startswith("sst_elmo_lab") and target.startswith("sst_elmo_lab"))


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


def test_the_product_imports_no_test_fixture():
    assert imports_of_testing(import_graph()) == []


def test_the_product_never_imports_the_lab():
    graph = import_graph(PACKAGE, LAB)
    assert any(target.startswith("sst_elmo.") for targets in graph.values() for target in targets)
    assert any(source.startswith("sst_elmo_lab.") for source in graph)
    assert lab_imports(graph) == []


def test_the_lab_imports_downward_and_its_rooms_not_one_another():
    graph = import_graph(PACKAGE, LAB)
    lab = {source: {target for target in targets if target.startswith("sst_elmo_lab")}
           for source, targets in graph.items() if source.startswith("sst_elmo_lab")}
    for module in lab:
        lab_layer(module)  # raises StopIteration for a room without a layer
    assert upward_lab_imports(lab) == []
    assert imports_between_rooms(lab) == []
    assert circles(lab) == []


def test_the_lab_is_not_installed_with_the_package():
    import tomli

    find = tomli.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert find["packages"]["find"]["include"] == ["sst_elmo", "sst_elmo.*"]
    assert not (PACKAGE / "benchmarks").exists() and not (PACKAGE / "pipelines").exists()


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
    rooms = {"sst_elmo_lab.benchmarks.a": {"sst_elmo_lab.shipping.b", "sst_elmo_lab.benchmarks.c",
                                           "sst_elmo.common.d"},
             "sst_elmo_lab.grids.e": {"sst_elmo_lab.experiments.f"}, "sst_elmo.models.g": {"sst_elmo_lab.grids.e"}}
    assert imports_between_rooms(rooms) == ["sst_elmo_lab.benchmarks.a -> sst_elmo_lab.shipping.b"]
    assert upward_lab_imports(rooms) == ["sst_elmo_lab.grids.e -> sst_elmo_lab.experiments.f"]
    assert lab_imports(rooms) == ["sst_elmo.models.g -> sst_elmo_lab.grids.e"]
    fixtures = {"sst_elmo.models.a": {"sst_elmo.testing.elmo"},
                "sst_elmo_lab.benchmarks.b": {"sst_elmo.testing.elmo"},
                "sst_elmo.testing.elmo": {"sst_elmo.elmo.files.hdf5_layout"}}
    assert imports_of_testing(fixtures) == ["sst_elmo.models.a -> sst_elmo.testing.elmo"]
    # Within the ELMo room each sub-room is a layer: files may not import the runtime.
    elmo = {"sst_elmo.elmo.files.a": {"sst_elmo.elmo.runtime.b"},
            "sst_elmo.elmo.runtime.b": {"sst_elmo.elmo.files.c"}}
    assert upward_imports(elmo) == ["sst_elmo.elmo.files.a -> sst_elmo.elmo.runtime.b"]


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
