"""Error translation: documented codes, unknown codes, transport failures and malformed answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from flick_api.models import ErrorCode
from pytest_httpx import HTTPXMock

import flick_async
from flick_async import (
    APIConnectionError,
    APIDisabledError,
    APIError,
    APIKeyRevokedError,
    APITimeoutError,
    AsyncFlick,
    AuthenticationError,
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
    RateLimitStatus,
)
from flick_async.testing import BadGatewayHTML, FlickServer, NonStandardStatus, TruncatedJSON

from .helpers import MOCK_BASE_URL, PROFILE_JSON, RATE_LIMIT_HEADERS, envelope, page_json, review_json

ME_URL = f"{MOCK_BASE_URL}/me"

# (code, status the contract gives it, class): every code of the reference's table.
DOCUMENTED_CODES = [
    ("invalid_request", 400, InvalidRequestError),
    ("invalid_api_key", 401, InvalidAPIKeyError),
    ("api_key_revoked", 401, APIKeyRevokedError),
    ("pro_required", 403, ProRequiredError),
    ("not_found", 404, NotFoundError),
    ("media_not_found", 404, MediaNotFoundError),
    ("rate_limited", 429, RateLimitError),
    ("internal_error", 500, InternalServerError),
    ("api_disabled", 503, APIDisabledError),
]


def test_the_table_covers_every_code_of_the_schema() -> None:
    """The table below holds exactly the error codes openapi.json declares."""
    assert sorted(code for code, _, _ in DOCUMENTED_CODES) == sorted(member.value for member in ErrorCode)


@pytest.mark.parametrize(("code", "status", "cls"), DOCUMENTED_CODES, ids=[code for code, _, _ in DOCUMENTED_CODES])
async def test_documented_code_raises_its_class(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, code: str, status: int, cls: type[APIError]
) -> None:
    """Each documented code raises its own class carrying status, code, message, details and headers."""
    details = {"field": "why"}
    httpx_mock.add_response(
        url=ME_URL, status_code=status, json=envelope(code, f"{code} happened", details), headers=RATE_LIMIT_HEADERS
    )
    with pytest.raises(APIError) as caught:
        await mock_client.me()
    error = caught.value
    assert type(error) is cls
    assert (error.status_code, error.code, error.message, dict(error.details)) == (
        status,
        code,
        f"{code} happened",
        details,
    )
    assert {name: error.headers[name] for name in RATE_LIMIT_HEADERS} == RATE_LIMIT_HEADERS
    assert str(error) == f"{status} {code}: {code} happened (GET {ME_URL})"


def test_error_tree_matches_the_documented_parents() -> None:
    """The classes nest as the tree in `_errors.py` draws them."""
    assert issubclass(InvalidAPIKeyError, AuthenticationError)
    assert issubclass(APIKeyRevokedError, AuthenticationError)
    assert issubclass(ProRequiredError, PermissionDeniedError)
    assert issubclass(MediaNotFoundError, NotFoundError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(flick_async.ValidationError, ValueError)
    assert issubclass(flick_async.ClientClosedError, RuntimeError)
    for cls in (APIError, APIConnectionError, flick_async.ValidationError, flick_async.ClientClosedError):
        assert issubclass(cls, FlickError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, APIError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (520, InternalServerError),
    ],
    ids=lambda value: value if isinstance(value, int) else value.__name__,
)
async def test_unknown_code_falls_back_to_the_status_class_and_keeps_the_code(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, status: int, cls: type[APIError]
) -> None:
    """A code the SDK does not know raises the status's class (or APIError) with `.code` kept."""
    httpx_mock.add_response(url=ME_URL, status_code=status, json=envelope("brand_new_code", "Something new."))
    with pytest.raises(APIError) as caught:
        await mock_client.me()
    assert type(caught.value) is cls
    assert (caught.value.code, caught.value.message) == ("brand_new_code", "Something new.")


@pytest.mark.parametrize(
    ("headers", "body", "retry_after", "window"),
    [
        ({"Retry-After": "12"}, envelope("rate_limited", "Rate limit exceeded for the minute window."), 12.0, "minute"),
        (
            {"Retry-After": "3600", "X-RateLimit-Remaining-Day": "0"},
            envelope("rate_limited", "Quota spent."),
            3600.0,
            "day",
        ),
        (
            {"Retry-After": "5", "X-RateLimit-Remaining": "0"},
            envelope("rate_limited", "Try again Monday."),
            5.0,
            "minute",
        ),
        ({"Retry-After": "5"}, envelope("rate_limited", "Too many today."), 5.0, None),
        ({}, envelope("rate_limited", "Slow down.", {"window": "day"}), None, "day"),
        ({"Retry-After": "soon"}, envelope("rate_limited", "Slow down."), None, None),
    ],
    ids=[
        "minute-window-from-message",
        "day-window-from-headers",
        "minute-window-from-headers-not-words",
        "no-window-from-loose-words",
        "window-from-details",
        "unreadable-retry-after",
    ],
)
async def test_rate_limit_error_carries_retry_after_and_window(
    httpx_mock: HTTPXMock,
    mock_client: AsyncFlick,
    headers: dict[str, str],
    body: dict[str, Any],
    retry_after: float | None,
    window: str | None,
) -> None:
    """A 429 exposes `Retry-After` in seconds and which window was hit."""
    httpx_mock.add_response(url=ME_URL, status_code=429, json=body, headers=headers)
    with pytest.raises(RateLimitError) as caught:
        await mock_client.me()
    assert (caught.value.retry_after, caught.value.window) == (retry_after, window)


