"""`call()`: every generated operation, run through the facade's pipeline (throttle, retries, errors)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any, assert_type

import flick_api.api
import httpx
import pytest
from flick_api.api.lists import list_list_items
from flick_api.api.profile import get_profile
from flick_api.api.reviews import list_reviews
from flick_api.client import AuthenticatedClient
from flick_api.models import (
    ErrorEnvelope,
    ListItemPage,
    MediaType,
    Profile,
    ReviewBatchCreate,
    ReviewCreate,
    ReviewPage,
)
from pytest_httpx import HTTPXMock

from flick_async import (
    APIDisabledError,
    AsyncFlick,
    MalformedResponseError,
    NotFoundError,
    RateLimitStatus,
    ValidationError,
)
from flick_async.testing import DEMO_API_KEY, FlickServer, InternalError

from .helpers import MOCK_BASE_URL, NO_BACKOFF, PROFILE_JSON, SERVER_BASE_URL, envelope


def _operations() -> list[ModuleType]:
    """Every operation module the generator wrote: a new one is picked up here on its own."""
    modules = []
    for info in pkgutil.walk_packages(flick_api.api.__path__, prefix="flick_api.api."):
        module = importlib.import_module(info.name)
        if hasattr(module, "_get_kwargs") and hasattr(module, "_parse_response"):
            modules.append(module)
    return modules


OPERATIONS = _operations()

# Example arguments for operations with required parameters. An operation added by `make regen`
# with none runs as it is; one with required parameters fails below until it gets an entry.
_REQUIRED: dict[str, Callable[[FlickServer], tuple[tuple[Any, ...], dict[str, Any]]]] = {
    "resolve_title": lambda server: ((), {"title": "Inception", "year": 2010}),
    "create_review": lambda server: ((), {"body": ReviewCreate(media_type=MediaType.MOVIE, tmdb_id="27205")}),
    "create_reviews_batch": lambda server: (
        (),
        {"body": ReviewBatchCreate(reviews=[ReviewCreate(media_type=MediaType.MOVIE, tmdb_id="155", rating=8)])},
    ),
    "list_list_items": lambda server: ((server.lists(DEMO_API_KEY)[0]["id"],), {}),
}


def _arguments(module: ModuleType, server: FlickServer) -> tuple[tuple[Any, ...], dict[str, Any]]:
    name = module.__name__.rpartition(".")[2]
    if name in _REQUIRED:
        return _REQUIRED[name](server)
    required = [
        parameter.name
        for parameter in inspect.signature(module._get_kwargs).parameters.values()
        if parameter.default is inspect.Parameter.empty
    ]
    assert not required, f"{name} needs {required}: add example arguments to _REQUIRED in {__file__}"
    return (), {}


def _success_model(module: ModuleType) -> type:
    """The model the operation's success response parses to (its return type minus the envelope and None)."""
    returned = typing.get_type_hints(module._parse_response)["return"]
    models = [arg for arg in typing.get_args(returned) if arg not in (ErrorEnvelope, type(None))]
    assert len(models) == 1, returned
    model: type = models[0]
    return model


def _ids(module: ModuleType) -> str:
    return module.__name__.removeprefix("flick_api.api.")


@pytest.mark.parametrize("operation", OPERATIONS, ids=_ids)
async def test_every_operation_returns_what_the_generated_client_parses(
    operation: ModuleType, server: FlickServer, client: AsyncFlick
) -> None:
    """`call(op, ...)` returns the operation's success model, equal to what the generated client reads."""
    args, kwargs = _arguments(operation, server)
    result = await client.call(operation, *args, **kwargs)
    assert type(result) is _success_model(operation)
    generated = AuthenticatedClient(base_url=SERVER_BASE_URL, token=DEMO_API_KEY)
    # A client given its httpx client does not add the token itself.
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
    async with httpx.AsyncClient(transport=server.transport(), base_url=SERVER_BASE_URL, headers=headers) as http:
        generated.set_async_httpx_client(http)
        expected = (await operation.asyncio_detailed(*args, client=generated, **kwargs)).parsed
    if operation._get_kwargs(*args, **kwargs)["method"] == "get":
        assert result == expected
    else:
        # A write sent twice: the second answer is the server's deduplication of the first.
        assert type(expected) is type(result)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_ids)
