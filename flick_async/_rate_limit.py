"""What the server last said about the key's rate limits (`client.rate_limit`)."""

from __future__ import annotations

import attrs
import httpx

__all__ = ["RateLimitStatus", "parse_rate_limit_headers", "read_headers"]


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


# Where each header's value goes in `RateLimitStatus(...)`, by lower-cased raw name.
_FIELDS = {
    b"x-ratelimit-limit": 0,
    b"x-ratelimit-remaining": 1,
    b"x-ratelimit-reset": 2,
    b"x-ratelimit-limit-day": 3,
    b"x-ratelimit-remaining-day": 4,
}
_RESET = _FIELDS[b"x-ratelimit-reset"]


def parse_rate_limit_headers(headers: httpx.Headers) -> RateLimitStatus | None:
    """Read the five `X-RateLimit-*` headers; None when the response carried none of them.

    Unreadable values become None rather than errors: the API is beta and headers may change.
    """
    return read_headers(headers)[0]


def read_headers(headers: httpx.Headers) -> tuple[RateLimitStatus | None, bytes | None, bytes | None]:
    """The rate-limit snapshot, and the raw `Date` and `X-RateLimit-Reset`, in one pass.

    What a throttle reads of every response. One pass over the raw pairs: httpx's
    case-insensitive lookups rescan every header each time, and this runs on every response.
    A header sent twice reads as httpx gives it (`headers.get`: the values joined by ", "),
    which no parser here accepts.
    """
    values: list[int | None] | None = None
    date = reset = None
    for name, raw in headers.raw:
        lowered = name.lower()
        field = _FIELDS.get(lowered)
        if field is None:
            if lowered == b"date":
                date = raw if date is None else date + b", " + raw
            continue
        if values is None:
            values = [None] * len(_FIELDS)
        values[field] = _whole(raw)
        if field == _RESET:
            reset = raw if reset is None else reset + b", " + raw
    return (None if values is None else RateLimitStatus(*values)), date, reset


def _whole(raw: bytes) -> int | None:
    try:
        return int(raw)  # (whitespace allowed, as by int(float(...)))
    except ValueError:
        pass
    try:
        return int(float(raw))  # "1.5": the whole part
    except (ValueError, OverflowError):  # garbage, NaN, or "inf"
        return None
