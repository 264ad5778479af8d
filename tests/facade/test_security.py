"""The API key stays secret: not in reprs, errors, logs or tracebacks; not sent over plain http or to other hosts."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    APIConnectionError,
    APIError,
    AsyncFlick,
    Event,
    FlickError,
    InternalServerError,
    InvalidAPIKeyError,
    NotFoundError,
    RetryPolicy,
    ValidationError,
)
from flick_async.testing import FakeClock, FlickServer, InternalError, serve_in_thread

from .helpers import MOCK_BASE_URL, MOCK_KEY, SERVER_BASE_URL

SECRET = "flick_sk_topsecret_9f8e7d6c5b4a39281706"
SECRET_TAIL = SECRET.removeprefix("flick_sk_")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _texts(objects: list[object]) -> list[str]:
    """Every way an object ends up as text: str, repr, and for exceptions the full chained traceback."""
    texts: list[str] = []
    for obj in objects:
        texts += [str(obj), repr(obj)]
        if isinstance(obj, BaseException):
            texts.append("".join(traceback.format_exception(obj)))
    return texts


def _assert_secret_absent(texts: list[str]) -> None:
    leaks = [text for text in texts if SECRET_TAIL in text]
    assert leaks == []


async def test_the_key_never_shows_over_a_real_socket(caplog: pytest.LogCaptureFixture) -> None:
    """Calls, retries and failures over loopback leave no trace of the key at DEBUG in any logger."""
    caplog.set_level(logging.DEBUG)  # the root logger: flick_async, httpx, httpcore, uvicorn, …
    server = FlickServer()
    server.add_account("secret_keeper", api_key=SECRET)
    server.faults.add("GET /me", InternalError(), on=[2])
    seen: list[object] = []
    events: list[Event] = []
    with serve_in_thread(server) as base_url:
        for auth in ("bearer", "x-api-key"):
            async with AsyncFlick(
                SECRET,
                base_url=base_url,
                auth=auth,
                throttle=False,
                retry_policy=RetryPolicy(max_retries=1, initial_delay=0.0),
                hooks=[events.append],
            ) as flick:
                seen += [flick, await flick.me(), await flick.me(), await flick.reviews.list(), flick.rate_limit]
                seen.append(flick.reviews.iter())
                with pytest.raises(NotFoundError) as not_found:
                    await flick.lists.items("lst_nope").list()
                seen.append(not_found.value)
            seen.append(flick)
        async with AsyncFlick(SECRET.replace("topsecret", "wrongsecret"), base_url=base_url, throttle=False) as flick:
            with pytest.raises(InvalidAPIKeyError) as invalid:
                await flick.me()
            seen.append(invalid.value)
    async with AsyncFlick(
        SECRET, base_url=f"http://127.0.0.1:{_free_port()}/api/beta", throttle=False, max_retries=0
    ) as flick:
        with pytest.raises(APIConnectionError) as refused:
            await flick.me()
        seen.append(refused.value)
    assert [type(event).__name__ for event in events] == ["RetryScheduled"]
    assert {record.name.split(".")[0] for record in caplog.records} >= {"flick_async", "httpx", "httpcore"}
    record_texts = [caplog.text] + [str(record.__dict__) for record in caplog.records]
    _assert_secret_absent(record_texts + _texts(seen + events))


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_the_key_never_shows_in_errors_from_any_path(
    httpx_mock: HTTPXMock, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Translated httpx errors, API errors and malformed answers carry no key, even chained."""
    caplog.set_level(logging.DEBUG)
    url = f"{MOCK_BASE_URL}/me"
    httpx_mock.add_exception(httpx.ConnectError(f"cannot connect to {url}"), url=url)
    httpx_mock.add_response(url=url, status_code=500, text="oops")
    httpx_mock.add_response(url=url, status_code=200, text="{not json")
    httpx_mock.add_response(url=url, status_code=302, headers={"Location": "https://elsewhere.test/"})
    errors: list[object] = []
    async with AsyncFlick(SECRET, base_url=MOCK_BASE_URL, throttle=False, max_retries=0, clock=clock) as flick:
        for _ in range(4):
            with pytest.raises(FlickError) as caught:
                await flick.me()
            errors.append(caught.value)
    assert [type(error).__name__ for error in errors] == [
        "APIConnectionError",
        "InternalServerError",
        "MalformedResponseError",
        "APIError",
    ]
    _assert_secret_absent([caplog.text, *_texts(errors)])


@pytest.mark.parametrize(
    "key",
    [f" {SECRET}", f"{SECRET}\n", SECRET.replace("_", "-"), SECRET + "é", SECRET.replace("flick_sk_", "")],
    ids=["leading-space", "trailing-newline", "wrong-prefix", "non-ascii", "no-prefix"],
)
def test_a_rejected_key_is_not_echoed(key: str) -> None:
    """The error for a malformed key carries no part of it, not even in its traceback."""
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(key, base_url=MOCK_BASE_URL, throttle=False)
    _assert_secret_absent(_texts([caught.value]))


