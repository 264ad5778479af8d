"""The request pipeline: throttle, send, sync the rate-limit state, translate errors, retry.

Every API call goes through `Pipeline.request`. It is the one place where foreign exceptions
(httpx, the generated client's parsing) become `FlickError`s. It sits below everything that
makes requests: the endpoint groups (`_resources`), pagination and bulk writes (`_batch`) take a
`Pipeline`, and `AsyncFlick` on top builds one — as httpx keeps its transports below its client.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import httpx

from ._clock import Clock
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    FlickError,
    MalformedResponseError,
    error_from_response,
)
from ._events import Hook, RetryScheduled, emit
from ._rate_limit import RateLimitStatus, parse_rate_limit_headers
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._throttle import Throttle

__all__ = ["CallRecord", "KeyAuth", "Pipeline"]

T = TypeVar("T")


class CallRecord:
    """What the attempts of one call may have done on the server (for exact bulk accounting).

    Attributes:
        sent: An attempt reached the network (the throttle let it through).
        uncertain: An attempt ended without a definite answer (no response, a 5xx, an
            unreadable body), so the server may have acted on it. A 4xx is definite: the API
            writes nothing for a rejected request.
    """

    __slots__ = ("_on_sent", "sent", "uncertain")

    def __init__(self, on_sent: Callable[[], None] | None = None) -> None:
        self.sent = False
        self.uncertain = False
        self._on_sent = on_sent

    def mark_sent(self) -> None:
        if not self.sent:
            self.sent = True
            if self._on_sent is not None:
                self._on_sent()


class KeyAuth(httpx.Auth):
    """Sets the API key header as httpx sends each request.

    The key lives only here, behind a redacted repr: not in a headers dict that tracebacks,
    debuggers and error reporters print with a frame's locals.
    """

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<KeyAuth {self._header}: <redacted>>"


class Pipeline:
    """Sends one API call: throttle, send, sync rate-limit state, translate errors, retry.

    `closed` is set by the client's `aclose()`: every later call raises `ClientClosedError`.
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        auth: httpx.Auth,
        headers: Mapping[str, str],
        timeout: float | None,
        retry: RetryPolicy,
        throttle: Throttle | None,
        clock: Clock,
        hooks: Sequence[Hook],
    ) -> None:
        self.http = http
        self.base_url = base_url
        self._auth = auth
        self._headers = dict(headers)
        self._timeout = timeout
        self.retry = retry
        self.throttle = throttle
        self._clock = clock
        self._hooks = hooks
        self._rng = random.Random()
        self.last_status: RateLimitStatus | None = None
        self.closed = False

    async def request(
        self, kwargs: Mapping[str, Any], parse: Callable[[Any], T], record: CallRecord | None = None
    ) -> T:
        """Run the call `kwargs` describes (from a generated `_get_kwargs`), parse its JSON body."""
        if self.closed:
            raise ClientClosedError("this AsyncFlick client is closed; create a new one")
        extra = kwargs.get("headers")
        request = self.http.build_request(
            kwargs["method"].upper(),
            self.base_url + kwargs["url"],
            params=kwargs.get("params"),
            json=kwargs.get("json"),
            headers={**extra, **self._headers} if extra else self._headers,  # httpx copies them
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(request, parse, record)
            except FlickError as error:
                delay = self.retry.delay(error, attempt, rng=self._rng)
                if delay is None:
                    raise
                emit(self._hooks, RetryScheduled(request.method, request.url.path, attempt, delay, error))
            await self._clock.sleep(delay)

    async def _attempt(self, request: httpx.Request, parse: Callable[[Any], T], record: CallRecord | None) -> T:
        # `record` is None for calls nobody accounts for (all but bulk writes): one object fewer per call.
        if self.http.is_closed:
            # httpx would raise a bare RuntimeError; a closed http_client means a closed client.
            raise ClientClosedError("the httpx.AsyncClient passed as http_client is closed")
        if self.throttle is not None:
            await self.throttle.acquire()
        if record is not None:
            record.mark_sent()
        try:
            return await self._exchange(request, parse)
        except APIError as error:
            if record is not None and (error.status_code >= 500 or isinstance(error, MalformedResponseError)):
                record.uncertain = True
            raise
        except APIConnectionError:
            if record is not None:
                record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()  # no answer will reach observe(); a no-op if one did
            raise
        except BaseException:
            # Cancelled (or worse) mid-exchange: the server may have the request.
            if record is not None:
                record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()
            raise

    async def _exchange(self, request: httpx.Request, parse: Callable[[Any], T]) -> T:
        throttle = self.throttle
        sent_at = self._clock.monotonic() if throttle is not None else 0.0
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
            raise APITimeoutError(
                f"timed out ({type(exc).__name__})", method=request.method, url=_url(request)
            ) from exc
        except httpx.HTTPError as exc:
            raise APIConnectionError(f"{type(exc).__name__}: {exc}", method=request.method, url=_url(request)) from exc
        if throttle is not None:
            throttle.observe(
                status_code=response.status_code,
                headers=response.headers,
                sent_at=sent_at,
                received_at=self._clock.monotonic(),
            )
        # `client.rate_limit` reads the throttle's snapshot first, and every throttle of ours
        # keeps one from the same headers: parse them again only for a throttle that has none.
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
        return _parse_body(response, parse)


def _url(request: httpx.Request) -> str:
    """The URL an error names, without the query (computed only for errors: it is not free)."""
    return str(request.url.copy_with(query=None))


def _parse_body(response: httpx.Response, parse: Callable[[Any], T]) -> T:
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise MalformedResponseError(
            f"the response body is not valid JSON ({exc})",
            transient=True,
            status_code=response.status_code,
            headers=response.headers,
            method=response.request.method,
            url=_url(response.request),
        ) from exc
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedResponseError(
            f"the response does not have the documented shape ({type(exc).__name__}: {exc})",
            status_code=response.status_code,
            headers=response.headers,
            method=response.request.method,
            url=_url(response.request),
        ) from exc
