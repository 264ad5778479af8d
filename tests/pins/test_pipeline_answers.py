"""What the pipeline makes of an answer it cannot use, and what derived clients keep.

An unreadable success, an operation module that is not one, a connection error that quotes the
key: each becomes a `FlickError` a user can act on, carrying the exchange (status, headers,
method, URL) or the value given, and never the key. A `with_options` client is the same client
with other options: it reports to the same hooks and blames the same `http_client`.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import traceback
import types
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from facade.helpers import PROFILE_JSON
from flick_api.api.profile import get_profile
from flick_api.api.reviews import list_reviews
from flick_api.models import ErrorEnvelope

from flick_async import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncFlick,
    ClientClosedError,
    MalformedResponseError,
    RateLimitStatus,
    RetryPolicy,
    RetryScheduled,
    ValidationError,
)
from flick_async._pipeline import KeyAuth
from flick_async.testing import FakeClock

BASE_URL = "https://api.flick.test/api/beta"
KEY = "flick_sk_unit_0123456789abcdef0123"
PROFILE = PROFILE_JSON

Handler = Callable[[httpx.Request], httpx.Response]


def _answers(*responses: httpx.Response) -> Handler:
    queue = list(responses)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def _recording(sent: list[httpx.Request]) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=PROFILE)

    return answer


def _client(handler: Handler, **options: Any) -> AsyncFlick:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    if "retry_policy" not in options:
        options.setdefault("max_retries", 0)
    return AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, clock=FakeClock(), **options)


@pytest.fixture
async def closing() -> AsyncIterator[list[AsyncFlick]]:
    """Clients a test opened, closed with their http clients after it."""
    clients: list[AsyncFlick] = []
    yield clients
    for client in clients:
        await client.aclose()
        await client._pipeline.http.aclose()


# -- answers the SDK cannot read ------------------------------------------------------------------

CALLS = {
    "method": lambda flick: flick.reviews.list(limit=2),
    "call": lambda flick: flick.call(list_reviews, limit=2),
}


@pytest.mark.parametrize("how", list(CALLS))
async def test_a_body_that_is_not_json_is_a_transient_malformed_answer(how: str, closing: list[AsyncFlick]) -> None:
    """Cut off in transit or a proxy's HTML page: worth retrying (`transient`), and the error carries the
    exchange — status, headers (the request id a support ticket needs), method, and the URL without
    its query."""
    answer = httpx.Response(200, content=b'{"data": [', headers={"X-Request-Id": "req_42"})
    flick = _client(_answers(answer))
    closing.append(flick)
    with pytest.raises(MalformedResponseError) as caught:
        await CALLS[how](flick)
    error = caught.value
    assert error.message.startswith("the response body is not valid JSON (Expecting value")
    assert (error.transient, error.status_code, error.method, error.url) == (True, 200, "GET", f"{BASE_URL}/me/reviews")
    assert error.headers["x-request-id"] == "req_42"


SHAPE_ERRORS = {  # what was wrong, named: the SDK's own page reader's words, or the generated parser's error
    "method": "the response does not have the documented shape (ValueError: a page is an object with a `data` list)",
    "call": "the response does not have the documented shape (KeyError: 'data')",
}


@pytest.mark.parametrize("how", list(CALLS))
async def test_json_of_the_wrong_shape_is_malformed_for_good(how: str, closing: list[AsyncFlick]) -> None:
    """A JSON body without the documented fields will not fix itself: not transient, and the message
    names what was wrong with it."""
    answer = httpx.Response(200, json={"items": []}, headers={"X-Request-Id": "req_43"})
    flick = _client(_answers(answer))
    closing.append(flick)
    with pytest.raises(MalformedResponseError) as caught:
        await CALLS[how](flick)
    error = caught.value
    assert error.message == SHAPE_ERRORS[how]
    assert (error.transient, error.status_code, error.method, error.url) == (
        False,
        200,
        "GET",
        f"{BASE_URL}/me/reviews",
    )
    assert error.headers["x-request-id"] == "req_43"


async def test_a_truncated_answer_to_call_is_retried(closing: list[AsyncFlick]) -> None:
    """`transient` is what the retry policy reads: a cut-off body is asked for again and the second,
    whole answer is returned."""
    flick = _client(
        _answers(httpx.Response(200, content=b'{"id": "usr'), httpx.Response(200, json=PROFILE)),
        retry_policy=RetryPolicy(max_retries=1, initial_delay=0.0, jitter=0.0),
    )
    closing.append(flick)
    assert (await flick.call(get_profile)).username == "demo"


def _operation(parse: Callable[..., object]) -> types.ModuleType:
    """An operation module of the generator's shape (what `call()` accepts), with its own parser."""
    module = types.ModuleType("flick_api.api.custom.get_thing")
    module._get_kwargs = lambda: {"method": "get", "url": "/me"}  # type: ignore[attr-defined]
    module._parse_response = parse  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize(
    "parsed",
    [None, ErrorEnvelope.from_dict({"error": {"code": "x", "message": "y"}})],
    ids=["nothing", "error-envelope"],
)
async def test_call_never_hands_out_nothing_or_an_error_envelope(parsed: object, closing: list[AsyncFlick]) -> None:
    """An operation whose parser maps a 2xx to no model (None, or the error envelope where the model
    belongs) raises MalformedResponseError naming the status, rather than return it as the result."""
    flick = _client(_answers(httpx.Response(200, json=PROFILE)))
    closing.append(flick)
    with pytest.raises(MalformedResponseError) as caught:
        await flick.call(_operation(lambda **_: parsed))
    assert caught.value.message == "status 200 did not parse to this operation's result"
    assert (caught.value.status_code, caught.value.url) == (200, f"{BASE_URL}/me")


