"""The request pipeline: throttle, send, sync the rate-limit state, translate errors, retry.

Every API call goes through `Pipeline.request`. It is the one place where foreign exceptions
(httpx, the generated client's parsing) become `FlickError`s. It sits below everything that
makes requests: the endpoint groups (`_resources`), pagination and bulk writes (`_batch`) take a
`Pipeline`, and `AsyncFlick` on top builds one — as httpx keeps its transports below its client.
"""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import json
import logging
import os
import random
import urllib.parse
from collections.abc import AsyncGenerator, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, ParamSpec, Protocol, TypeVar

import anyio
import attrs
import httpx
import sniffio
from flick_api.errors import UnexpectedStatus

from ._clock import Clock
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    FlickError,
    MalformedResponseError,
    ValidationError,
    error_from_response,
)
from ._events import Hook, RetryScheduled, emit, logger
from ._json import loads as _loads
from ._rate_limit import RateLimitStatus, parse_rate_limit_headers
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from flick_api.client import AuthenticatedClient, Client
    from flick_api.models import ErrorEnvelope

    from ._throttle import Throttle

__all__ = ["CallRecord", "KeyAuth", "Operation", "Pipeline", "ResponseCapture", "ResponseInfo"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")


class Operation(Protocol[P, T_co]):
    """A generated operation module (`flick_api.api.<tag>.<operation>`), as `call()` takes it.

    Any module with the generator's `_get_kwargs` and `_parse_response` fits, so an operation
    added by `make regen` is callable at once; the arguments are `_get_kwargs`'s, and the
    result is the model its success status parses to (the error envelope raises instead).
    """

    @property
    def _get_kwargs(self) -> Callable[P, dict[str, Any]]: ...

    def _parse_response(
        self, *, client: AuthenticatedClient | Client, response: httpx.Response
    ) -> ErrorEnvelope | T_co | None: ...


@attrs.frozen
class ResponseInfo:
    """What the last attempt of a call got back, for `RawResponse` (never the request's headers).

    Attributes:
        status_code: The HTTP status.
        headers: The response headers.
        rate_limit: The response's `X-RateLimit-*` snapshot, or None when it had none.
        elapsed: From sending the last attempt to its answer, on the client's clock.
        retries_taken: Attempts before the one that succeeded.
        method: The request method.
        url: The request URL, query included (the key travels in a header, never here).
    """

    status_code: int
    headers: httpx.Headers
    rate_limit: RateLimitStatus | None
    elapsed: datetime.timedelta
    retries_taken: int
    method: str
    url: str


class _Capture:
    __slots__ = ("info", "responses")

    def __init__(self) -> None:
        self.info: ResponseInfo | None = None
        # Every answered call with the input indices it carried (the chunks of a bulk write).
        self.responses: list[tuple[tuple[int, ...], ResponseInfo]] = []


# Set by the raw-response wrappers around one call; the pipeline fills it in. A context
# variable, so that concurrent calls through one client each see their own response.
_CAPTURE: contextvars.ContextVar[_Capture | None] = contextvars.ContextVar("flick_async_capture", default=None)


class ResponseCapture:
    """Record the response of the calls made inside the block (the last one wins)."""

    def __init__(self) -> None:
        self._capture = _Capture()
        self._token: contextvars.Token[_Capture | None] | None = None

    @property
    def info(self) -> ResponseInfo | None:
        """The last response captured, or None."""
        return self._capture.info

    @property
    def responses(self) -> list[tuple[tuple[int, ...], ResponseInfo]]:
        """Every response captured, in the order they arrived, with the indices each call carried."""
        return self._capture.responses

    def __enter__(self) -> ResponseCapture:
        self._token = _CAPTURE.set(self._capture)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._token is not None
        _CAPTURE.reset(self._token)


class _NoGate:
    """The gate of a client with no bound on its requests in flight (`max_in_flight=None`)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc_info: object) -> None:
        return None


_NO_GATE: Final = _NoGate()


class _State:
    """What a client and the light clients derived from it (`with_options`) share."""

    __slots__ = ("closed", "gate", "gate_loop", "last_status", "loop", "max_in_flight")

    def __init__(self, max_in_flight: int | None = None) -> None:
        self.closed = False
        self.last_status: RateLimitStatus | None = None
        self.loop: object | None = None  # the event loop of the first request (see `_exchange`)
        self.max_in_flight = max_in_flight
        self.gate: anyio.Semaphore | _NoGate = _NO_GATE
        self.gate_loop: object | None = _NO_GATE  # never a loop: the first request makes the gate

    def gate_for(self, loop: object | None) -> anyio.Semaphore | _NoGate:
        """The gate of the requests in flight on `loop` (made on its first request there).

        One per event loop: an anyio primitive belongs to the backend and loop it first waited
        on, and a client may be used by one `anyio.run` after another (see `_exchange`).
        """
        if self.max_in_flight is not None:
            # fast_acquire: no event-loop turn when a slot is free; the throttle's grant, the
            # exchange and the answer yield often enough.
            self.gate = anyio.Semaphore(self.max_in_flight, fast_acquire=True)
        self.gate_loop = loop
        return self.gate


class CallRecord:
    """What the attempts of one call may have done on the server (for exact bulk accounting).

    Attributes:
        sent: An attempt reached the network (the throttle let it through).
        uncertain: An attempt ended without a definite answer (no response once the request
            may have left, a 5xx, an unreadable body), so the server may have acted on it. A 4xx
            is definite: the API writes nothing for a rejected request; so is a connection that
            was never made (refused, connect or pool timeout).
    """

    __slots__ = ("_on_sent", "indices", "sent", "uncertain")

    def __init__(self, on_sent: Callable[[], None] | None = None, *, indices: Sequence[int] = ()) -> None:
        self.sent = False
        self.uncertain = False
        self.indices = tuple(indices)  # the input items a bulk call carries (raw responses name them)
        self._on_sent = on_sent

    def mark_sent(self) -> None:
        if not self.sent:
            self.sent = True
            if self._on_sent is not None:
                self._on_sent()


REDACTED = "<redacted>"


class KeyAuth(httpx.Auth):
    """Sets the API key header while httpx sends each request, and keeps the key out of answers.

    The key lives only here, behind a redacted repr. It is in a request's headers only while
    httpx sends it: removed as the exchange ends, however it ends, so the request an httpx
    exception or a response carries (`err.__cause__.request.headers`) no longer holds it. httpx
    masks only `Authorization` in reprs; this covers `X-API-Key` and the raw header list too.

    Args:
        header: `Authorization` or `X-API-Key`.
        key: The API key.
        scheme: Written before the key (`"Bearer "`).
    """

    def __init__(self, header: str, key: str, *, scheme: str = "") -> None:
        self._header = header
        self._value = scheme + key
        self._key = key
        # Names the key without revealing it (what a resume token is bound to): 48 bits of a hash.
        self.fingerprint = hashlib.blake2b(key.encode(), digest_size=6, person=b"flick-key").hexdigest()
        # The forms the key takes in a body or header that echoes it: as sent, JSON-escaped, URL-quoted.
        forms = {key, json.dumps(key)[1:-1], json.dumps(key)[1:-1].replace("/", "\\/"), urllib.parse.quote(key)}
        self._forms = tuple(form.encode() for form in forms)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        try:
            yield request
        finally:
            request.headers.pop(self._header, None)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # Not the base class's wrapper of auth_flow: it leaves the inner generator (and its
        # finally) to the garbage collector when httpx closes the flow on an error.
        request.headers[self._header] = self._value
        try:
            yield request
        finally:
            request.headers.pop(self._header, None)

    def redact_text(self, text: str) -> str:
        """`text` with every form of the key replaced by `<redacted>`."""
        for form in self._forms:
            text = text.replace(form.decode(), REDACTED)
        return text

    def redact_exception(self, exc: BaseException) -> None:
        """Clean the key out of `exc`'s message and those it was raised from: a transport's or
        proxy's words may quote the request.

        The httpx exception is the cause of the error raised to the user, and httpx raises it from
        the httpcore (or transport) exception with the same words, so the whole chain is printed
        with every traceback and reachable as `err.__cause__.__cause__.args`.
        """
        seen: set[int] = set()
        link: BaseException | None = exc
        while link is not None and id(link) not in seen:  # a chain can loop back on itself
            seen.add(id(link))
            link.args = tuple(self.redact_text(arg) if isinstance(arg, str) else arg for arg in link.args)
            link = link.__cause__ or link.__context__

    def redact(self, response: httpx.Response) -> httpx.Response:
        """`response`, or a copy without the key if its body or headers echo it (a server or proxy may).

        Everything downstream (errors, their messages and headers, parsed models) is built from
        the answer, so it is cleaned once, here. The check is a bytes search: microseconds.
        """
        content = response.content
        raw_headers = response.headers.raw
        # The status line too: an error message quotes the reason phrase when the body is not the envelope.
        reason = response.extensions.get("reason_phrase", b"")
        # One bytes search per form over all header values at once: the per-header generators
        # this replaces cost more than the searches (it runs on every response). A form found
        # only across a separator (a key holding a newline) just costs the copy below.
        values = b"\n".join([value for _, value in raw_headers])
        for form in self._forms:
            if form in content or form in reason or form in values:
                break
        else:
            return response
        redacted = REDACTED.encode()
        for form in self._forms:
            content = content.replace(form, redacted)
        headers = [
            (name, self._redact_bytes(value))
            for name, value in raw_headers
            # The body is decoded and its length changes: the copy must not be decoded again.
            if name.lower() not in (b"content-encoding", b"content-length")
        ]
        extensions = {"reason_phrase": self._redact_bytes(reason)} if reason else {}
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=response.request, extensions=extensions
        )

    def _redact_bytes(self, value: bytes) -> bytes:
        for form in self._forms:
            value = value.replace(form, REDACTED.encode())
        return value

    def __repr__(self) -> str:
        return f"<KeyAuth {self._header}: <redacted>>"


class Pipeline:
    """Sends one API call: throttle, send, sync rate-limit state, translate errors, retry.

    `closed` is set by the client's `aclose()`: every later call, and every later attempt of a
    call in flight, raises `ClientClosedError`. `owns_http` says whether `http` is the client's
    own (closed by `aclose()`) or one the user passed (whose closing is the user's doing).
    `derive()` makes the pipeline of a light client (`with_options`): other timeout, retries
    or headers, the same connections, throttle and rate-limit state; closing the client it
    came from closes it too.
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        auth: KeyAuth,
        headers: Mapping[str, str],
        timeout: float | None,
        retry: RetryPolicy,
        throttle: Throttle | None,
        clock: Clock,
        hooks: Sequence[Hook],
        owns_http: bool = True,
        max_in_flight: int | None = None,
    ) -> None:
        self.http = http
        self.owns_http = owns_http
        self.base_url = base_url
        self._auth = auth
        self._headers = dict(headers)
        self._timeout = timeout
        self.retry = retry
        self.throttle = throttle
        self._clock = clock
        self._hooks = hooks
        self._state = _State(max_in_flight)
        self._parent: Pipeline | None = None
        # Per request, so that it holds through an http_client the user passed, whatever that
        # client's own default (5 s for a bare httpx.AsyncClient), and for derived pipelines.
        self._request_timeout = httpx.Timeout(timeout)
        self._timeout_extension = self._request_timeout.as_dict()
        # Parts of every request, built once (see `_build_request`).
        self._header_items = tuple(self._headers.items())

    @property
    def closed(self) -> bool:
        """True once this client, or the one it was derived from, is closed."""
        return self._state.closed or (self._parent is not None and self._parent.closed)

    @closed.setter
    def closed(self, value: bool) -> None:
        self._state.closed = value

    @property
    def last_status(self) -> RateLimitStatus | None:
        """The latest rate-limit snapshot any response of this client (or its family) carried."""
        root = self._root()
        return root._state.last_status

    @last_status.setter
    def last_status(self, status: RateLimitStatus | None) -> None:
        self._root()._state.last_status = status

    @property
    def timeout(self) -> float | None:
        """Seconds one attempt may take (None: no limit)."""
        return self._timeout

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers sent with every request (never the key, which `auth` sets)."""
        return dict(self._headers)

    @property
    def key_fingerprint(self) -> str:
        """A short hash naming the API key (never the key): what ties a resume token to its key."""
        return self._auth.fingerprint

    def _root(self) -> Pipeline:
        pipeline = self
        while pipeline._parent is not None:
            pipeline = pipeline._parent
        return pipeline

    def derive(
        self,
        *,
        timeout: float | None,
        retry: RetryPolicy,
        headers: Mapping[str, str],
        throttle: Throttle | None,
    ) -> Pipeline:
        """A pipeline sharing this one's connections, auth, clock and state, with other options."""
        replaced = {name.lower() for name in headers}
        derived = Pipeline(
            http=self.http,
            base_url=self.base_url,
            auth=self._auth,
            # Names are case-insensitive: `x-trace` replaces an inherited `X-Trace` rather than joining it.
            headers={
                **{name: value for name, value in self._headers.items() if name.lower() not in replaced},
                **headers,
            },
            timeout=timeout,
            retry=retry,
            throttle=throttle,
            clock=self._clock,
            hooks=self._hooks,
            owns_http=self.owns_http,
        )
        derived._parent = self
        return derived

    async def request(
        self, kwargs: Mapping[str, Any], parse: Callable[[Any], T], fast: Callable[[bytes], T | None] | None = None
    ) -> T:
        """Run the call `kwargs` describes (from a generated `_get_kwargs`), parse its JSON body.

        `fast`, if given, reads the body's bytes first (a page of reviews: straight into typed
        structures); when it returns None the body is decoded and given to `parse` as usual.
        """
        return await self.send(kwargs, lambda response: _parse_body(response, parse, fast))

    async def run_operation(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a generated operation module: its `_get_kwargs(*args, **kwargs)`, its `_parse_response`."""
        name = getattr(operation, "__name__", repr(operation)).rpartition(".")[2]
        build = getattr(operation, "_get_kwargs", None)
        parse = getattr(operation, "_parse_response", None)
        if not callable(build) or not callable(parse):
            raise ValidationError(
                "operation", "must be a generated operation module (flick_api.api.<tag>.<operation>)", operation
            )
        try:
            request_kwargs = build(*args, **kwargs)
        except TypeError as exc:
            # Wrong or missing arguments: the generated signature is the documentation.
            raise ValidationError(name, f"bad arguments ({exc})", {"args": args, "kwargs": kwargs}) from None
        return await self.send(request_kwargs, lambda response: _parse_operation(response, operation))

    async def send(
        self,
        kwargs: Mapping[str, Any],
        parse: Callable[[httpx.Response], T],
        record: CallRecord | None = None,
    ) -> T:
        """Run the call `kwargs` describes; `parse` reads a successful response."""
        if self.closed:
            raise ClientClosedError("this AsyncFlick client is closed; create a new one")
        state = self._root()._state
        loop = current_loop()
        if state.loop is None:
            state.loop = loop
        gate = state.gate if state.gate_loop is loop else state.gate_for(loop)
        request = self._build_request(kwargs)
        attempt = 0
        while True:
            attempt += 1
            try:
                # Each attempt holds a slot from before the throttle's grant until its answer is
                # read, and none through a retry's backoff: the grant goes on the wire at once,
                # and the pool never opens more connections than the gate lets through.
                async with gate:
                    value, response, elapsed = await self._attempt(request, parse, record)
            except FlickError as error:
                delay = self.retry.delay(error, attempt, rng=_JITTER)
                if delay is None:
                    raise
                emit(self._hooks, RetryScheduled(request.method, request.url.path, attempt, delay, error))
            else:
                capture = _CAPTURE.get()
                if capture is not None:
                    capture.info = info = ResponseInfo(
                        status_code=response.status_code,
                        headers=response.headers,
                        rate_limit=parse_rate_limit_headers(response.headers),
                        elapsed=datetime.timedelta(seconds=elapsed),
                        retries_taken=attempt - 1,
                        method=request.method,
                        url=str(request.url),
                    )
                    capture.responses.append((record.indices if record is not None else (), info))
                return value
            await self._clock.sleep(delay)

    def _build_request(self, kwargs: Mapping[str, Any]) -> httpx.Request:
        """The request `kwargs` describes, as `http.build_request` would build it.

        Built directly where it can be, from cached parts: the absolute URL of each path (httpx
        parsed the URL string again for every request: 30 of 66 us a call with an IP address
        host) and the client's headers merged with this pipeline's (httpx merged them per
        request: a scan of the client's headers per header). The merge is redone when the
        client's headers change. A client with cookies or query parameters of its own goes
        through `build_request`, which merges those too.
        """
        http = self.http
        path = kwargs["url"]
        text = self.base_url + path
        url = _URLS.get(text)
        if url is None:
            url = httpx.URL(text)
            if len(_URLS) < _URLS_HELD:  # paths with ids in them are many: keep the first ones
                _URLS[text] = url
        extra = kwargs.get("headers")
        if http.cookies or http.params:
            return http.build_request(
                kwargs["method"].upper(),
                url,
                params=kwargs.get("params"),
                content=kwargs.get("content"),  # a body encoded already (bulk writes: `_json.dumps`)
                json=kwargs.get("json"),
                headers={**extra, **self._headers} if extra else self._headers,  # httpx copies them
                timeout=self._request_timeout,
            )
        key = (tuple(http.headers.raw), self._header_items, tuple(extra.items()) if extra else ())
        merged = _MERGED_HEADERS.get(key)
        if merged is None:
            merged = httpx.Headers(http.headers)
            merged.update({**extra, **self._headers} if extra else self._headers)
            # Bounded: an operation with a header parameter (an idempotency key, say) may send
            # another value with every call.
            if len(_MERGED_HEADERS) < _HEADER_SETS_HELD:
                _MERGED_HEADERS[key] = merged
        return httpx.Request(
            kwargs["method"].upper(),
            url,
            params=kwargs.get("params"),
            content=kwargs.get("content"),
            json=kwargs.get("json"),
            headers=merged,  # copied by httpx.Request: the key set on it never reaches the cache
            # A dict of its own, as `build_request` gives: a hook or transport may change it.
            extensions={"timeout": dict(self._timeout_extension)},
        )

    def _check_open(self) -> None:
        if self.closed:
            raise ClientClosedError(_CLOSED_IN_FLIGHT)
        if self.http.is_closed:
            # httpx would raise a bare RuntimeError. Blame the http_client only if it is the user's.
            raise ClientClosedError(
                "the httpx.AsyncClient passed as http_client is closed" if not self.owns_http else _CLOSED_IN_FLIGHT
            )

    async def _attempt(
        self, request: httpx.Request, parse: Callable[[httpx.Response], T], record: CallRecord | None
    ) -> tuple[T, httpx.Response, float]:
        # `record` is None for calls nobody accounts for (all but bulk writes): one object fewer per call.
        self._check_open()
        if self.throttle is not None:
            await self.throttle.acquire()
            self._check_open()  # aclose() may have run while the throttle held the call
        sent_at = self._clock.monotonic()
        if record is not None:
            record.mark_sent()
        try:
            response, received_at = await self._exchange(request, sent_at)
            return parse(response), response, received_at - sent_at
        except APIError as error:
            if record is not None and (error.status_code >= 500 or isinstance(error, MalformedResponseError)):
                record.uncertain = True
            raise
        except APIConnectionError as error:
            if record is not None and not isinstance(error.__cause__, _NEVER_SENT):
                record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()  # no answer will reach observe(); a no-op if one did
            if self.closed:
                # aclose() cut the connection under this call: that, not the network, ended it.
                raise ClientClosedError(_CLOSED_IN_FLIGHT) from error
            raise
        except BaseException:
            # Cancelled (or worse) mid-exchange: the server may have the request.
            if record is not None:
                record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()
            raise

    async def _exchange(self, request: httpx.Request, sent_at: float) -> tuple[httpx.Response, float]:
        try:
            if self._timeout is None:
                response = await self.http.send(request, auth=self._auth, follow_redirects=False)
            else:
                # httpx enforces the timeout on real sockets; the deadline here covers transports
                # that ignore it (in-process ASGI) and a server that trickles bytes. A bare
                # CancelScope, not anyio.fail_after: its two generator-based context managers
                # cost more than the scope itself (4 of 11 µs per call on asyncio).
                with anyio.CancelScope(deadline=anyio.current_time() + self._timeout) as deadline:
                    response = await self.http.send(request, auth=self._auth, follow_redirects=False)
                if deadline.cancelled_caught:
                    raise TimeoutError
        except TimeoutError as exc:
            raise APITimeoutError(
                f"no answer within {self._timeout}s", method=request.method, url=_url(request)
            ) from exc
        except httpx.TimeoutException as exc:
            self._auth.redact_exception(exc)
            raise APITimeoutError(
                f"timed out ({type(exc).__name__})", method=request.method, url=_url(request)
            ) from exc
        except httpx.HTTPError as exc:
            self._auth.redact_exception(exc)
            message = f"{type(exc).__name__}: {exc}"
            raise APIConnectionError(message, method=request.method, url=_url(request)) from exc
        except RuntimeError as exc:
            first = self._root()._state.loop
            if first is None or first is current_loop():
                raise
            # httpx's pooled connections belong to the loop that opened them ("Event loop is closed").
            raise ClientClosedError(
                "this AsyncFlick was first used in another event loop (an earlier anyio.run or asyncio.run) and its"
                " connections belong to that loop; create the client inside the event loop that uses it"
                f" ({type(exc).__name__}: {exc})"
            ) from exc
        received_at = self._clock.monotonic()
        response = self._auth.redact(response)
        if logger.isEnabledFor(logging.DEBUG):
            # The URL and status only: request headers (the key's) are never logged.
            logger.debug(
                "%s %s -> %d in %.3fs", request.method, request.url, response.status_code, received_at - sent_at
            )
        throttle = self.throttle
        if throttle is not None:
            throttle.observe(
                status_code=response.status_code,
                headers=response.headers,
                sent_at=sent_at,
                received_at=received_at,
            )
        # `client.rate_limit` reads the throttle's snapshot first, and every throttle of ours
        # keeps one from the same headers: parse them again only for a throttle that has none
        # (a client's derived clients share its throttle, so the family agrees on which).
        if throttle is None or throttle.status is None:
            status = parse_rate_limit_headers(response.headers)
            if status is not None:
                self.last_status = status
        if response.is_redirect:
            # Following a redirect could hand the key to another host; refuse and say where.
            location = response.headers.get("location", "?")
            raise APIError(
                f"redirected to {location}; not followed, so the API key is not sent elsewhere",
                status_code=response.status_code,
                headers=response.headers,
                method=request.method,
                url=_url(request),
            )
        if not response.is_success:
            raise error_from_response(response)
        return response, received_at


# Parsed URLs, shared by every client of the process: a service acting for many keys makes a
# client per key, and each parsed `/me` afresh (a third of what a key's first call cost).
# httpx.URL is immutable, so one object serves every request to its address.
_URLS: dict[str, httpx.URL] = {}
_URLS_HELD = 1024
# Retry jitter, one source for the process: seeding a `random.Random` per client cost 11 of the
# ~35 us of making one (a service makes a client per key). Not the `random` module's own, whose
# sequence a user's `random.seed()` sets: ours must neither follow theirs nor move it. Reseeded in
# a forked child, as `random` reseeds its own: workers forked from one parent must not retry in step.
_JITTER = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_JITTER.seed)
# Client headers merged with a pipeline's, shared likewise: every client of a process sends the
# same ones (the key goes through `KeyAuth`, not these), and httpx's merge cost a client's first
# call about 10 us. Keyed by both sides as they are now: a change to either is a new entry.
_MERGED_HEADERS: dict[tuple[Any, ...], httpx.Headers] = {}
_HEADER_SETS_HELD = 256
_CLOSED_IN_FLIGHT = "this AsyncFlick client was closed (aclose()) while the call was in flight"
# Failures before any byte of the request left: the server cannot have acted on it.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def current_loop() -> object | None:
    """The running event loop (asyncio's loop, trio's token), or None outside one."""
    try:
        library = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None
    if library == "asyncio":
        import asyncio

        return asyncio.get_running_loop()
    if library == "trio":
        import trio

        return trio.lowlevel.current_trio_token()
    return None


def _url(request: httpx.Request) -> str:
    """The URL an error names, without the query (computed only for errors: it is not free)."""
    return str(request.url.copy_with(query=None))


def _malformed(response: httpx.Response, message: str, *, transient: bool = False) -> MalformedResponseError:
    return MalformedResponseError(
        message,
        transient=transient,
        status_code=response.status_code,
        headers=response.headers,
        method=response.request.method,
        url=_url(response.request),
    )


def _parse_body(
    response: httpx.Response, parse: Callable[[Any], T], fast: Callable[[bytes], T | None] | None = None
) -> T:
    if fast is not None:
        value = fast(response.content)
        if value is not None:
            return value
    try:
        data = _loads(response.content)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise _malformed(response, f"the response body is not valid JSON ({exc})", transient=True) from exc
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(
            response, f"the response does not have the documented shape ({type(exc).__name__}: {exc})"
        ) from exc


# The generated parsers take a client only to read `raise_on_unexpected_status`; this one is
# never sent through and never handed out. Made by the first `call()`: `flick_api.client` (two
# attrs classes) is not imported with the SDK.
_parsing_client: Client | None = None


def _parse_operation(response: httpx.Response, operation: Operation[..., T]) -> T:
    global _parsing_client
    if _parsing_client is None:
        from flick_api.client import Client

        _parsing_client = Client(base_url="http://unused.invalid", raise_on_unexpected_status=True)
    try:
        result = operation._parse_response(client=_parsing_client, response=response)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _malformed(response, f"the response body is not valid JSON ({exc})", transient=True) from exc
    except UnexpectedStatus:
        raise _malformed(response, f"status {response.status_code} is not documented for this operation") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _malformed(
            response, f"the response does not have the documented shape ({type(exc).__name__}: {exc})"
        ) from exc
    from flick_api.models import ErrorEnvelope  # imported by the first call() only

    if result is None or isinstance(result, ErrorEnvelope):
        raise _malformed(response, f"status {response.status_code} did not parse to this operation's result")
    return result
