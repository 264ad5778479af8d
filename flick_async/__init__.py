"""flick-async: the async-first Python SDK for the Flick API (beta).

async with flick_async.AsyncFlick() as flick:      # FLICK_API_KEY from the environment
    print((await flick.me()).username)
"""

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
from ._rate_limit import RateLimitStatus
from ._resources import ListItems, Lists, Reviews, Watchlist
from ._retry import RetryPolicy
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
    "Page",
    "PageIterator",
    "PermissionDeniedError",
    "ProRequiredError",
    "Profile",
    "ProfileStats",
    "RateLimitError",
    "RateLimitStatus",
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
    "ThrottleWait",
    "ValidationError",
    "Watchlist",
    "WatchlistItem",
    "__version__",
]