# -- transport errors --------------------------------------------------------------------------


def _walk(cls: type[httpx.HTTPError]) -> Iterator[type[httpx.HTTPError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _walk(sub)


# Discovered, not listed: a class a future httpx adds is covered without touching this file.
HTTPX_ERRORS = sorted({cls for cls in _walk(httpx.HTTPError) if cls.__module__.startswith("httpx")}, key=repr)


def _instantiate(cls: type[httpx.HTTPError], request: httpx.Request) -> httpx.HTTPError:
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    return cls("boom")


def test_every_httpx_error_is_discovered() -> None:
    """The discovery walk finds the well-known leaves, so the parametrisation below is not empty."""
    for cls in (httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.HTTPStatusError):
        assert cls in HTTPX_ERRORS


@pytest.mark.parametrize("httpx_error", HTTPX_ERRORS, ids=lambda cls: cls.__name__)
async def test_every_httpx_error_becomes_a_flick_error(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, httpx_error: type[httpx.HTTPError]
) -> None:
    """Whatever httpx raises comes out as APIConnectionError (APITimeoutError for timeouts), from the original."""
    exc = _instantiate(httpx_error, httpx.Request("GET", ME_URL))
    httpx_mock.add_exception(exc, url=ME_URL)
    expected = APITimeoutError if issubclass(httpx_error, httpx.TimeoutException) else APIConnectionError
    with pytest.raises(FlickError) as caught:
        await mock_client.me()
    assert type(caught.value) is expected
    assert caught.value.__cause__ is exc
    assert str(caught.value) == f"{_message(httpx_error)} (GET {ME_URL})"


def _message(cls: type[httpx.HTTPError]) -> str:
    if issubclass(cls, httpx.TimeoutException):
        return f"timed out ({cls.__name__})"
    return f"{cls.__name__}: boom"


# -- malformed answers ---------------------------------------------------------------------------

MALFORMED_ERRORS = [
    pytest.param(
        502,
        b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        {"content-type": "text/html"},
        InternalServerError,
        "Bad Gateway (unexpected text/html body: "
        "'<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>')",
        id="html-502",
    ),
    pytest.param(520, b"", {}, InternalServerError, "Unknown status (empty body)", id="status-520-empty"),
    pytest.param(
        400,
        b'{"error": {"code": "invalid_req',
        {"content-type": "application/json"},
        InvalidRequestError,
        'Bad Request (unexpected application/json body: \'{"error": {"code": "invalid_req\')',
        id="truncated-json-error",
    ),
    pytest.param(
        404,
        b'{"error": "not found"}',
        {"content-type": "application/json"},
        NotFoundError,
        'Not Found (unexpected application/json body: \'{"error": "not found"}\')',
        id="envelope-of-wrong-shape",
    ),
    pytest.param(
        500,
        b'["internal_error"]',
        {"content-type": "application/json"},
        InternalServerError,
        "Internal Server Error (unexpected application/json body: '[\"internal_error\"]')",
        id="json-list",
    ),
    pytest.param(
        401,
        b"\xff\xfe not utf-8",
        {"content-type": "application/json"},
        AuthenticationError,
        "Unauthorized (unexpected application/json body: '\ufffd\ufffd not utf-8')",
        id="undecodable-bytes",
    ),
]


@pytest.mark.parametrize(("status", "content", "headers", "cls", "message"), MALFORMED_ERRORS)
async def test_error_body_that_is_not_the_envelope_falls_back_to_the_status(
    httpx_mock: HTTPXMock,
    mock_client: AsyncFlick,
    status: int,
    content: bytes,
    headers: dict[str, str],
    cls: type[APIError],
    message: str,
) -> None:
    """An error body that is not the envelope still raises the status's class, describing what came."""
    httpx_mock.add_response(url=ME_URL, status_code=status, content=content, headers=headers)
    with pytest.raises(APIError) as caught:
        await mock_client.me()
    assert type(caught.value) is cls
    assert (caught.value.status_code, caught.value.code, caught.value.message) == (status, None, message)


@pytest.mark.parametrize(
    ("content", "transient"),
    [
        pytest.param(json.dumps(PROFILE_JSON).encode()[:40], True, id="truncated-json"),
        pytest.param(b"", True, id="empty-body"),
        pytest.param(b"<html>hello</html>", True, id="html"),
        pytest.param(b'{"username": "demo"}', False, id="missing-fields"),
        pytest.param(b'["demo"]', False, id="list-instead-of-object"),
        pytest.param(b'"demo"', False, id="string-instead-of-object"),
        pytest.param(json.dumps({**PROFILE_JSON, "stats": None}).encode(), False, id="null-nested-object"),
        pytest.param(json.dumps({**PROFILE_JSON, "created_at": "yesterday"}).encode(), False, id="bad-date"),
    ],
)
async def test_success_body_of_the_wrong_shape_raises_malformed_response(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, content: bytes, transient: bool
) -> None:
    """A 2xx body that is not JSON, or not the documented shape, raises MalformedResponseError."""
    httpx_mock.add_response(url=ME_URL, status_code=200, content=content)
    with pytest.raises(MalformedResponseError) as caught:
        await mock_client.me()
    assert (caught.value.status_code, caught.value.transient) == (200, transient)
    assert isinstance(caught.value.__cause__, KeyError | TypeError | ValueError | AttributeError)


async def test_unknown_fields_are_kept(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A field the schema does not know yet parses and is kept on the model."""
    body = {**PROFILE_JSON, "badge": "founder", "stats": {**PROFILE_JSON["stats"], "followers": 3}}
    httpx_mock.add_response(url=ME_URL, json=body)
    profile = await mock_client.me()
    assert (profile.additional_properties, profile.stats.additional_properties) == (
        {"badge": "founder"},
        {"followers": 3},
    )
    assert profile.to_dict() == {**body, "created_at": "2025-10-22T18:52:06+00:00"}


async def test_unknown_enum_values_parse(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A media type or review source the SDK does not know parses instead of failing the page."""
    item = review_json("rev_1")
    item["media"]["type"] = "short_film"
    item["source"] = "mobile_widget"
    httpx_mock.add_response(
        url=f"{MOCK_BASE_URL}/me/reviews?page=1&limit=50", json=page_json([item], total=1, has_more=False)
    )
    page = await mock_client.reviews.list()
    [review] = page.items
    assert (str(review.media.type_), str(review.source)) == ("short_film", "mobile_widget")


@pytest.mark.parametrize(
    ("fault", "cls", "status"),
    [
        (BadGatewayHTML(), InternalServerError, 502),
        (NonStandardStatus(), InternalServerError, 520),
        (TruncatedJSON(), MalformedResponseError, 200),
    ],
    ids=["bad-gateway-html", "status-520", "truncated-json"],
)
async def test_server_faults_become_flick_errors(
    server: FlickServer, make_client: Callable[..., AsyncFlick], fault: Any, cls: type[APIError], status: int
) -> None:
    """The local server's proxy-style faults come out as FlickErrors, never parsing crashes."""
    server.faults.add("GET /me", fault)
    with pytest.raises(APIError) as caught:
        await make_client(max_retries=0).me()
    assert (type(caught.value), caught.value.status_code) == (cls, status)


@pytest.mark.parametrize("status", [200, 500], ids=["success", "error"])
async def test_absurdly_nested_json_is_a_malformed_response_not_a_recursion_error(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, status: int
) -> None:
    """A body nested past Python's recursion limit becomes a FlickError, never a RecursionError."""
    httpx_mock.add_response(url=ME_URL, status_code=status, content=b"[" * 100_000)
    with pytest.raises(APIError) as caught:
        await mock_client.me()
    assert type(caught.value) is (MalformedResponseError if status == 200 else InternalServerError)


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-inf"])
async def test_infinite_rate_limit_headers_read_as_unknown(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, value: str
) -> None:
    """Rate-limit headers that overflow an int are read as unknown, not raised as OverflowError."""
    httpx_mock.add_response(
        url=ME_URL, json=PROFILE_JSON, headers={"X-RateLimit-Remaining": value, "X-RateLimit-Limit": "60"}
    )
    await mock_client.me()
    assert mock_client.rate_limit == RateLimitStatus(
        limit=60, remaining=None, reset=None, limit_day=None, remaining_day=None
    )


def _every_error() -> Iterator[FlickError]:
    """One of each kind a call can raise, with its fields set as a real answer sets them."""
    from flick_async._errors import error_from_envelope

    headers = httpx.Headers({"Retry-After": "3", "X-RateLimit-Remaining": "0"})
    for code in [*(member.value for member in ErrorCode), "a_code_from_a_later_beta"]:
        for status in (200, 400, 401, 403, 404, 429, 500, 503):
            yield error_from_envelope(
                status_code=status,
                code=code,
                message="said",
                details={"field": "rating"},
                method="POST",
                headers=headers,
            )
    yield APIConnectionError("ConnectError: refused", method="GET", url="http://127.0.0.1/api/beta/me")
    yield APITimeoutError("no answer within 30s", method="GET", url="http://127.0.0.1/api/beta/me")
    yield MalformedResponseError("not JSON", status_code=200, method="GET", url="http://127.0.0.1/api/beta/me")
    yield flick_async.ValidationError("rating", "must be between 0 and 10", 11)
    yield flick_async.ClientClosedError("closed")


def test_every_error_survives_pickling() -> None:
    """A failed outcome carries its error to another process (multiprocessing, a job queue): each
    error comes back as its own type with its message and every field. Exception's own pickling
    calls `type(*args)`, which the keyword-only fields refused."""
    import pickle

    for error in _every_error():
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), copy.args, str(copy), vars(copy)) == (type(error), error.args, str(error), vars(error))
