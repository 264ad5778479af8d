"""The API key stays secret: not in reprs, errors, logs or tracebacks; not sent over plain http or to other hosts."""

from __future__ import annotations

import collections
import contextlib
import logging
import socket
import traceback
import types
from collections.abc import Callable
from typing import Literal

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    APIConnectionError,
    APIError,
    AsyncFlick,
    AuthenticationError,
    Event,
    FlickError,
    InternalServerError,
    InvalidAPIKeyError,
    NotFoundError,
    RetryPolicy,
    ValidationError,
)
from flick_async.testing import DropAfterCommit, FakeClock, FlickServer, InternalError, serve_in_thread

from .helpers import MOCK_BASE_URL, MOCK_KEY, SERVER_BASE_URL

SECRET = "flick_sk_topsecret_9f8e7d6c5b4a39281706"
SECRET_TAIL = SECRET.removeprefix("flick_sk_")
NO_RETRY = RetryPolicy(max_retries=0)


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


# -- the key is unreachable from every exception ----------------------------------------------------

# Walked through, never into: code and the interpreter's own machinery. Tracebacks and frames are
# left out on purpose: a frame of a failed call holds the client, which must hold the key; what an
# error reporter prints of frame locals is their repr (test_the_key_is_in_no_frame_local_of_a_failed_call).
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
    types.TracebackType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
)


def _paths_to(secret: str, root: object) -> list[str]:
    """Where `secret` is reachable from `root` (as str or bytes), through attributes, mappings and sequences.

    A plain walk with a visited set, not `gc.get_referents`: it follows what a user, a debugger or
    an error reporter can follow from the object (`__dict__`, `__slots__`, exception causes and
    contexts, dict keys and values, sequence items), the way `err.__cause__.request.headers` is.
    """
    found: list[str] = []
    seen: set[int] = set()
    keep: list[object] = []  # ids stay unique while every visited object lives
    stack: list[tuple[object, str]] = [(root, "err")]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or obj is None:
            continue
        seen.add(id(obj))
        keep.append(obj)
        if isinstance(obj, str | bytes | bytearray):
            if (secret in obj) if isinstance(obj, str) else (secret.encode() in obj):
                found.append(path)
            continue
        if isinstance(obj, _OPAQUE):
            continue
        if isinstance(obj, dict):
            for key, value in list(obj.items()):
                stack += [(key, f"{path}.keys()"), (value, f"{path}[{key!r}]")]
        elif isinstance(obj, list | tuple | set | frozenset | collections.deque):
            stack += [(item, f"{path}[{i}]") for i, item in enumerate(list(obj))]
        if isinstance(obj, BaseException):
            stack += [
                (obj.args, f"{path}.args"),
                (obj.__cause__, f"{path}.__cause__"),
                (obj.__context__, f"{path}.__context__"),
                (getattr(obj, "__notes__", None), f"{path}.__notes__"),
            ]
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            stack += [(value, f"{path}.{name}") for name, value in attributes.items()]
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                with contextlib.suppress(AttributeError):  # an unset slot
                    stack.append((object.__getattribute__(obj, name), f"{path}.{name}"))
    return found


def test_the_graph_walk_finds_a_key_where_it_is() -> None:
    """The walk reaches through causes, requests and headers (so a clean result means something)."""

    def fail() -> None:
        request = httpx.Request("GET", "https://api.flick.test/me", headers={"X-API-Key": SECRET})
        try:
            raise httpx.ConnectError("no route", request=request)
        except httpx.ConnectError as exc:
            raise APIConnectionError("ConnectError", method="GET", url="https://api.flick.test/me") from exc

    with pytest.raises(APIConnectionError) as caught:
        fail()
    # The cause is the context too: the walk reports whichever way it reached it first.
    [path] = _paths_to(SECRET, caught.value)
    assert path.removeprefix("err.__cause__").removeprefix("err.__context__") == "._request.headers._list[1][2]"


def _failing_answers(request: httpx.Request, step: int) -> httpx.Response:
    """One way to fail per step: transport errors carrying the request, error answers, unreadable answers."""
    echo = f"key {SECRET} refused"  # a server or proxy that echoes what it was sent
    answers: list[Callable[[], httpx.Response]] = [
        lambda: (_ for _ in ()).throw(httpx.ConnectError("connection refused", request=request)),
        lambda: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=request)),
        lambda: (_ for _ in ()).throw(httpx.RemoteProtocolError("peer closed", request=request)),
        lambda: httpx.Response(401, json={"error": {"code": "invalid_api_key", "message": echo}}),
        lambda: httpx.Response(
            400, json={"error": {"code": "invalid_request", "message": "Bad.", "details": {"key": SECRET}}}
        ),
        lambda: httpx.Response(500, json={"error": {"code": "internal_error", "message": "boom"}}),
        lambda: httpx.Response(502, html=f"<html><h1>502</h1><p>{echo}</p></html>"),
        lambda: httpx.Response(503, headers={"X-Echo-Key": SECRET}, json={"error": {"code": "x", "message": "y"}}),
        lambda: httpx.Response(200, text=f'{{"id": "{SECRET}"'),
        lambda: httpx.Response(200, json={"unexpected": SECRET}),
        lambda: httpx.Response(302, headers={"Location": f"https://elsewhere.test/?k={SECRET}"}),
        lambda: httpx.Response(
            429, headers={"Retry-After": "9999"}, json={"error": {"code": "rate_limited", "message": echo}}
        ),
    ]
    return answers[step]()


