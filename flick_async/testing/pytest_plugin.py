"""pytest fixtures for the local Flick server (installed with `flick-async[testing]`).

    def test_profile(flick_transport, flick_api_key):
        ...

Fixtures:
    flick_server: a fresh `FlickServer` per test (built-in catalog, demo account seeded).
    flick_api_key: the demo account's key (`DEMO_API_KEY`).
    flick_transport: `flick_server.transport()`, an httpx transport into the server.

Override `flick_server` in a conftest to change its limits, clock or catalog. The server's
modules are imported inside the fixtures, so merely having this plugin installed costs
nothing and needs none of the `testing` extra's dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flick_async.testing import FlickServer, FlickTransport


@pytest.fixture
def flick_server() -> FlickServer:
    """A fresh in-memory Flick server for this test."""
    from flick_async.testing import FlickServer

    return FlickServer()


@pytest.fixture
def flick_api_key(flick_server: FlickServer) -> str:
    """The key of the server's demo Pro account."""
    from flick_async.testing import DEMO_API_KEY

    return DEMO_API_KEY


@pytest.fixture
def flick_transport(flick_server: FlickServer) -> FlickTransport:
    """An httpx transport serving requests from `flick_server` in process."""
    return flick_server.transport()
