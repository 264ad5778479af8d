"""Every async test runs on asyncio and on trio (anyio's plugin in auto mode, see pyproject)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Parametrise async tests over both backends the facade supports."""
    return str(request.param)
