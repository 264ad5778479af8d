"""Every async test runs on asyncio and on trio (anyio's plugin in auto mode, see pyproject)."""

from __future__ import annotations

import pytest
from hypothesis import settings

# No per-example deadline anywhere: CI's two cores are shared, and a slow example is not a
# failure of the behaviour under test (each property test bounds its own example count).
settings.register_profile("flick", deadline=None)
settings.load_profile("flick")


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Parametrise async tests over both backends the facade supports."""
    return str(request.param)