# -- plain http -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "http://flickmovies.com/api/beta",
        "http://10.0.0.7:8080/api/beta",
        "http://localhost.evil.test/api/beta",
        "http://127.0.0.1.nip.io/api/beta",
    ],
)
def test_plain_http_to_a_remote_host_is_refused(base_url: str) -> None:
    """`http://` to anything but loopback raises: the key would travel in clear."""
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(MOCK_KEY, base_url=base_url, throttle=False)
    assert caught.value.field == "base_url"
    assert "plain http would send the API key in clear" in caught.value.rule


@pytest.mark.parametrize(
    "base_url",
    [
        "http://localhost:8080/api/beta",
        "http://127.0.0.1/api/beta",
        "http://127.5.6.7/api/beta",
        "http://[::1]:8080/api/beta",
        "http://flick.localhost/api/beta",
        "https://flickmovies.com/api/beta",
    ],
)
def test_loopback_http_and_https_are_allowed(base_url: str) -> None:
    """Loopback may use plain http (the local server); https is always fine."""
    assert AsyncFlick(MOCK_KEY, base_url=base_url, throttle=False).base_url == base_url


def test_plain_http_can_be_allowed_explicitly() -> None:
    """`allow_insecure_http=True` is the explicit opt-in for a remote http host."""
    flick = AsyncFlick(MOCK_KEY, base_url="http://flick.lan/api/beta", throttle=False, allow_insecure_http=True)
    assert flick.base_url == "http://flick.lan/api/beta"


# -- redirects --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("follow", [False, True], ids=["own-http-client", "http-client-that-follows"])
async def test_a_redirect_is_never_followed_with_the_key(
    httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick], status: int, follow: bool
) -> None:
    """A 3xx raises APIError naming the target; the other host receives nothing, even via a following http_client."""
    httpx_mock.add_response(
        url=f"{MOCK_BASE_URL}/me", status_code=status, headers={"Location": "https://collector.evil.test/me"}
    )
    options = {"http_client": httpx.AsyncClient(follow_redirects=True)} if follow else {}
    async with make_mock_client(**options) as flick:
        with pytest.raises(APIError) as caught:
            await flick.me()
    if follow:
        await options["http_client"].aclose()
    assert (type(caught.value), caught.value.status_code) == (APIError, status)
    assert caught.value.message == (
        "redirected to https://collector.evil.test/me; not followed, so the API key is not sent elsewhere"
    )
    assert [str(request.url) for request in httpx_mock.get_requests()] == [f"{MOCK_BASE_URL}/me"]


async def test_a_redirect_is_not_retried(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    """A redirect is a permanent answer: one request, no retry."""
    httpx_mock.add_response(url=f"{MOCK_BASE_URL}/me", status_code=307, headers={"Location": "/api/v2/me"})
    async with make_mock_client() as flick:
        with pytest.raises(APIError):
            await flick.me()
    assert len(httpx_mock.get_requests()) == 1


async def test_the_local_server_sees_the_key_only_where_it_belongs(server: FlickServer, clock: FakeClock) -> None:
    """In process too: a client built with the key authenticates, and its repr hides the key."""
    account = server.add_account("keeper", api_key=SECRET)
    async with (
        httpx.AsyncClient(transport=server.transport()) as http,
        AsyncFlick(SECRET, base_url=SERVER_BASE_URL, http_client=http, throttle=False, clock=clock) as flick,
    ):
        profile = await flick.me()
        assert profile.username == "keeper"
        _assert_secret_absent(_texts([flick, flick._pipeline, profile]))
    assert [entry.account_id for entry in server.request_log] == [account.id]


def test_error_text_leaves_out_response_headers() -> None:
    """An APIError's str and repr show status, code and message, not headers (a proxy may echo anything)."""
    error = InternalServerError(
        "Oops.", status_code=500, code="internal_error", headers=httpx.Headers({"X-Echo": SECRET})
    )
    assert repr(error) == "InternalServerError(status_code=500, code='internal_error', message='Oops.')"
    assert str(error) == "500 internal_error: Oops."


def test_credentials_in_the_base_url_are_refused_without_echoing_them() -> None:
    """A base URL with user:password@ is refused, and the error does not repeat the password."""
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(MOCK_KEY, base_url="https://me:hunter2@flickmovies.com/api/beta")
    assert caught.value.field == "base_url"
    assert "hunter2" not in str(caught.value)


async def test_the_key_is_in_no_frame_local_of_a_failed_call(httpx_mock: HTTPXMock) -> None:
    """Error reporters that print every frame's locals (Sentry, rich) never see the key."""
    httpx_mock.add_response(status_code=500, json={"error": {"code": "internal_error", "message": "boom"}})
    http = httpx.AsyncClient()
    async with AsyncFlick(MOCK_KEY, http_client=http, throttle=False, max_retries=0, auth="x-api-key") as flick:
        with pytest.raises(InternalServerError) as caught:
            await flick.me()
    await http.aclose()
    frame = caught.value.__traceback__
    shown: list[str] = []
    while frame is not None:
        shown.extend(repr(value) for value in frame.tb_frame.f_locals.values())
        frame = frame.tb_next
    assert shown
    assert not [text for text in shown if MOCK_KEY in text]
