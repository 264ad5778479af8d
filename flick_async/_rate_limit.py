"""What the server last said about the key's rate limits (`client.rate_limit`)."""

from __future__ import annotations

import attrs
import httpx

__all__ = ["RateLimitStatus", "parse_rate_limit_headers"]


@attrs.frozen
class RateLimitStatus:
    """A snapshot of the `X-RateLimit-*` headers of one response.

    Attributes:
        limit: Requests allowed per minute window.
        remaining: Requests left in the current minute window.
        reset: Unix time at which the minute window resets.
        limit_day: Requests allowed per UTC day.
        remaining_day: Requests left in the current UTC day.
    """

    limit: int | None
    remaining: int | None
    reset: float | None
    limit_day: int | None
    remaining_day: int | None


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw.strip()))
    except ValueError:
        return None


def parse_rate_limit_headers(headers: httpx.Headers) -> RateLimitStatus | None:
    """Read the five `X-RateLimit-*` headers; None when the response carried none of them.

    Unreadable values become None rather than errors: the API is beta and headers may change.
    """
    status = RateLimitStatus(
        limit=_int_header(headers, "x-ratelimit-limit"),
        remaining=_int_header(headers, "x-ratelimit-remaining"),
        reset=_int_header(headers, "x-ratelimit-reset"),
        limit_day=_int_header(headers, "x-ratelimit-limit-day"),
        remaining_day=_int_header(headers, "x-ratelimit-remaining-day"),
    )
    if all(value is None for value in attrs.astuple(status)):
        return None
    return status
