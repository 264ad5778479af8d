"""How each failure becomes one line and an exit code."""

from __future__ import annotations

import datetime

import pytest

from flick_async import (
    APIConnectionError,
    APIDisabledError,
    DailyQuotaExceededError,
    InvalidAPIKeyError,
    ProRequiredError,
    RateLimitError,
    ValidationError,
)
from flick_async.cli._exit import ExitCode, Failure, failure_from
from flick_async.cli._letterboxd import LetterboxdFormatError

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