# -- what call() refuses before sending -----------------------------------------------------------


@pytest.mark.parametrize("missing", ["_get_kwargs", "_parse_response"])
async def test_call_refuses_a_module_missing_either_function(missing: str, closing: list[AsyncFlick]) -> None:
    """Both the request builder and the parser are needed; either alone is not an operation. Nothing is
    sent, and the error carries what was given."""
    sent: list[httpx.Request] = []
    flick = _client(_recording(sent))
    closing.append(flick)
    operation = _operation(lambda **_: None)
    delattr(operation, missing)
    with pytest.raises(ValidationError) as caught:
        await flick.call(operation)
    assert (caught.value.field, caught.value.value) == ("operation", operation)
    assert caught.value.rule == "must be a generated operation module (flick_api.api.<tag>.<operation>)"
    assert sent == []


async def test_bad_arguments_name_the_operation_and_carry_what_was_given(closing: list[AsyncFlick]) -> None:
    """Arguments the generated signature does not take: a ValidationError named after the operation,
    holding the arguments as given, and nothing sent."""
    sent: list[httpx.Request] = []
    flick = _client(_recording(sent))
    closing.append(flick)
    with pytest.raises(ValidationError) as caught:
        await flick.call(get_profile, "usr_1", verbose=True)  # type: ignore[call-arg]
    assert caught.value.field == "get_profile"
    assert caught.value.rule.startswith("bad arguments (")
    assert caught.value.value == {"args": ("usr_1",), "kwargs": {"verbose": True}}
    assert sent == []


# -- the key ----------------------------------------------------------------------------------------


