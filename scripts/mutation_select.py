"""pytest plugin for `make mutation`: run each test once, on asyncio and the async client.

`make test` runs every async test on asyncio and on trio, and the shared suites on `AsyncFlick`
and on `Flick` (the sync client, a thread around the same async code). Those repeats test the
backends and the wrapper, which are not mutated; a mutant of a core module behaves the same in
each, so the duplicates only cost time (the sync runs are the slowest tests of their files).
This deselects them by their parameters, not by a `-k` name match ("sync" is inside "async",
and a test may be named after trio).

scripts/mutation.py loads it through PYTEST_PLUGINS for the mutmut runs only.
"""

from __future__ import annotations

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