FAILURES = 12


@pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
async def test_the_key_is_unreachable_from_every_exception(auth: Literal["bearer", "x-api-key"]) -> None:
    """No exception a call raises, nor anything reachable from it (causes, requests, headers), holds the key."""
    step = 0

    def answer(request: httpx.Request) -> httpx.Response:
        assert SECRET in (request.headers.get("authorization", "") + request.headers.get("x-api-key", ""))
        return _failing_answers(request, step)

    errors: list[FlickError] = []
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        AsyncFlick(SECRET, base_url=MOCK_BASE_URL, auth=auth, http_client=http, throttle=False, max_retries=0) as flick,
    ):
        while step < FAILURES:
            with pytest.raises(FlickError) as caught:
                await flick.me()
            errors.append(caught.value)
            step += 1
    assert len({type(e) for e in errors}) >= 6
    assert {i: _paths_to(SECRET, e) for i, e in enumerate(errors) if _paths_to(SECRET, e)} == {}
    assert {i: _paths_to(SECRET_TAIL, e) for i, e in enumerate(errors) if _paths_to(SECRET_TAIL, e)} == {}


@pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
async def test_the_key_is_unreachable_from_bulk_write_errors(auth: Literal["bearer", "x-api-key"]) -> None:
    """Bulk writes: per-item errors, chunk errors and a job-stopping error with its `.partial` hold no key."""
    server = FlickServer(clock=FakeClock())
    account = server.add_account("bulk_secret", api_key=SECRET)
    server.faults.add("POST /me/reviews/batch", DropAfterCommit(), on=[1, 2])
    rows = [
        {"tmdb_id": "27205", "media_type": "movie", "rating": 8, "review": f"fine {i}"}
        if i % 2
        else {"tmdb_id": "999999999", "media_type": "movie", "rating": i}  # media_not_found
        for i in range(6)
    ]
    async with (
        httpx.AsyncClient(transport=server.transport()) as http,
        AsyncFlick(
            SECRET, base_url=SERVER_BASE_URL, auth=auth, http_client=http, throttle=False, retry_policy=NO_RETRY
        ) as flick,
    ):
        result = await flick.reviews.create_many(rows, chunk_size=2)
        server.revoke_key(SECRET, delay=0)
        with pytest.raises(AuthenticationError) as caught:
            await flick.reviews.create_many(rows[:2])
    assert {o.status for o in result} == {"uncertain", "created", "failed"}
    assert account.api_key == SECRET
    assert _paths_to(SECRET, caught.value) == []
    assert _paths_to(SECRET, result) == []
    assert _paths_to(SECRET, [o.error for o in result]) == []


async def test_the_key_is_unreachable_from_errors_over_a_real_socket() -> None:
    """Over loopback (httpcore underneath): a refused connection and a 500 hold no key, for both schemes."""
    server = FlickServer()
    server.add_account("socket_secret", api_key=SECRET)
    server.faults.add("GET /me", InternalError())
    errors: list[FlickError] = []
    with serve_in_thread(server) as base_url:
        for auth in ("bearer", "x-api-key"):
            for url in (base_url, f"http://127.0.0.1:{_free_port()}/api/beta"):
                async with AsyncFlick(SECRET, base_url=url, auth=auth, throttle=False, max_retries=0) as flick:
                    with pytest.raises(FlickError) as caught:
                        await flick.me()
                    errors.append(caught.value)
    assert [type(e).__name__ for e in errors] == ["InternalServerError", "APIConnectionError"] * 2
    assert [_paths_to(SECRET, e) for e in errors] == [[]] * 4


@pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
@pytest.mark.parametrize("status", [401, 502])
async def test_the_key_echoed_in_the_status_line_is_redacted(auth: Literal["bearer", "x-api-key"], status: int) -> None:
    """A proxy that echoes the key in its reason phrase (`HTTP/1.1 502 bad key flick_sk_…`), not in body or headers."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, html="<html>bad gateway</html>", extensions={"reason_phrase": f"bad key {SECRET}".encode()}
        )

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        AsyncFlick(SECRET, base_url=MOCK_BASE_URL, auth=auth, http_client=http, throttle=False, max_retries=0) as flick,
    ):
        with pytest.raises(APIError) as caught:
            await flick.me()
    assert caught.value.status_code == status
    _assert_secret_absent(_texts([caught.value]))
    assert _paths_to(SECRET, caught.value) == []