async def test_a_connection_error_quoting_the_key_is_redacted(closing: list[AsyncFlick]) -> None:
    """A proxy's error that echoes the request header: the APIConnectionError names the failure and
    shows `<redacted>` where the key was, and so does the httpx error it chains (printed with every
    traceback; it quoted the key)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"proxy refused the request (Authorization: Bearer {KEY})", request=request)

    flick = _client(refuse)
    closing.append(flick)
    with pytest.raises(APIConnectionError) as caught:
        await flick.me()
    assert str(caught.value) == (
        f"ConnectError: proxy refused the request (Authorization: Bearer <redacted>) (GET {BASE_URL}/me)"
    )
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.ConnectError)
    assert cause.args == ("proxy refused the request (Authorization: Bearer <redacted>)",)


async def test_a_key_quoted_anywhere_in_the_chain_never_reaches_the_traceback(closing: list[AsyncFlick]) -> None:
    """httpx raises its error from the transport's own (httpcore's), with the same words: the key
    is cleaned out of every exception of the chain, so the printed traceback holds none."""

    def refuse(request: httpx.Request) -> httpx.Response:
        try:
            raise OSError(f"tunnel refused: Authorization: Bearer {KEY}")
        except OSError as low:
            raise httpx.ConnectError(f"proxy refused (Bearer {KEY})", request=request) from low

    flick = _client(refuse)
    closing.append(flick)
    with pytest.raises(APIConnectionError) as caught:
        await flick.me()
    printed = "".join(traceback.format_exception(caught.value))
    assert "tunnel refused: Authorization: Bearer <redacted>" in printed
    assert KEY not in printed


_ECHO = json.dumps({"error": {"code": "invalid_api_key", "message": f"key {KEY} refused"}}).encode()
_PAGE = f"<p>key {KEY} refused</p>"
_HTML = "(unexpected text/html; charset=utf-8 body: '<p>key <redacted> refused</p>')"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (httpx.Response(401, content=_ECHO, headers={"content-type": "application/json"}), "key <redacted> refused"),
        (
            httpx.Response(
                401,
                content=gzip.compress(_ECHO),
                headers={"content-type": "application/json", "content-encoding": "gzip"},
            ),
            "key <redacted> refused",
        ),
        (httpx.Response(502, html=_PAGE), f"Bad Gateway {_HTML}"),
        (
            httpx.Response(502, html=_PAGE, extensions={"reason_phrase": f"Bad {KEY}".encode()}),
            f"Bad <redacted> {_HTML}",
        ),
    ],
    ids=["envelope", "gzipped-envelope", "html-page", "reason-phrase"],
)
async def test_an_answer_echoing_the_key_reads_the_same_with_the_key_redacted(
    answer: httpx.Response, message: str, closing: list[AsyncFlick]
) -> None:
    """A server or proxy that echoes the key in its body (compressed or not) or its status line: the
    error says what it said, `<redacted>` in the key's place — the cleaned copy is decoded once,
    and keeps the standard reason phrase when the server sent none."""
    flick = _client(lambda request: answer)
    closing.append(flick)
    with pytest.raises(APIError) as caught:
        await flick.me()
    assert caught.value.message == message
    assert KEY not in str(caught.value.headers)


def test_key_auth_sets_the_key_only_while_a_sync_client_sends() -> None:
    """KeyAuth on a plain httpx.Client: the request on the wire carries the key, the request object
    left behind (what an exception or response hands a user) does not."""
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-api-key"))
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        response = http.get("https://api.flick.test/me", auth=KeyAuth("X-API-Key", KEY))
    assert seen == [KEY]
    assert "x-api-key" not in response.request.headers


# -- with_options clients ----------------------------------------------------------------------------


async def test_a_derived_client_reports_its_retries_to_the_clients_hooks(closing: list[AsyncFlick]) -> None:
    """Hooks are per client, and `with_options` makes the same client: its retries reach them too."""
    events: list[object] = []
    flick = _client(
        _answers(
            httpx.Response(503, json={"error": {"code": "internal_error", "message": "x"}}),
            httpx.Response(200, json=PROFILE),
        ),
        retry_policy=RetryPolicy(max_retries=0, initial_delay=0.0, jitter=0.0),
        hooks=[events.append],
    )
    closing.append(flick)
    assert (await flick.with_options(max_retries=1).me()).username == "demo"
    assert [(type(e).__name__, e.attempt, e.path) for e in events if isinstance(e, RetryScheduled)] == [
        ("RetryScheduled", 1, "/api/beta/me")
    ]


async def test_a_derived_client_blames_the_users_closed_http_client() -> None:
    """The http_client is the user's in a derived client too: closing it makes calls say so, not that
    the SDK client was closed."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=PROFILE)))
    flick = AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, clock=FakeClock())
    derived = flick.with_options(timeout=5.0)
    await http.aclose()
    with pytest.raises(ClientClosedError, match=r"the httpx\.AsyncClient passed as http_client is closed"):
        await derived.me()
    await flick.aclose()


# -- what ends an exchange ---------------------------------------------------------------------------


async def test_a_transport_timeout_names_itself_and_the_request(closing: list[AsyncFlick]) -> None:
    """httpx's own timeouts (a real socket's read or connect timeout) become APITimeoutError naming
    which one, with the method and the URL without its query."""

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    flick = _client(slow)
    closing.append(flick)
    with pytest.raises(APITimeoutError) as caught:
        await flick.reviews.list(limit=2)
    assert str(caught.value) == f"timed out (ReadTimeout) (GET {BASE_URL}/me/reviews)"
    assert (caught.value.method, caught.value.url) == ("GET", f"{BASE_URL}/me/reviews")


@pytest.mark.parametrize("seconds", [None, 30.0], ids=["no-timeout", "timeout"])
async def test_a_redirect_is_refused_with_or_without_a_timeout(seconds: float | None) -> None:
    """An http_client that follows redirects is told not to, whether or not the call has a deadline (two
    ways of sending): the 3xx is an APIError and the other host is never asked."""
    asked: list[str] = []

    def moved(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://collector.evil.test/me"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(moved), follow_redirects=True)
    async with http, AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, timeout=seconds) as flick:
        with pytest.raises(APIError) as caught:
            await flick.me()
    assert (caught.value.status_code, caught.value.method, caught.value.url) == (302, "GET", f"{BASE_URL}/me")
    assert caught.value.headers["location"] == "https://collector.evil.test/me"
    assert asked == [f"{BASE_URL}/me"]


