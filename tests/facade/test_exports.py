"""The public surface: `flick_async.__all__`, re-exported models, and no leak of the generated client."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import flick_api.models
import pytest
from flick_api import errors as generated_errors
from flick_api.client import AuthenticatedClient, Client
from flick_api.types import Response
from pytest_httpx import HTTPXMock

import flick_async
from flick_async import AsyncFlick, FlickError, ListItems, Lists, Page, Reviews, Watchlist

EXPECTED_ALL = [
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


def _isort_style(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_exactly_the_public_surface() -> None:
    """`__all__` is this exact list, in ruff's isort-style order (RUF022)."""
    assert flick_async.__all__ == EXPECTED_ALL
    assert sorted(EXPECTED_ALL, key=_isort_style) == EXPECTED_ALL


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_exported_name_is_importable_and_public(name: str) -> None:
    """Each name in `__all__` exists on the package, is not private, and our own classes have docstrings."""
    assert not name.startswith("_") or (name.startswith("__") and name.endswith("__"))
    obj = getattr(flick_async, name)
    if inspect.isclass(obj) and obj.__module__.startswith("flick_async"):  # generated enums carry none
        assert obj.__doc__


GENERATED_INTERNALS = (Client, AuthenticatedClient, Response, generated_errors.UnexpectedStatus, generated_errors)


def test_the_generated_client_response_and_errors_are_not_exported() -> None:
    """Nothing in the public namespace is the generated `Client`, `Response` or `errors`."""
    exported = [getattr(flick_async, name) for name in dir(flick_async) if not name.startswith("_")]
    assert [obj for obj in exported if any(obj is internal for internal in GENERATED_INTERNALS)] == []
    assert not {"Client", "AuthenticatedClient", "Response", "errors", "UnexpectedStatus"} & set(flick_async.__all__)


MODELS = [
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
]


@pytest.mark.parametrize("name", MODELS)
def test_models_are_the_generated_ones(name: str) -> None:
    """The models are the generated classes themselves, re-exported under the same names."""
    assert getattr(flick_async, name) is getattr(flick_api.models, name)


PUBLIC_CLASSES = [AsyncFlick, Reviews, Watchlist, Lists, ListItems, Page]
_LEAK = re.compile(r"\b(Client|AuthenticatedClient|Response|UnexpectedStatus|errors)\b")


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_no_public_method_mentions_the_generated_client(cls: type) -> None:
    """No public method's signature (arguments or return) names the generated Client, Response or errors."""
    methods = {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    }
    assert methods
    leaks = {}
    for name, member in methods.items():
        function = member.fget if isinstance(member, property) else member
        annotations = {key: str(value) for key, value in getattr(function, "__annotations__", {}).items()}
        found = {key: value for key, value in annotations.items() if _LEAK.search(value)}
        if found:
            leaks[name] = found
    assert leaks == {}


ENDPOINTS = [
    pytest.param(lambda f: f.me(), id="me"),
    pytest.param(lambda f: f.resolve("Heat"), id="resolve"),
    pytest.param(lambda f: f.reviews.list(), id="reviews.list"),
    pytest.param(lambda f: f.reviews.create("27205", media_type="movie"), id="reviews.create"),
    pytest.param(lambda f: f.watchlist.list(), id="watchlist.list"),
    pytest.param(lambda f: f.lists.list(), id="lists.list"),
    pytest.param(lambda f: f.lists.items("lst_1").list(), id="lists.items.list"),
    pytest.param(lambda f: anext(f.lists.items("lst_1").iter()), id="lists.items.iter"),
]


@pytest.mark.parametrize("status", [201, 204, 418, 451])
@pytest.mark.parametrize("call", ENDPOINTS)
async def test_undocumented_statuses_never_raise_the_generated_error(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, call: Callable[[AsyncFlick], object], status: int
) -> None:
    """A status the schema does not document gives a FlickError (or parses), never `UnexpectedStatus`."""
    httpx_mock.add_response(status_code=status, content=b"")
    with pytest.raises(FlickError) as caught:
        await call(mock_client)  # type: ignore[misc]
    assert not isinstance(caught.value, generated_errors.UnexpectedStatus)
