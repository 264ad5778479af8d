"""When to retry a failed request, and how long to wait first.

Writes are retried like reads: the server deduplicates identical reviews, so a POST whose
response was lost comes back as `deduplicated` on the retry instead of creating a copy.
"""

from __future__ import annotations

import random

import attrs

from ._errors import (
    APIConnectionError,
    APIDisabledError,
    APIError,
    DailyQuotaExceededError,
    FlickError,
    MalformedResponseError,
    RateLimitError,
    parse_retry_after,
)

__all__ = ["RetryPolicy"]

_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter; `Retry-After` is honoured exactly.

    Args:
        max_retries: Retries after the first attempt (0 disables retrying).
        initial_delay: The first backoff, in seconds; it doubles on each retry.
        max_delay: The cap on a backoff.
        jitter: The fraction of each backoff that is randomised, so that many clients that
            failed together do not retry together.
        max_retry_wait: The longest `Retry-After` worth sleeping through; a longer one raises
            `RateLimitError` at once.
        retry_api_disabled: Whether to retry `api_disabled` (off: it is usually deliberate and
            lasts longer than a retry budget).
    """

    max_retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(default=0.25, validator=[attrs.validators.ge(0), attrs.validators.le(1)])
    max_retry_wait: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    retry_api_disabled: bool = False

    def is_retryable(self, error: FlickError) -> bool:
        """Whether `error` is worth another attempt, ignoring the attempt budget."""
        if isinstance(error, DailyQuotaExceededError):
            return False
        if isinstance(error, APIDisabledError):
            return self.retry_api_disabled
        if isinstance(error, MalformedResponseError):
            # A cut-off body is a transport hiccup; a well-formed body of the wrong shape will
            # not fix itself.
            return error.transient
        if isinstance(error, APIConnectionError):
            return True
        if isinstance(error, APIError):
            return error.status_code in _RETRYABLE_STATUS
        return False

    def delay(self, error: FlickError, attempt: int, *, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before retrying after `attempt` (1-based) failed, or None to give up."""
        if attempt > self.max_retries or not self.is_retryable(error):
            return None
        retry_after: float | None = error.retry_after if isinstance(error, RateLimitError) else None
        if retry_after is None and isinstance(error, APIError):
            retry_after = parse_retry_after(error.headers)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_wait else None
        backoff = min(self.max_delay, self.initial_delay * 2.0 ** (attempt - 1))
        return backoff * (1 - self.jitter * (rng or random).random())
