"""Exit codes, and the one place where an exception becomes a one-line message and a code.

Scripts branch on the code, people read the line; nobody should ever see a traceback.
"""

from __future__ import annotations

import datetime
import enum

import click
import httpx

from flick_async._errors import (
    APIConnectionError,
    AuthenticationError,
    DailyQuotaExceededError,
    FlickError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)
from flick_async.cli._letterboxd import LetterboxdFormatError

__all__ = ["ExitCode", "Failure", "describe_reset", "failure_from"]


class ExitCode(enum.IntEnum):
    """What `flick` exits with; documented in `flick --help` and the package docstring."""

    OK = 0
    ERROR = 1  # the API or the connection failed
    USAGE = 2  # a bad command line (click's own code for usage errors)
    AUTH = 3  # no key, a bad or revoked key, or an account without Pro
    RATE_LIMIT = 4  # a rate limit that retries could not wait out, or the daily quota
    PARTIAL = 5  # an import finished but left entries out, or an export cannot show it is whole
    BAD_INPUT = 6  # an input file (export, overrides) cannot be read
    INTERRUPTED = 130  # Ctrl-C; the shell convention (128 + SIGINT)


EXIT_CODES_HELP = """\b
Exit codes:
  0    success
  1    error: the API or the connection failed
  2    usage: a bad command line or option value
  3    authentication: no API key, an invalid or revoked key, or no Flick Pro
  4    rate limit: the daily quota is spent (the message says when it resets)
  5    partial import: some entries were not imported (see unmatched.csv);
       also an export that cannot show it got every item (no file is replaced)
  6    bad input: the export or overrides file cannot be read
  130  interrupted (Ctrl-C); an import resumes where it stopped
"""


class Failure(click.ClickException):
    """A failure that `flick` reports as `Error: <message>` and exits with `code`."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR, *, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.error = error  # the exception this failure reports, if any
        self.exit_code = int(code)  # type: ignore[misc]  # click declares it on the class; ours varies


_API_PREFIX = "/api/beta"


def _missing_prefix(url: str) -> str | None:
    """A hint when a URL the server knows no operation for lacks the API's path prefix."""
    parsed = httpx.URL(url) if url else None
    if parsed is None or _API_PREFIX in parsed.path:
        return None
    base = str(parsed.copy_with(path=_API_PREFIX, query=None, fragment=None))
    return f"the base URL lacks the API's {_API_PREFIX} prefix: try --base-url {base} (or FLICK_BASE_URL)"


def describe_reset(resets_at: datetime.datetime) -> str:
    """`2026-06-15 00:00 UTC` for a quota reset time."""
    return resets_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def failure_from(error: BaseException) -> Failure:
    """Translate an SDK or reader exception into the message and exit code `flick` shows."""
    if isinstance(error, Failure):
        return error
    failure = _failure_from(error)
    failure.error = error
    return failure


def _failure_from(error: BaseException) -> Failure:
    if isinstance(error, DailyQuotaExceededError):
        return Failure(
            f"the daily request quota is spent; it resets at {describe_reset(error.resets_at)}", ExitCode.RATE_LIMIT
        )
    if isinstance(error, RateLimitError):
        wait = f" (the server asked to wait {error.retry_after:g}s)" if error.retry_after is not None else ""
        return Failure(f"rate limited{wait}: {error.message}", ExitCode.RATE_LIMIT)
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return Failure(f"authentication failed: {error.message} ({error.code or error.status_code})", ExitCode.AUTH)
    if isinstance(error, ValidationError):
        if error.field == "api_key":
            # The SDK's message is about the Python API; this one names the CLI's ways to give a key.
            rule = "no API key: pass --api-key or set FLICK_API_KEY" if not error.value else f"the API key {error.rule}"
            return Failure(rule, ExitCode.AUTH)
        if error.field == "base_url":
            # The SDK names its Python argument; the CLI's way to say the same is a flag.
            rule = error.rule.replace("allow_insecure_http=True", "--allow-insecure-http (FLICK_ALLOW_INSECURE_HTTP=1)")
            return Failure(f"--base-url {rule}", ExitCode.USAGE)
        return Failure(str(error), ExitCode.USAGE)
    if isinstance(error, APIConnectionError):
        return Failure(f"could not reach the Flick API: {error}", ExitCode.ERROR)
    if isinstance(error, LetterboxdFormatError):
        return Failure(str(error), ExitCode.BAD_INPUT)
    if isinstance(error, NotFoundError) and "no such operation" in error.message.lower():
        hint = _missing_prefix(error.url)
        if hint:
            return Failure(f"{error}; {hint}", ExitCode.ERROR)
    if isinstance(error, FlickError):
        return Failure(str(error), ExitCode.ERROR)
    if isinstance(error, OSError):
        return Failure(f"{error.strerror or error}: {error.filename}" if error.filename else str(error))
    return Failure(f"{type(error).__name__}: {error}")
