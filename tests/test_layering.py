"""The core modules import one another in one direction only (imports for type checking count)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "flick_async"


def _core_imports() -> dict[str, set[str]]:
    """Each private core module and the core modules it imports, anywhere in its body."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("_*.py")):
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                targets.add(node.module.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("flick_async._"):
                targets.add(node.module.split(".")[1])
        graph[path.stem] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [*path, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_core_has_no_import_cycle() -> None:
    """No chain of imports between flick_async's private modules leads back to where it started."""
    assert _cycle(_core_imports()) is None


@pytest.mark.parametrize("module", ["_pipeline", "_resources", "_batch", "_pagination", "_raw", "_logging"])
def test_modules_below_the_client_never_import_it(module: str) -> None:
    """The pipeline, endpoint groups, pagination and batching sit below `AsyncFlick` (as httpx's transports do)."""
    assert "_client" not in _core_imports()[module]


def test_cycle_finder_finds_a_planted_cycle() -> None:
    """The check itself can fail: a graph with a -> b -> c -> a is reported as that cycle."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
