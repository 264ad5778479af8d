"""How each failure becomes one line and an exit code."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable

import pytest

from flick_async import (
    APIConnectionError,
    APIDisabledError,
    AsyncFlick,
    DailyQuotaExceededError,
    InvalidAPIKeyError,
    ProRequiredError,
    RateLimitError,
    ValidationError,
)
from flick_async.cli._common import run
from flick_async.cli._exit import ExitCode, Failure, failure_from
from flick_async.cli._letterboxd import LetterboxdFormatError

from .conftest import Live, one_line_error

RESET = datetime.datetime(2026, 6, 15, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (
            DailyQuotaExceededError("spent", resets_at=RESET),
            ExitCode.RATE_LIMIT,
            "the daily request quota is spent; it resets at 2026-06-15 00:00 UTC",
        ),
        (
            RateLimitError("Rate limit exceeded.", retry_after=90),
            ExitCode.RATE_LIMIT,
            "rate limited (the server asked to wait 90s): Rate limit exceeded.",
        ),
        (
            InvalidAPIKeyError("Unknown API key.", status_code=401, code="invalid_api_key"),
            ExitCode.AUTH,
            "authentication failed: Unknown API key. (invalid_api_key)",
        ),
        (
            ProRequiredError("No Pro.", status_code=403, code="pro_required"),
            ExitCode.AUTH,
            "authentication failed: No Pro. (pro_required)",
        ),
        (
            ValidationError("api_key", "no API key", None),
            ExitCode.AUTH,
            "no API key: pass --api-key or set FLICK_API_KEY",
        ),
        (ValidationError("year", "must be an integer", "x"), ExitCode.USAGE, "year: must be an integer (got 'x')"),
        (
            APIConnectionError("ConnectError: refused", method="GET", url="http://127.0.0.1:9/api/beta/me"),
            ExitCode.ERROR,
            "could not reach the Flick API: ConnectError: refused (GET http://127.0.0.1:9/api/beta/me)",
        ),
        (
            APIDisabledError("Down for maintenance.", status_code=503, code="api_disabled"),
            ExitCode.ERROR,
            "503 api_disabled: Down for maintenance.",
        ),
        (
            LetterboxdFormatError("the file is empty", file="diary.csv"),
            ExitCode.BAD_INPUT,
            "diary.csv: the file is empty",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "x.csv"),
            ExitCode.ERROR,
            "No such file or directory: x.csv",
        ),
    ],
    ids=[
        "daily-quota",
        "rate-limit",
        "bad-key",
        "no-pro",
        "no-key",
        "validation",
        "connection",
        "disabled",
        "export",
        "os",
    ],
)
def test_failure_from(error: BaseException, code: ExitCode, message: str) -> None:
    """Each error class maps to its documented exit code and a one-line message."""
    failure = failure_from(error)
    assert (failure.exit_code, failure.message) == (code, message)
    assert failure.error is error
    assert "\n" not in failure.message


def test_a_failure_passes_through() -> None:
    """A Failure is already presentable: it is returned as is."""
    failure = Failure("stop", ExitCode.PARTIAL)
    assert failure_from(failure) is failure


def _raising(error: BaseException) -> Callable[[], Awaitable[None]]:
    async def main() -> None:
        raise error

    return main


def _group(*errors: BaseException) -> BaseExceptionGroup[BaseException]:
    return BaseExceptionGroup("unhandled errors in a TaskGroup", list(errors))


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (KeyboardInterrupt(), ExitCode.INTERRUPTED, "interrupted"),
        (_group(KeyboardInterrupt()), ExitCode.INTERRUPTED, "interrupted"),
        (_group(_group(asyncio.CancelledError())), ExitCode.INTERRUPTED, "interrupted"),
        (_group(RuntimeError("left behind"), _group(KeyboardInterrupt())), ExitCode.INTERRUPTED, "interrupted"),
        (
            _group(_group(APIDisabledError("Down.", status_code=503, code="api_disabled"))),
            ExitCode.ERROR,
            "503 api_disabled: Down.",
        ),
        (
            _group(asyncio.CancelledError(), RateLimitError("Slow down.", retry_after=5)),
            ExitCode.RATE_LIMIT,
            "rate limited (the server asked to wait 5s): Slow down.",
        ),
        (_group(ValueError("a"), _group(ValueError("b"))), ExitCode.ERROR, "ValueError: a; ValueError: b"),
    ],
    ids=[
        "interrupt",
        "grouped-interrupt",
        "nested-cancel",
        "interrupt-among-others",
        "nested-error",
        "cancel-and-error",
        "two",
    ],
)
def test_run_turns_groups_into_one_line(
    error: BaseException, code: ExitCode, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What escapes the event loop, a (nested) group included, becomes one Failure: 130 for Ctrl-C or cancellation."""
    monkeypatch.delenv("FLICK_DEBUG", raising=False)
    with pytest.raises(Failure) as raised:
        run(_raising(error))
    assert (raised.value.exit_code, raised.value.message) == (code, message)


def test_run_lets_system_exit_through_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """SystemExit is not a failure: it leaves as itself, and out of a group as the SystemExit it holds."""
    monkeypatch.delenv("FLICK_DEBUG", raising=False)
    exit_ = SystemExit(7)
    with pytest.raises(SystemExit) as raised:
        run(_raising(exit_))
    assert raised.value is exit_
    with pytest.raises(SystemExit) as raised:
        run(_raising(_group(_group(exit_))))
    assert raised.value is exit_


def test_flick_debug_shows_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """FLICK_DEBUG=1 lets the group itself through, traceback and all."""
    monkeypatch.setenv("FLICK_DEBUG", "1")
    group = _group(KeyboardInterrupt())
    with pytest.raises(BaseExceptionGroup) as raised:
        run(_raising(group))
    assert raised.value is group


def test_interrupt_in_a_group_is_one_line_and_exit_130(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command whose task group lets a KeyboardInterrupt out exits 130 with one line, not a traceback."""

    async def interrupted(self: AsyncFlick) -> None:
        raise _group(KeyboardInterrupt())

    monkeypatch.setattr(AsyncFlick, "me", interrupted)
    result = live.flick("me")
    assert result.exit_code == 130
    assert one_line_error(result) == "Error: interrupted"
