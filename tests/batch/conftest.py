"""Fixtures of the bulk-write tests: a local server with room for big jobs, and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from _both_clients import close_all, make_factory, parametrize_client_kinds

from flick_async import AsyncFlick
from flick_async.testing import Account, FakeClock, FlickServer

from .helpers import FAST, SERVER_BASE_URL


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every bulk-write test that builds a client runs on both clients ("async", "sync")."""
    parametrize_client_kinds(metafunc)


@pytest.fixture
def client_kind() -> str:
    """Which client `make_client` builds."""
    return "async"


@pytest.fixture
def clock() -> FakeClock:
    """The client's fake clock: retry waits and Retry-After never sleep for real."""
    return FakeClock()


@pytest.fixture
def server() -> FlickServer:
    """A local server on its own fake clock, rate limits out of the way of bulk jobs."""
    return FlickServer(clock=FakeClock(), rate_limit=1_000_000, daily_limit=1_000_000)


@pytest.fixture
def account(server: FlickServer) -> Account:
    """A fresh Pro account with no reviews, so the store holds only what the test wrote."""
    return server.add_account("bulk")


@pytest.fixture
async def http(server: FlickServer) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose transport is the local server, in process."""
    async with httpx.AsyncClient(transport=server.transport()) as http:
        yield http


@pytest.fixture
def make_client(
    http: httpx.AsyncClient, clock: FakeClock, account: Account, client_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AsyncFlick]]:
    """Build clients of the account (throttling off, fake clock, zero-delay retries); options override."""
    backend = request.getfixturevalue("anyio_backend") if client_kind == "sync" else "asyncio"
    factory, built = make_factory(client_kind, backend, AsyncFlick)

    def make(**options: Any) -> AsyncFlick:
        options.setdefault("base_url", SERVER_BASE_URL)
        options.setdefault("http_client", http)
        options.setdefault("throttle", False)
        options.setdefault("clock", clock)
        options.setdefault("retry_policy", FAST)
        client: AsyncFlick = factory(options.pop("api_key", account.api_key), **options)
        return client

    yield make
    close_all(built)


@pytest.fixture
async def client(make_client: Callable[..., AsyncFlick]) -> AsyncIterator[AsyncFlick]:
    """The account's client on the local server, in process."""
    async with make_client() as flick:
        yield flick
