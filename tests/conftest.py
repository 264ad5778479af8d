"""Every async test runs on asyncio and on trio, through anyio's pytest plugin."""

from __future__ import annotations

import inspect

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Parametrise async tests over both backends the facade supports."""
    return str(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every coroutine test for anyio, so no async test can silently not run."""
    for item in items:
        function = getattr(item, "function", None)
        if function is not None and inspect.iscoroutinefunction(function):
            item.add_marker(pytest.mark.anyio)
