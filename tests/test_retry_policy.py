"""RetryPolicy as a user configures it: its defaults, what it retries, and how long it waits.

tests/facade/test_retries.py drives the policy through a client; these pin the policy's own
contract (the documented defaults, every class of error, the boundaries of each setting), which a
user who passes `retry=RetryPolicy(...)` relies on directly.
"""

from __future__ import annotations

import datetime
import random

import attrs
import httpx
import pytest

from flick_async import (
    APIConnectionError,
    APIDisabledError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    DailyQuotaExceededError,
    FlickError,
    InternalServerError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ValidationError,
)

MIDNIGHT = datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC)
NO_JITTER = RetryPolicy(jitter=0.0)


def _daily_quota(retry_after: str | None) -> DailyQuotaExceededError:
    headers = httpx.Headers({} if retry_after is None else {"Retry-After": retry_after})
    return DailyQuotaExceededError(
        "Rate limit exceeded for the day window.", resets_at=MIDNIGHT, retry_after=None, headers=headers
    )


def test_the_defaults_are_the_documented_ones() -> None:
    """3 retries, backoff from 0.5 s doubling to 8 s with 25% jitter, waits up to 60 s, no api_disabled."""
    assert attrs.asdict(RetryPolicy()) == {
        "max_retries": 3,
        "initial_delay": 0.5,
        "max_delay": 8.0,
        "jitter": 0.25,
        "max_retry_wait": 60.0,
        "retry_api_disabled": False,
    }


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"initial_delay": -0.1},
        {"max_delay": -1.0},
        {"jitter": -0.01},
        {"jitter": 1.01},
        {"max_retry_wait": -1.0},
    ],
    ids=lambda options: next(iter(options)),
)
def test_a_setting_out_of_range_is_refused(options: dict[str, float]) -> None:
    """A negative count or duration, or a jitter outside 0–1, fails when the policy is built."""
    with pytest.raises(ValueError, match=next(iter(options))):
        RetryPolicy(**options)  # type: ignore[arg-type]


def test_the_edges_of_each_range_are_accepted() -> None:
    """Zero everywhere (no retries, no backoff, no waiting) and a full jitter of 1 are valid."""
    RetryPolicy(max_retries=0, initial_delay=0, max_delay=0, jitter=0, max_retry_wait=0)
    RetryPolicy(jitter=1)


def _status_error(status: int) -> APIError:
    return APIError(f"{status} happened", status_code=status)


RETRYABLE: list[FlickError] = [
    APIConnectionError("refused", method="GET", url="u"),
    APITimeoutError("slow", method="GET", url="u"),
    MalformedResponseError("cut off", status_code=200, transient=True),
    RateLimitError("Slow down."),
    InternalServerError("Oops.", status_code=500),
    *(_status_error(status) for status in (429, 500, 502, 503, 504)),
]
NOT_RETRYABLE: list[FlickError] = [
    ValidationError("page", "must be at least 1", 0),
    ClientClosedError("closed"),
    FlickError("anything else"),
    MalformedResponseError("wrong shape", status_code=200),
    InvalidRequestError("bad", status_code=400),
    AuthenticationError("who?", status_code=401),
    PermissionDeniedError("no", status_code=403),
    NotFoundError("gone", status_code=404),
    APIDisabledError("off", status_code=503),
    _daily_quota("1"),
    *(_status_error(status) for status in (400, 409, 422, 501, 505, 520)),
]


@pytest.mark.parametrize("error", RETRYABLE, ids=repr)
def test_transient_errors_are_retryable(error: FlickError) -> None:
    """Connection errors, timeouts, cut-off bodies, 429 and 500/502/503/504 are worth another attempt."""
    assert NO_JITTER.is_retryable(error)
    assert NO_JITTER.delay(error, 1) is not None


@pytest.mark.parametrize("error", NOT_RETRYABLE, ids=repr)
def test_lasting_errors_are_not_retryable(error: FlickError) -> None:
    """Bad input, a closed client, a wrong-shaped body, 4xx, 501 and api_disabled fail at once."""
    assert not NO_JITTER.is_retryable(error)
    assert NO_JITTER.delay(error, 1) is None


