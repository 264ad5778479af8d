"""`FLICK_LOG=info|debug`: the `flick_async` logger's records on stderr, the key never among them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, RateLimiter, ValidationError
from flick_async._logging import _reset
from flick_async.testing import FakeClock

from .helpers import MOCK_BASE_URL, MOCK_KEY, NO_BACKOFF, PROFILE_JSON, RATE_LIMIT_HEADERS, envelope


@pytest.fixture(autouse=True)
def clean_logger() -> Iterator[None]:
    """Each test starts and ends with the logger as an application would find it."""
    _reset()
    yield
    _reset()


async def _retry_then_succeed(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    httpx_mock.add_response(status_code=503, json=envelope("internal_error", "later"))
    httpx_mock.add_response(json=PROFILE_JSON, headers=RATE_LIMIT_HEADERS)
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        await flick.me()


async def test_unset_prints_nothing(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without FLICK_LOG the SDK adds no handler and sets no level: the application decides."""
    monkeypatch.delenv("FLICK_LOG", raising=False)
    await _retry_then_succeed(httpx_mock, make_mock_client)
    logger = logging.getLogger("flick_async")
    assert (logger.handlers, logger.level) == ([], logging.NOTSET)
    assert "retrying" not in capsys.readouterr().err


async def test_info_shows_retries_and_throttle_waits_not_requests(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> None:
    """At info: the retry (method, path, delay, error) and the throttle's wait (delay, reason); no request lines."""
    monkeypatch.setenv("FLICK_LOG", "info")
    await _retry_then_succeed(httpx_mock, make_mock_client)
    limiter = RateLimiter(per_minute=1, per_day=100, window_seconds=60, clock=clock)
    httpx_mock.add_response(json=PROFILE_JSON, is_reusable=True)
    async with make_mock_client(throttle=limiter) as flick:
        await clock.run(flick.me)
        await clock.run(flick.me)  # the second waits for the next window
    err = capsys.readouterr().err
    assert "flick_async INFO] retrying GET /api/beta/me in 0.00s (attempt 1 failed:" in err
    assert "flick_async INFO] throttled: waiting" in err
    assert "(minute)" in err
    assert "-> 200" not in err
    assert MOCK_KEY not in err


@pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
async def test_debug_shows_every_answer_and_never_the_key(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    auth: str,
) -> None:
    """At debug: each attempt's method, URL, status and time; the key in neither auth scheme."""
    monkeypatch.setenv("FLICK_LOG", " DEBUG ")
    httpx_mock.add_response(status_code=503, json=envelope("internal_error", "later"))
    httpx_mock.add_response(json=PROFILE_JSON)
    async with make_mock_client(retry_policy=NO_BACKOFF, auth=auth) as flick:
        await flick.me()
    err = capsys.readouterr().err
    assert f"flick_async DEBUG] GET {MOCK_BASE_URL}/me -> 503 in 0.000s" in err
    assert f"flick_async DEBUG] GET {MOCK_BASE_URL}/me -> 200 in 0.000s" in err
    assert "INFO] retrying" in err
    assert MOCK_KEY not in err


def test_the_handler_masks_a_key_in_any_record(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record that somehow carries a key (a user's own message on our logger) is masked."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    logging.getLogger("flick_async").warning("oops %s", MOCK_KEY)
    err = capsys.readouterr().err
    assert "oops flick_sk_<redacted>" in err
    assert MOCK_KEY not in err


def test_many_clients_install_one_handler(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each client reads FLICK_LOG; the handler is installed once, and the level follows the variable."""
    monkeypatch.setenv("FLICK_LOG", "debug")
    make_mock_client()
    make_mock_client()
    logger = logging.getLogger("flick_async")
    assert (len(logger.handlers), logger.level) == (1, logging.DEBUG)
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    assert (len(logger.handlers), logger.level) == (1, logging.INFO)


@pytest.mark.parametrize("value", ["verbose", "warn", "1"])
def test_an_unknown_value_is_a_validation_error(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """A typo in FLICK_LOG is named, not ignored."""
    monkeypatch.setenv("FLICK_LOG", value)
    with pytest.raises(ValidationError) as caught:
        make_mock_client()
    assert caught.value.field == "FLICK_LOG"
