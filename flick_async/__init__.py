"""flick-async: the async-first Python SDK for the Flick API (beta).

async with flick_async.AsyncFlick() as flick:      # FLICK_API_KEY from the environment
    print((await flick.me()).username)
"""

# Exports load on first use (PEP 562), so `import flick_async` stays cheap for a service that
# imports it at start-up; `from flick_async import X` loads only what X needs.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._batch import BatchCounts, BatchOutcome, BatchResult, BatchStream
    from ._client import DEFAULT_BASE_URL, NOT_GIVEN, AsyncFlick, __version__
    from ._clock import Clock, SystemClock
    from ._errors import (
        APIConnectionError,
        APIDisabledError,
        APIError,
        APIKeyRevokedError,
        APITimeoutError,
        AuthenticationError,
        ClientClosedError,
        DailyQuotaExceededError,
        FlickError,
        InternalServerError,
        InvalidAPIKeyError,
        InvalidRequestError,
        MalformedResponseError,
        MediaNotFoundError,
        NotFoundError,
        PermissionDeniedError,
        ProRequiredError,
        RateLimitError,
        ValidationError,
    )
    from ._events import Event, Hook, RetryScheduled, ThrottleWait
    from ._models import (
        Candidate,
        Confidence,
        CustomList,
        ListItem,
        Media,
        MediaType,
        Profile,
        ProfileStats,
        ResolvableMediaType,
        ResolveResult,
        Review,
        ReviewSource,
        ReviewWriteResult,
        WatchlistItem,
    )
    from ._pagination import Page, PageIterator
    from ._pipeline import Operation
    from ._rate_limit import RateLimitStatus
    from ._raw import RawBatchResult, RawPageIterator, RawResponse
    from ._resources import ListItems, Lists, Reviews, Watchlist
    from ._retry import RetryPolicy
    from ._sync import Flick
    from ._throttle import RateLimiter, Throttle, ThrottleEstimate
    from ._throttle_redis import RedisRateLimiter
    from ._validation import ReviewInput

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIDisabledError",
    "APIError",
    "APIKeyRevokedError",
    "APITimeoutError",
    "AsyncFlick",
    "AuthenticationError",
    "BatchCounts",
    "BatchOutcome",
    "BatchResult",
    "BatchStream",
    "Candidate",
    "ClientClosedError",
    "Clock",
    "Confidence",
    "CustomList",
    "DailyQuotaExceededError",
    "Event",
    "Flick",
    "FlickError",
    "Hook",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidRequestError",
    "ListItem",
    "ListItems",
    "Lists",
    "MalformedResponseError",
    "Media",
    "MediaNotFoundError",
    "MediaType",
    "NotFoundError",
    "Operation",
    "Page",
    "PageIterator",
    "PermissionDeniedError",
    "ProRequiredError",
    "Profile",
    "ProfileStats",
    "RateLimitError",
    "RateLimitStatus",
    "RateLimiter",
    "RawBatchResult",
    "RawPageIterator",
    "RawResponse",
    "RedisRateLimiter",
    "ResolvableMediaType",
    "ResolveResult",
    "RetryPolicy",
    "RetryScheduled",
    "Review",
    "ReviewInput",
    "ReviewSource",
    "ReviewWriteResult",
    "Reviews",
    "SystemClock",
    "Throttle",
    "ThrottleEstimate",
    "ThrottleWait",
    "ValidationError",
    "Watchlist",
    "WatchlistItem",
    "__version__",
]

_MODULE_OF: dict[str, str] = {
    name: module
    for module, names in {
        "._batch": (
            "BatchCounts",
            "BatchOutcome",
            "BatchResult",
            "BatchStream",
        ),
        "._client": (
            "DEFAULT_BASE_URL",
            "NOT_GIVEN",
            "AsyncFlick",
            "__version__",
        ),
        "._clock": (
            "Clock",
            "SystemClock",
        ),
        "._errors": (
            "APIConnectionError",
            "APIDisabledError",
            "APIError",
            "APIKeyRevokedError",
            "APITimeoutError",
            "AuthenticationError",
            "ClientClosedError",
            "DailyQuotaExceededError",
            "FlickError",
            "InternalServerError",
            "InvalidAPIKeyError",
            "InvalidRequestError",
            "MalformedResponseError",
            "MediaNotFoundError",
            "NotFoundError",
            "PermissionDeniedError",
            "ProRequiredError",
            "RateLimitError",
            "ValidationError",
        ),
        "._events": (
            "Event",
            "Hook",
            "RetryScheduled",
            "ThrottleWait",
        ),
        "._models": (
            "Candidate",
            "Confidence",
            "CustomList",
            "ListItem",
            "Media",
            "MediaType",
            "Profile",
            "ProfileStats",
            "ResolvableMediaType",
            "ResolveResult",
            "Review",
            "ReviewSource",
            "ReviewWriteResult",
            "WatchlistItem",
        ),
        "._pagination": (
            "Page",
            "PageIterator",
        ),
        "._pipeline": ("Operation",),
        "._rate_limit": ("RateLimitStatus",),
        "._raw": ("RawBatchResult", "RawPageIterator", "RawResponse"),
        "._resources": (
            "ListItems",
            "Lists",
            "Reviews",
            "Watchlist",
        ),
        "._retry": ("RetryPolicy",),
        "._sync": ("Flick",),
        "._throttle": ("RateLimiter", "Throttle", "ThrottleEstimate"),
        # Loaded only when asked for: it needs the `redis` extra.
        "._throttle_redis": ("RedisRateLimiter",),
        "._validation": ("ReviewInput",),
    }.items()
    for name in names
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