def test_api_disabled_is_retried_only_when_asked() -> None:
    """`retry_api_disabled=True` retries api_disabled (with backoff, as it has no Retry-After)."""
    error = APIDisabledError("off", status_code=503)
    assert RetryPolicy(retry_api_disabled=True, jitter=0).delay(error, 1) == 0.5


@pytest.mark.parametrize("retry_after", [None, "0", "1", "59"], ids=["missing", "zero", "short", "long"])
def test_a_spent_daily_quota_is_never_retried(retry_after: str | None) -> None:
    """Waiting a short Retry-After cannot help when the day's quota is spent: no retry, whatever it says."""
    error = _daily_quota(retry_after)
    assert not RetryPolicy().is_retryable(error)
    assert RetryPolicy(max_retry_wait=3600).delay(error, 1) is None


def test_retry_after_up_to_max_retry_wait_inclusive_is_waited() -> None:
    """A Retry-After exactly `max_retry_wait` is slept; a hair longer gives up."""
    policy = RetryPolicy(max_retry_wait=30)
    assert policy.delay(RateLimitError("Slow down.", retry_after=30.0), 1) == 30.0
    assert policy.delay(RateLimitError("Slow down.", retry_after=30.001), 1) is None


def test_a_rate_limit_errors_own_retry_after_wins_over_backoff() -> None:
    """The wait is the 429's Retry-After exactly, neither backoff nor jitter, whatever the attempt."""
    error = RateLimitError("Slow down.", retry_after=7.0)
    assert RetryPolicy(jitter=1.0).delay(error, 3, rng=random.Random(1)) == 7.0


def test_a_rate_limit_error_without_retry_after_backs_off() -> None:
    """A 429 that names no wait falls back to the exponential backoff."""
    assert NO_JITTER.delay(RateLimitError("Slow down."), 2) == 1.0


def test_retry_after_on_other_errors_is_read_from_the_headers() -> None:
    """A 503 (or any retryable answer) with a Retry-After header waits exactly that."""
    error = InternalServerError("busy", status_code=503, headers=httpx.Headers({"Retry-After": "2.5"}))
    assert RetryPolicy().delay(error, 1) == 2.5
    too_long = InternalServerError("busy", status_code=503, headers=httpx.Headers({"Retry-After": "61"}))
    assert RetryPolicy().delay(too_long, 1) is None


def test_retry_after_that_cannot_be_read_falls_back_to_backoff() -> None:
    """An unreadable Retry-After on a 5xx is as good as none: the usual backoff applies."""
    error = InternalServerError("busy", status_code=503, headers=httpx.Headers({"Retry-After": "soon"}))
    assert NO_JITTER.delay(error, 1) == 0.5


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap() -> None:
    """Without jitter, attempt n waits initial_delay × 2^(n−1), never more than max_delay."""
    policy = RetryPolicy(max_retries=6, initial_delay=0.5, max_delay=5.0, jitter=0.0)
    error = InternalServerError("Oops.", status_code=500)
    assert [policy.delay(error, attempt) for attempt in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_the_attempt_budget_is_max_retries() -> None:
    """The last retry is after attempt `max_retries`; after that the error is raised."""
    policy = RetryPolicy(max_retries=2, jitter=0.0)
    error = InternalServerError("Oops.", status_code=500)
    assert policy.delay(error, 2) == 1.0
    assert policy.delay(error, 3) is None
    assert RetryPolicy(max_retries=0).delay(error, 1) is None


def test_jitter_only_ever_shortens_the_wait_within_its_fraction() -> None:
    """With jitter j every wait lies in [backoff × (1 − j), backoff], drawn from the rng given."""
    policy = RetryPolicy(initial_delay=4.0, jitter=0.5)
    error = InternalServerError("Oops.", status_code=500)
    rng = random.Random(2026)
    waits = [policy.delay(error, 1, rng=rng) for _ in range(200)]
    assert all(w is not None and 2.0 <= w <= 4.0 for w in waits)
    assert len(set(waits)) > 100  # randomised: clients that failed together spread out