def test_a_client_used_again_in_a_second_event_loop_says_so() -> None:
    """httpx's pooled connections belong to the event loop that opened them; used from a later
    `asyncio.run` they raise a bare RuntimeError ("Event loop is closed"). The client says what
    happened and what to do instead. In the loop it was first used in, a RuntimeError is not
    explained away: it comes out as itself."""
    loops: list[object] = []

    def pooled(request: httpx.Request) -> httpx.Response:
        loop = asyncio.get_running_loop()
        loops.append(loop)
        if loop is not loops[0]:
            raise RuntimeError("Event loop is closed")
        if len(loops) == 2:
            raise RuntimeError("a bug of the transport")
        return httpx.Response(200, json=PROFILE)

    http = httpx.AsyncClient(transport=httpx.MockTransport(pooled))
    flick = AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=False, max_retries=0)

    async def first_loop() -> None:
        assert (await flick.me()).username == "demo"
        with pytest.raises(RuntimeError, match="a bug of the transport"):
            await flick.me()

    asyncio.run(first_loop())
    with pytest.raises(ClientClosedError) as caught:
        asyncio.run(flick.me())
    assert str(caught.value) == (
        "this AsyncFlick was first used in another event loop (an earlier anyio.run or asyncio.run) and its"
        " connections belong to that loop; create the client inside the event loop that uses it"
        " (RuntimeError: Event loop is closed)"
    )


async def test_each_exchange_is_logged_at_debug_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    """With DEBUG on, one line per attempt: method, URL with its query, status and the time it took on the
    client's clock (a fake one here: 0.000s), never the key."""
    caplog.set_level(logging.DEBUG, logger="flick_async")
    flick = _client(
        _answers(httpx.Response(200, json={"data": [], "page": 1, "limit": 2, "total": 0, "has_more": False}))
    )
    async with flick:
        await flick.reviews.list(limit=2)
    await flick._pipeline.http.aclose()
    assert [r.getMessage() for r in caplog.records if r.name == "flick_async"] == [
        f"GET {BASE_URL}/me/reviews?page=1&limit=2 -> 200 in 0.000s"
    ]
    assert KEY not in caplog.text


class _OwnThrottle:
    """A user's Throttle that keeps no rate-limit snapshot of its own (`status` stays None)."""

    def __init__(self) -> None:
        self.observed: list[int] = []

    async def acquire(self) -> None:
        return None

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        self.observed.append(status_code)

    def abandon(self) -> None:
        return None

    @property
    def status(self) -> RateLimitStatus | None:
        return None


async def test_a_throttle_without_a_snapshot_still_leaves_rate_limit_readable() -> None:
    """`client.rate_limit` reads the throttle's snapshot first; a throttle that keeps none (a user's own)
    must not blank it: the pipeline parses the headers itself then."""
    headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "41", "X-RateLimit-Reset": "1781200560"}
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=PROFILE, headers=headers))
    )
    throttle = _OwnThrottle()
    async with (
        http,
        AsyncFlick(KEY, base_url=BASE_URL, http_client=http, throttle=throttle, clock=FakeClock()) as flick,
    ):
        await flick.me()
        status = flick.rate_limit
    assert throttle.observed == [200]
    assert status is not None
    assert (status.limit, status.remaining) == (60, 41)


async def test_a_redirect_without_a_location_is_refused_all_the_same(closing: list[AsyncFlick]) -> None:
    """A 3xx with no Location header (a misconfigured proxy) is still no answer: an APIError that says
    the target is unknown, rather than a parse of the empty body."""
    flick = _client(_answers(httpx.Response(307)))
    closing.append(flick)
    with pytest.raises(APIError) as caught:
        await flick.me()
    assert caught.value.message == "redirected to ?; not followed, so the API key is not sent elsewhere"
    assert caught.value.status_code == 307


async def test_a_closed_client_says_so_and_sends_nothing() -> None:
    """After `aclose()` (or its `async with` block) every call raises ClientClosedError saying what to do."""
    sent: list[httpx.Request] = []
    flick = _client(_recording(sent))
    async with flick:
        pass
    with pytest.raises(ClientClosedError) as caught:
        await flick.me()
    assert str(caught.value) == "this AsyncFlick client is closed; create a new one"
    assert sent == []
    await flick._pipeline.http.aclose()