async def test_every_operation_is_retried_by_the_pipeline(
    operation: ModuleType, server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """A 500 on the first attempt of any operation is retried by the client's policy, then succeeds."""
    args, kwargs = _arguments(operation, server)
    server.faults.add("*", InternalError(), on=[1])
    async with make_client(retry_policy=NO_BACKOFF) as flick:
        result = await flick.call(operation, *args, **kwargs)
    assert type(result) is _success_model(operation)
    first, second = [entry.status for entry in server.request_log]
    assert (first, second // 100) == (500, 2)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_ids)
async def test_every_operation_raises_the_error_tree(
    operation: ModuleType, server: FlickServer, client: AsyncFlick
) -> None:
    """An error answer to any operation raises the facade's exception, not an ErrorEnvelope."""
    args, kwargs = _arguments(operation, server)
    server.api_disabled = True
    with pytest.raises(APIDisabledError):
        await client.call(operation, *args, **kwargs)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_ids)
async def test_every_operation_goes_through_the_throttle(
    operation: ModuleType, server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """Each call takes one grant from the client's throttle and reports the answer back to it."""
    calls: list[str] = []

    class Recording:
        async def acquire(self) -> None:
            calls.append("acquire")

        def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
            calls.append(f"observe {status_code // 100}xx")

        def abandon(self) -> None:
            calls.append("abandon")

        @property
        def status(self) -> RateLimitStatus | None:
            return None

    args, kwargs = _arguments(operation, server)
    async with make_client(throttle=Recording()) as flick:
        await flick.call(operation, *args, **kwargs)
    assert calls == ["acquire", "observe 2xx"]


async def test_call_is_typed_by_the_operation(server: FlickServer, client: AsyncFlick) -> None:
    """The result type comes from the module (mypy checks the assert_type lines), arguments too."""
    page = await client.call(list_reviews, page=2, limit=3)
    assert_type(page, ReviewPage)
    assert (page.page, page.limit, len(page.data)) == (2, 3, 3)
    profile = await client.call(get_profile)
    assert_type(profile, Profile)
    list_id = server.lists(DEMO_API_KEY)[0]["id"]
    items = await client.call(list_list_items, list_id, limit=2)
    assert_type(items, ListItemPage)


async def test_call_with_wrong_arguments_raises_validation_error_and_sends_nothing(
    server: FlickServer, client: AsyncFlick
) -> None:
    """Arguments that do not fit `_get_kwargs` raise ValidationError naming the operation."""
    with pytest.raises(ValidationError) as caught:
        await client.call(list_reviews, pag=2)  # type: ignore[call-arg]
    assert caught.value.field == "list_reviews"
    assert "pag" in caught.value.rule
    assert len(server.request_log) == 0


async def test_call_with_something_else_than_an_operation_is_refused(client: AsyncFlick) -> None:
    """A module that is not an operation (or any other object) is a ValidationError."""
    with pytest.raises(ValidationError, match="generated operation module"):
        await client.call(flick_api.api, page=1)  # type: ignore[arg-type]


async def test_call_of_a_missing_list_raises_not_found(client: AsyncFlick) -> None:
    """The error tree applies as for the hand-written methods."""
    with pytest.raises(NotFoundError):
        await client.call(list_list_items, "lst_missing")


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b'{"error": {"code": "x", "message": "y"', "not valid JSON"),
        (200, b'{"id": 1}', "documented shape"),
        (201, b"{}", "not documented"),
    ],
    ids=["truncated", "wrong-shape", "undocumented-status"],
)
async def test_an_unreadable_success_is_a_malformed_response(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, status: int, body: bytes, reason: str
) -> None:
    """A 2xx the operation cannot read raises MalformedResponseError (never returns None or an envelope)."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", status_code=status, content=body)
    with pytest.raises(MalformedResponseError, match=reason):
        await mock_client.call(get_profile)


async def test_call_parses_like_the_method(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """`call(get_profile)` and `me()` read the same answer to the same model."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", json=PROFILE_JSON, is_reusable=True)
    assert await mock_client.call(get_profile) == await mock_client.me()


async def test_a_200_carrying_an_error_envelope_is_malformed(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """An envelope where the model belongs is not handed out as a result."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", status_code=200, json=envelope("internal_error", "oops"))
    with pytest.raises(MalformedResponseError):
        await mock_client.call(get_profile)
