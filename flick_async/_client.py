"""`AsyncFlick`: configuration, the request pipeline, and the endpoints that hang off it.

Every request goes through `_Transport.request`: throttle, send, sync the rate-limit state,
translate errors, retry. It is the one place where foreign exceptions (httpx, the generated
client's parsing) become `FlickError`s.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, Self, TypeVar

import anyio
import httpx
from flick_api.api.profile import get_profile
from flick_api.api.resolve import resolve_title
from flick_api.models import Profile, ResolveResult

from ._clock import Clock, SystemClock
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
from ._events import Hook, RetryScheduled, emit
from ._rate_limit import RateLimitStatus, parse_rate_limit_headers
from ._retry import RetryPolicy
from ._validation import check_api_key, check_resolve

if TYPE_CHECKING:
    from ._resources import Lists, Reviews, Watchlist
    from ._throttle import Throttle

__all__ = ["DEFAULT_BASE_URL", "NOT_GIVEN", "AsyncFlick"]

__version__ = "0.1.0"
DEFAULT_BASE_URL: Final = "https://flickmovies.com/api/beta"
T = TypeVar("T")
_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class _NotGiven:
    """Tells "not given" from None (as httpx's USE_CLIENT_DEFAULT does)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()


def _check_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ValidationError("base_url", f"is not a valid URL ({exc})", base_url) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValidationError("base_url", "must be an http(s) URL with a host", base_url)
    if url.userinfo:
        # It would show in every repr and error; the key is the only credential the API takes.
        raise ValidationError("base_url", "must not carry credentials (user:password@); pass api_key", "<redacted>")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ValidationError(
            "base_url",
            "plain http would send the API key in clear; use https, a loopback host, or allow_insecure_http=True",
            base_url,
        )
    return str(url).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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


class _KeyAuth(httpx.Auth):
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
        return f"<_KeyAuth {self._header}: <redacted>>"


class _Transport:
    """Sends one API call: throttle, send, sync rate-limit state, translate errors, retry."""

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

    async def request(
        self, kwargs: Mapping[str, Any], parse: Callable[[Any], T], record: CallRecord | None = None
    ) -> T:
        """Run the call `kwargs` describes (from a generated `_get_kwargs`), parse its JSON body."""
        request = self.http.build_request(
            kwargs["method"].upper(),
            self.base_url + kwargs["url"],
            params=kwargs.get("params"),
            json=kwargs.get("json"),
            headers={**kwargs.get("headers", {}), **self._headers},
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(request, parse, record or CallRecord())
            except FlickError as error:
                delay = self.retry.delay(error, attempt, rng=self._rng)
                if delay is None:
                    raise
                emit(self._hooks, RetryScheduled(request.method, request.url.path, attempt, delay, error))
            await self._clock.sleep(delay)

    async def _attempt(self, request: httpx.Request, parse: Callable[[Any], T], record: CallRecord) -> T:
        if self.http.is_closed:
            # httpx would raise a bare RuntimeError; a closed http_client means a closed client.
            raise ClientClosedError("the httpx.AsyncClient passed as http_client is closed")
        if self.throttle is not None:
            await self.throttle.acquire()
        sent_at = self._clock.monotonic()
        record.mark_sent()
        try:
            return await self._exchange(request, parse, sent_at)
        except APIError as error:
            if error.status_code >= 500 or isinstance(error, MalformedResponseError):
                record.uncertain = True
            raise
        except APIConnectionError:
            record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()  # no answer will reach observe(); a no-op if one did
            raise
        except BaseException:
            # Cancelled (or worse) mid-exchange: the server may have the request.
            record.uncertain = True
            if self.throttle is not None:
                self.throttle.abandon()
            raise

    async def _exchange(self, request: httpx.Request, parse: Callable[[Any], T], sent_at: float) -> T:
        try:
            # httpx enforces the timeout on real sockets; the deadline here covers transports
            # that ignore it (in-process ASGI) and a server that trickles bytes.
            with anyio.fail_after(self._timeout):
                response = await self.http.send(request, auth=self._auth, follow_redirects=False)
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
        status = parse_rate_limit_headers(response.headers)
        if status is not None:
            self.last_status = status
        if self.throttle is not None:
            self.throttle.observe(
                status_code=response.status_code,
                headers=response.headers,
                sent_at=sent_at,
                received_at=self._clock.monotonic(),
            )
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


class AsyncFlick:
    """The Flick API client. One client is meant to be shared by many tasks.

    Args:
        api_key: A `flick_sk_…` key. Defaults to the `FLICK_API_KEY` environment variable.
        base_url: Defaults to `FLICK_BASE_URL`, then `https://flickmovies.com/api/beta`.
        auth: Send the key as `Authorization: Bearer` (`"bearer"`) or as `X-API-Key`.
        timeout: Seconds one attempt may take; None waits forever.
        max_retries: Retries of a failed request (connection errors, timeouts, 429, 5xx).
        max_retry_wait: The longest `Retry-After` to sleep through; a longer one raises
            `RateLimitError` at once.
        retry_policy: Full control of retries; replaces `max_retries` and `max_retry_wait`.
        throttle: True (default) shares one rate limiter among all clients of this key in the
            process, so that jobs run at the limit without 429s; False turns throttling off; or
            pass a limiter (`RateLimiter`, `RedisRateLimiter`).
        wait_for_daily_reset: With the default throttle, sleep until UTC midnight when the
            day's quota is spent instead of raising `DailyQuotaExceededError`.
        http_client: An `httpx.AsyncClient` to send through (proxies, transports, limits). It
            is not closed by `aclose()`.
        hooks: Callables that receive every `RetryScheduled` and `ThrottleWait` event.
        clock: Where time is read and slept; tests pass `flick_async.testing.FakeClock`.
        allow_insecure_http: Allow `http://` to hosts other than loopback.

    Raises:
        ValidationError: No key, a malformed key, or a bad base URL.

    Example:
        async with AsyncFlick() as flick:
            profile = await flick.me()
            async for review in flick.reviews.iter():
                print(review.media.title, review.rating)
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        auth: Literal["bearer", "x-api-key"] = "bearer",
        timeout: float | None = 30.0,
        max_retries: int | _NotGiven = NOT_GIVEN,
        max_retry_wait: float | _NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        throttle: bool | Throttle = True,
        wait_for_daily_reset: bool = False,
        http_client: httpx.AsyncClient | None = None,
        hooks: Sequence[Hook] = (),
        clock: Clock | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        api_key = check_api_key(api_key if api_key is not None else os.environ.get("FLICK_API_KEY"))
        base_url = base_url if base_url is not None else os.environ.get("FLICK_BASE_URL") or DEFAULT_BASE_URL
        base_url = _check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        if auth not in ("bearer", "x-api-key"):
            raise ValidationError("auth", 'must be "bearer" or "x-api-key"', auth)
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
            raise ValidationError("timeout", "must be a positive number of seconds or None", timeout)
        retry = _retry_policy(retry_policy, max_retries, max_retry_wait)
        clock = clock if clock is not None else SystemClock()
        hooks = tuple(hooks)

        limiter: Throttle | None
        if throttle is True:
            from ._throttle import RateLimiter

            limiter = RateLimiter.shared(
                api_key,
                base_url,
                clock=clock,
                hooks=hooks,
                wait_for_daily_reset=wait_for_daily_reset,
                max_wait=retry.max_retry_wait,  # a longer 429 pause raises, as the retry policy would
            )
        elif throttle is False:
            limiter = None
        else:
            limiter = throttle

        self._owns_http = http_client is None
        http = http_client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self._transport = _Transport(
            http=http,
            base_url=base_url,
            auth=_KeyAuth("X-API-Key", api_key)
            if auth == "x-api-key"
            else _KeyAuth("Authorization", f"Bearer {api_key}"),
            headers={
                "User-Agent": f"flick-async/{__version__} httpx/{httpx.__version__} python/{_PYTHON}",
                "Accept": "application/json",
            },
            timeout=timeout,
            retry=retry,
            throttle=limiter,
            clock=clock,
            hooks=hooks,
        )
        self._closed = False

        from ._resources import Lists, Reviews, Watchlist

        self._reviews = Reviews(self)
        self._watchlist = Watchlist(self)
        self._lists = Lists(self)

    # -- endpoints -------------------------------------------------------------------------

    async def me(self) -> Profile:
        """The profile of the account that owns the API key."""
        return await self._request(get_profile._get_kwargs(), Profile.from_dict)

    async def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: Literal["movie", "tv"] | None = None,
    ) -> ResolveResult:
        """Resolve a loose title (and optionally year and type) to TMDB ids.

        A fuzzy match, not an authority: `result.match` is the strongest candidate or None,
        `result.candidates` up to five ranked alternatives, each with a `score` (0–1) and a
        `confidence`; verify a `low` one before writing a review for it.

        Raises:
            ValidationError: `title` is not 1–200 characters, or `media_type` is not movie/tv.
        """
        args = check_resolve(title, year, media_type)
        return await self._request(resolve_title._get_kwargs(**args), ResolveResult.from_dict)

    @property
    def reviews(self) -> Reviews:
        """Your reviews: `list`, `iter`, `create`, `create_many`, `stream_create`."""
        return self._reviews

    @property
    def watchlist(self) -> Watchlist:
        """Your watchlist: `list`, `iter`."""
        return self._watchlist

    @property
    def lists(self) -> Lists:
        """Your custom lists: `list`, `iter`, and `items(list_id)`."""
        return self._lists

    # -- state -----------------------------------------------------------------------------

    @property
    def rate_limit(self) -> RateLimitStatus | None:
        """The key's rate-limit state from the latest response's headers (None before any)."""
        throttle = self._transport.throttle
        shared = throttle.status if throttle is not None else None
        return shared or self._transport.last_status

    @property
    def base_url(self) -> str:
        """The API base URL every path is appended to."""
        return self._transport.base_url

    @property
    def is_closed(self) -> bool:
        """True once `aclose()` ran (or the `async with` block ended)."""
        return self._closed

    async def _request(
        self, kwargs: Mapping[str, Any], parse: Callable[[Any], T], record: CallRecord | None = None
    ) -> T:
        if self._closed:
            raise ClientClosedError("this AsyncFlick client is closed; create a new one")
        return await self._transport.request(kwargs, parse, record)

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the client (and its HTTP connections, unless you passed `http_client`)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_http:
            await self._transport.http.aclose()

    async def __aenter__(self) -> Self:
        if self._closed:
            raise ClientClosedError("this AsyncFlick client is closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        state = "closed" if self._closed else "open"
        return f"<AsyncFlick base_url={self._transport.base_url!r} {state}>"


def _retry_policy(
    retry_policy: RetryPolicy | None,
    max_retries: int | _NotGiven,
    max_retry_wait: float | _NotGiven,
) -> RetryPolicy:
    if retry_policy is not None:
        if not isinstance(max_retries, _NotGiven) or not isinstance(max_retry_wait, _NotGiven):
            raise ValidationError("retry_policy", "replaces max_retries and max_retry_wait; pass one or the other")
        return retry_policy
    options: dict[str, Any] = {}
    if not isinstance(max_retries, _NotGiven):
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValidationError("max_retries", "must be a non-negative integer", max_retries)
        options["max_retries"] = max_retries
    if not isinstance(max_retry_wait, _NotGiven):
        if isinstance(max_retry_wait, bool) or not isinstance(max_retry_wait, int | float) or max_retry_wait < 0:
            raise ValidationError("max_retry_wait", "must be a non-negative number of seconds", max_retry_wait)
        options["max_retry_wait"] = float(max_retry_wait)
    return RetryPolicy(**options)
