"""pytest plugin for `make mutation`: run each test once, on asyncio and the async client.

`make test` runs every async test on asyncio and on trio, and the shared suites on `AsyncFlick`
and on `Flick` (the sync client, a thread around the same async code). Those repeats test the
backends and the wrapper, which are not mutated; a mutant of a core module behaves the same in
each, so the duplicates only cost time (the sync runs are the slowest tests of their files).
This deselects them by their parameters, not by a `-k` name match ("sync" is inside "async",
and a test may be named after trio).

It also runs a mutant's tests fastest first. mutmut hands each mutant the set of tests that reach
the mutated function, stops at the first failure (`-x`), and leaves their order to the set; most
mutants are caught by some test, so the sooner a cheap test gets its turn the sooner the run moves
on (a `_throttle` mutant reaches about 160 tests, 48 s in all, of which one model test is 12 s).
The durations are the ones mutmut measured in its stats run, which this process inherits.

scripts/mutation.py loads it through PYTEST_PLUGINS for the mutmut runs only.
"""

from __future__ import annotations

import math

import pytest

# Parameter values whose tests repeat another's for a mutant of a core module.
_DUPLICATES = {"anyio_backend": "trio", "client_kind": "sync"}


def _is_duplicate(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(params.get(name) == value for name, value in _DUPLICATES.items())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [item for item in items if _is_duplicate(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not _is_duplicate(item)]
    durations = _measured_durations()
    if durations:
        # Stable: tests never measured (the stats run itself) keep their order, after the rest.
        items.sort(key=lambda item: durations.get(item.nodeid, math.inf))


def _measured_durations() -> dict[str, float]:
    try:
        from mutmut.state import state
    except ImportError:  # --recheck runs plain pytest, one survivor at a time: order is moot
        return {}
    durations: dict[str, float] = state().duration_by_test
    return durations
