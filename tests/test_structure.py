"""The package's shape: layers without import cycles, small modules, short functions.

Imports inside functions count (a lazy import that hides a circle is still a circle); imports
under ``if TYPE_CHECKING:`` do not run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "costcalc"
TUI = Path(__file__).resolve().parent.parent / "tui" / "costcalc_tui"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_BECAUSE = "# long because"


def _modules(root: Path, prefix: str) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([prefix, *parts])] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, known: set[str]) -> set[str]:
    """The costcalc modules ``module`` imports at run time (anywhere in its code)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name in known and name != module}


def _graph() -> dict[str, set[str]]:
    modules = _modules(PACKAGE, "costcalc")
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        edges = _imports(ast.parse(path.read_text(encoding="utf-8")), name, known)
        # importing a submodule runs its package's __init__ too, which imports nothing here
        graph[name] = {e for e in edges if not name.startswith(e + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycles() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


LAYERS = ["base", "schemas", "formulas", "data", "estimator", "commands", "render", "cli"]
#: The one display hook: every result mixes in ``costcalc.base.display.Displayed``, whose ``str()``,
#: ``repr()`` and ``_repr_html_`` hand over to ``costcalc.render.dispatch`` (the renderer reads
#: results only for typing).
DISPLAY_HOOKS = {("costcalc.base.display", "costcalc.render.dispatch")}


def _layer(module: str) -> int | None:
    """The layer of a module: its folder, or for a top-level module its name up to "_" (cli_parsers is cli)."""
    parts = module.split(".")
    top = parts[1].split("_")[0] if len(parts) > 1 else ""
    return LAYERS.index(top) if top in LAYERS else None


def test_imports_point_down_the_layers() -> None:
    """base < schemas < formulas < data < estimator < commands < render < cli (render reads models)."""
    upward = []
    for module, edges in _graph().items():
        here = _layer(module)
        for target in edges:
            there = _layer(target)
            if here is not None and there is not None and there > here and (module, target) not in DISPLAY_HOOKS:
                upward.append(f"{module} -> {target}")
    assert not upward, upward


def _long_ok(lines: list[str], node: ast.AST) -> bool:
    first = getattr(node, "lineno", 1) - 1
    nearby = lines[max(0, first - 2) : first + 2]
    return any(LONG_BECAUSE in line for line in nearby) or any(LONG_BECAUSE in line for line in lines[:15])


@pytest.mark.parametrize("root", [PACKAGE, TUI], ids=["costcalc", "tui"])
def test_modules_and_functions_stay_small(root: Path) -> None:
    problems = []
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_MODULE_LINES and not any(LONG_BECAUSE in line for line in lines[:15]):
            problems.append(f"{path.name}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and not _long_ok(lines, node):
                    problems.append(f"{path.name}:{node.lineno} {node.name}: {length} lines")
    assert not problems, problems
