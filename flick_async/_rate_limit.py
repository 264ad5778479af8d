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


_FIELDS = {
    b"x-ratelimit-limit": "limit",
    b"x-ratelimit-remaining": "remaining",
    b"x-ratelimit-reset": "reset",
    b"x-ratelimit-limit-day": "limit_day",
    b"x-ratelimit-remaining-day": "remaining_day",
}


def parse_rate_limit_headers(headers: httpx.Headers) -> RateLimitStatus | None:
    """Read the five `X-RateLimit-*` headers; None when the response carried none of them.

    Unreadable values become None rather than errors: the API is beta and headers may change.
    """
    # One pass over the raw pairs: this runs on every response, and httpx's case-insensitive
    # lookups rescan every header each time.
    values: dict[str, int | None] = {}
    for name, raw in headers.raw:
        field = _FIELDS.get(name.lower())
        if field is not None:
            try:
                values[field] = int(float(raw.strip()))
            except (ValueError, OverflowError):  # garbage, NaN, or "inf"
                values[field] = None
    if not values:
        return None
    return RateLimitStatus(**{field: values.get(field) for field in _FIELDS.values()})
