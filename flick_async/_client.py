"""`AsyncFlick`: configuration, and the endpoints that hang off it.

The client sits on top: it validates its options, builds the request pipeline (`_pipeline`)
and hands it to the endpoint groups (`_resources`), which never import the client back.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, ParamSpec, Self, TypeVar

import httpx
from flick_api import _rules

from ._clock import Clock, SystemClock
from ._errors import ClientClosedError, ValidationError
from ._events import Hook
from ._logging import configure_from_environment
from ._pipeline import KeyAuth, Operation, Pipeline
from ._rate_limit import RateLimitStatus
from ._retry import RetryPolicy
from ._validation import ResolvableMediaTypeValue, check_api_key, check_resolve

if TYPE_CHECKING:
    from flick_api.models import Profile, ResolvableMediaType, ResolveResult

    from ._raw import AsyncFlickWithRawResponse
    from ._resources import Lists, Reviews, Watchlist
    from ._throttle import Throttle

__all__ = ["DEFAULT_BASE_URL", "NOT_GIVEN", "AsyncFlick"]

T = TypeVar("T")
P = ParamSpec("P")

__version__ = "0.1.0"
# The schema's first server, written into flick_api._rules by scripts/regen.py.
DEFAULT_BASE_URL: Final[str] = _rules.DEFAULT_BASE_URL
_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class _NotGiven:
    """Tells "not given" from None (as httpx's USE_CLIENT_DEFAULT does)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()

# Requests of one client on the wire at once (`max_in_flight`), and its own pool's size with no
# such bound.
DEFAULT_MAX_IN_FLIGHT: Final = 8
_UNGATED_POOL: Final = 64


# Cached: a service acting for many keys builds a client per key, and parsing the URL (and the
# loopback check) was 60% of constructing one (#13). Pure: the same input, the same verdict; an
# input that raises is not cached and raises again.
@functools.lru_cache(maxsize=64)
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
        max_in_flight: Requests this client (with its `with_options` clients) has on the wire at
            once; the rest queue, in order, before the throttle. The client's own pool keeps as
            many connections. The default, 8, keeps the client fast where it is bound by its
            own CPU: httpcore's pool costs more per request with each connection it holds (on
            loopback, about 1.3 ms a request with 8 open, 4-6 ms with 32 to 64), and at the
            documented 60 a minute 8 in flight cover round trips of up to 8 s. Raise it for a
            slow link to a server with far higher limits; None sets no bound.
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
        max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT,
        hooks: Sequence[Hook] = (),
        clock: Clock | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        configure_from_environment()  # FLICK_LOG=info|debug
        api_key = check_api_key(api_key if api_key is not None else os.environ.get("FLICK_API_KEY"))
        base_url = base_url if base_url is not None else os.environ.get("FLICK_BASE_URL") or DEFAULT_BASE_URL
        base_url = _check_base_url(base_url, allow_insecure_http=allow_insecure_http)
        if auth not in ("bearer", "x-api-key"):
            raise ValidationError("auth", 'must be "bearer" or "x-api-key"', auth)
        timeout = _check_timeout(timeout)
        max_in_flight = _check_max_in_flight(max_in_flight)
        retry = _retry_policy(retry_policy, max_retries, max_retry_wait)
        clock = clock if clock is not None else SystemClock()
        hooks = tuple(hooks)

        limiter: Throttle | None
        self._shared_throttle: dict[str, Any] | None = None
        if throttle is True:
            from ._throttle import RateLimiter

            # Kept so that with_options(max_retry_wait=...) gets a handle on the same budget.
            self._shared_throttle = {
                "api_key": api_key,
                "base_url": base_url,
                "clock": clock,
                "hooks": hooks,
                "wait_for_daily_reset": wait_for_daily_reset,
            }
            limiter = RateLimiter.shared(
                **self._shared_throttle,
                max_wait=retry.max_retry_wait,  # a longer 429 pause raises, as the retry policy would
            )
        elif throttle is False:
            limiter = None
        else:
            limiter = throttle

        self._owns_http = http_client is None
        # A connection per request in flight, every one kept alive: httpcore (1.0.9) closes one
        # each time it goes idle while more than `max_keepalive_connections` are open, idle or not
        # (encode/httpcore#1000), so with 32 of 64 kept, each call at 256 tasks opened a connection
        # of its own.
        pool = max_in_flight if max_in_flight is not None else _UNGATED_POOL
        http = http_client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )
        self._pipeline = Pipeline(
            http=http,
            base_url=base_url,
            auth=KeyAuth("X-API-Key", api_key)
            if auth == "x-api-key"
            else KeyAuth("Authorization", api_key, scheme="Bearer "),
            headers={
                "User-Agent": f"flick-async/{__version__} httpx/{httpx.__version__} python/{_PYTHON}",
                "Accept": "application/json",
            },
            timeout=timeout,
            retry=retry,
            throttle=limiter,
            clock=clock,
            hooks=hooks,
            owns_http=self._owns_http,
            max_in_flight=max_in_flight,
        )

        self._parent: AsyncFlick | None = None
        self._attach_resources()

    def _attach_resources(self) -> None:
        from ._resources import Lists, Reviews, Watchlist

        self._reviews = Reviews(self._pipeline)
        self._watchlist = Watchlist(self._pipeline)
        self._lists = Lists(self._pipeline)

    # -- per-request options ---------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: float | _NotGiven | None = NOT_GIVEN,
        max_retries: int | _NotGiven = NOT_GIVEN,
        max_retry_wait: float | _NotGiven = NOT_GIVEN,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncFlick:
        """A light client with other per-request options, sharing this one's connections and throttle.

        Cheap to make (no new connection pool, no new limiter budget), so make one per call
        site: `await flick.with_options(timeout=5).me()`. Options not given keep this client's
        values; `headers` are added to (and override) this client's extra headers. The light
        client is closed when this one is; closing it does not close this one.

        Per request (here): `timeout`, `max_retries`, `max_retry_wait`, `headers`. Per client
        only (the constructor): the key, `base_url`, `auth`, `throttle`, `wait_for_daily_reset`,
        `http_client`, `max_in_flight` (the light client shares the slots), `hooks`, `clock`,
        `allow_insecure_http`, `retry_policy`'s other fields.

        Args:
            timeout: Seconds one attempt may take; None waits forever.
            max_retries: Retries of a failed request.
            max_retry_wait: The longest `Retry-After` (or 429 pause) to wait through.
            headers: Extra headers on every request (not the key's: pass `api_key`).

        Raises:
            ValidationError: An option is out of range (a negative timeout, say) or a header
                is malformed or would carry credentials.

        Example:
            quick = flick.with_options(timeout=2, max_retries=0)
            profile = await quick.me()
        """
        pipeline = self._pipeline
        new_timeout = pipeline.timeout if isinstance(timeout, _NotGiven) else _check_timeout(timeout)
        retry = pipeline.retry
        changes: dict[str, Any] = {}
        if not isinstance(max_retries, _NotGiven):
            changes["max_retries"] = _check_max_retries(max_retries)
        if not isinstance(max_retry_wait, _NotGiven):
            changes["max_retry_wait"] = _check_max_retry_wait(max_retry_wait)
        if changes:
            import attrs

            retry = attrs.evolve(retry, **changes)
        throttle = pipeline.throttle
        if "max_retry_wait" in changes and self._shared_throttle is not None:
            from ._throttle import RateLimiter

            # Another handle on the same per-key budget, refusing long 429 pauses at the new bound.
            throttle = RateLimiter.shared(**self._shared_throttle, max_wait=changes["max_retry_wait"])
        derived = object.__new__(type(self))
        derived._owns_http = False
        derived._shared_throttle = self._shared_throttle
        derived._parent = self
        derived._pipeline = pipeline.derive(
            timeout=new_timeout, retry=retry, headers=_check_headers(headers), throttle=throttle
        )
        derived._attach_resources()
        return derived

    # -- endpoints -------------------------------------------------------------------------

    async def call(self, operation: Operation[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any generated operation through this client: throttle, retries, errors.

        Every operation in `flick_api.api` (including one a `make regen` just added) is
        callable this way, with its generated arguments; the result is the generated model of
        its success response. Errors raise the same `FlickError`s as the methods above.

        Args:
            operation: A generated operation module, e.g. `flick_api.api.reviews.list_reviews`.
            *args: Its positional arguments (path parameters).
            **kwargs: Its keyword arguments (query parameters, `body=`).

        Raises:
            ValidationError: `operation` is not an operation module, or the arguments do not fit
                its signature; nothing was sent.

        Example:
            from flick_api.api.reviews import list_reviews

            page = await flick.call(list_reviews, page=2, limit=10)   # a ReviewPage
        """
        return await self._pipeline.run_operation(operation, *args, **kwargs)

    async def me(self) -> Profile:
        """The profile of the account that owns the API key."""
        build, parse = _me_operation()
        return await self._pipeline.request(build(), parse)

    async def resolve(
        self,
        title: str,
        *,
        year: int | None = None,
        media_type: ResolvableMediaTypeValue | ResolvableMediaType | None = None,
    ) -> ResolveResult:
        """Resolve a loose title (and optionally year and type) to TMDB ids.

        A fuzzy match, not an authority: `result.match` is the strongest candidate or None,
        `result.candidates` up to five ranked alternatives, each with a `score` (0–1) and a
        `confidence`; verify a `low` one before writing a review for it.

        Raises:
            ValidationError: `title` is not 1–200 characters, or `media_type` is not movie/tv.
        """
        args = check_resolve(title, year, media_type)
        build, parse = _resolve_operation()
        return await self._pipeline.request(build(**args), parse)

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

    @functools.cached_property
    def with_raw_response(self) -> AsyncFlickWithRawResponse:
        """Every call of this client, returning a `RawResponse[T]` (status, headers, rate limit, …).

        `list()` gives the page's answer, `iter()` an iterator with `last_response` per page,
        `create_many()` a `RawBatchResult` with one answer per chunk.

        Example:
            raw = await flick.with_raw_response.me()
            print(raw.status_code, raw.rate_limit, raw.retries_taken, raw.url)
            profile = raw.parse()
        """
        from ._raw import AsyncFlickWithRawResponse

        return AsyncFlickWithRawResponse(self)

    # -- state -----------------------------------------------------------------------------

    @property
    def rate_limit(self) -> RateLimitStatus | None:
        """The key's rate-limit state from the latest response's headers (None before any)."""
        throttle = self._pipeline.throttle
        shared = throttle.status if throttle is not None else None
        return shared or self._pipeline.last_status

    @property
    def base_url(self) -> str:
        """The API base URL every path is appended to."""
        return self._pipeline.base_url

    @property
    def is_closed(self) -> bool:
        """True once `aclose()` ran (or the `async with` block ended)."""
        return self._pipeline.closed

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the client (and its HTTP connections, unless you passed `http_client`).

        On a client from `with_options()`, closes only that light client.
        """
        if self._pipeline.closed:
            return
        self._pipeline.closed = True
        if self._owns_http:
            await self._pipeline.http.aclose()

    async def __aenter__(self) -> Self:
        if self._pipeline.closed:
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
        state = "closed" if self._pipeline.closed else "open"
        return f"<AsyncFlick base_url={self._pipeline.base_url!r} {state}>"


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
        options["max_retries"] = _check_max_retries(max_retries)
    if not isinstance(max_retry_wait, _NotGiven):
        options["max_retry_wait"] = _check_max_retry_wait(max_retry_wait)
    return RetryPolicy(**options)


def _check_timeout(timeout: object) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
        raise ValidationError("timeout", "must be a positive number of seconds or None", timeout)
    return float(timeout)


def _check_max_in_flight(max_in_flight: object) -> int | None:
    if max_in_flight is None:
        return None
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise ValidationError("max_in_flight", "must be a positive integer or None", max_in_flight)
    return max_in_flight


def _check_max_retries(max_retries: object) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValidationError("max_retries", "must be a non-negative integer", max_retries)
    return max_retries


def _check_max_retry_wait(max_retry_wait: object) -> float:
    if (
        isinstance(max_retry_wait, bool)
        or not isinstance(max_retry_wait, int | float)
        or not 0 <= max_retry_wait < math.inf
    ):
        raise ValidationError("max_retry_wait", "must be a non-negative number of seconds", max_retry_wait)
    return float(max_retry_wait)


# RFC 9110 token characters: what httpx would otherwise refuse only when the request is sent.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key", "proxy-authorization", "cookie"})


def _check_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ValidationError("headers", "must be a mapping of header names to values", headers)
    checked: dict[str, str] = {}
    for name, value in headers.items():
        field = f"headers[{name!r}]"
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ValidationError("headers", "header names must be non-empty RFC 9110 tokens", name)
        if name.lower() in _CREDENTIAL_HEADERS:
            # The key is set by the client's auth, never from a dict that reprs and logs print.
            raise ValidationError(field, "must not carry credentials; pass api_key to the client", "<redacted>")
        if not isinstance(value, str) or any(char in value for char in "\r\n\0"):
            raise ValidationError(field, "must be a string without line breaks", value)
        checked[name] = value
    return checked


# The generated operations and models of `me()` and `resolve()`, imported on first use:
# `from flick_async import AsyncFlick` does not build their attrs classes (#13, import time).
@functools.cache
def _me_operation() -> tuple[Callable[[], dict[str, Any]], Callable[[Any], Profile]]:
    from flick_api.api.profile import get_profile
    from flick_api.models import Profile

    return get_profile._get_kwargs, Profile.from_dict


@functools.cache
def _resolve_operation() -> tuple[Callable[..., dict[str, Any]], Callable[[Any], ResolveResult]]:
    from flick_api.api.resolve import resolve_title
    from flick_api.models import ResolveResult

    return resolve_title._get_kwargs, ResolveResult.from_dict
