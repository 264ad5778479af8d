"""Every exception the SDK raises.

    FlickError
    ├── ValidationError (also ValueError) ........ bad input, caught before any request
    ├── ClientClosedError (also RuntimeError) .... the client was used after aclose()
    ├── APIConnectionError ....................... the request never got an answer
    │   └── APITimeoutError
    └── APIError ................................. the server answered with an error
        ├── InvalidRequestError .................. 400 invalid_request
        ├── AuthenticationError .................. 401
        │   ├── InvalidAPIKeyError ............... invalid_api_key
        │   └── APIKeyRevokedError ............... api_key_revoked
        ├── PermissionDeniedError ................ 403
        │   └── ProRequiredError ................. pro_required
        ├── NotFoundError ........................ 404 not_found
        │   └── MediaNotFoundError ............... media_not_found
        ├── RateLimitError ....................... 429 rate_limited (.retry_after, .window)
        │   └── DailyQuotaExceededError .......... the day's quota is spent (.resets_at)
        ├── InternalServerError .................. 5xx, internal_error
        ├── APIDisabledError ..................... 503 api_disabled
        └── MalformedResponseError ............... an answer the SDK cannot read

The class comes from the envelope's `code` through `_CODE_TO_CLASS`; the HTTP status is the
fallback for unknown codes and bodies that are not the envelope. An unknown code still raises
an `APIError` (or the status's class) carrying `.code`, because the API is beta.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

import httpx

__all__ = [
    "APIConnectionError",
    "APIDisabledError",
    "APIError",
    "APIKeyRevokedError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientClosedError",
    "DailyQuotaExceededError",
    "FlickError",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidRequestError",
    "MalformedResponseError",
    "MediaNotFoundError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProRequiredError",
    "RateLimitError",
    "ValidationError",
]

RateLimitWindow = Literal["minute", "day"]


class FlickError(Exception):
    """Base class of every exception raised by flick-async."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls `type(*args)`, which the keyword-only fields of most
        # errors here refuse: a failed outcome (or a result holding one) could not be pickled,
        # or sent to another process. Rebuilt from its message and fields instead.
        return (_restore, (type(self), self.args), self.__dict__)


def _restore(cls: type[FlickError], args: tuple[Any, ...]) -> FlickError:
    return cls.__new__(cls, *args)


class ValidationError(FlickError, ValueError):
    """An argument breaks a rule of the API reference; nothing was sent.

    Attributes:
        field: The offending field, dotted for nested ones (`"tags[3]"`, `"reviews[7].rating"`).
        rule: The rule broken, in words (`"at most 64 characters"`).
        value: The value given (never the API key).
    """

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field}: {rule} (got {_short_repr(value)})")


class ClientClosedError(FlickError, RuntimeError):
    """The client was used after `aclose()` or after its `async with` block ended."""


class APIConnectionError(FlickError):
    """The request got no usable answer: DNS, connect, TLS, a dropped connection.

    Attributes:
        method: The HTTP method of the request.
        url: The request URL (no credentials are ever part of it).
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"{message} ({method} {url})")


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIError(FlickError):
    """The server answered with an error.

    Attributes:
        status_code: The HTTP status.
        code: The envelope's machine-readable `code`, or None when the body had none.
        message: The envelope's human-readable `message`, or a description of the body.
        details: The envelope's optional `details` object (per-field messages, for example).
        headers: The response headers.
        method: The HTTP method of the request.
        url: The request URL.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
        headers: httpx.Headers | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = details or {}
        self.headers = headers if headers is not None else httpx.Headers()
        self.method = method
        self.url = url
        super().__init__(message)

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        request = f" ({self.method} {self.url})" if self.method else ""
        return f"{self.status_code}{code}: {self.message}{request}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, message={self.message!r})"


class InvalidRequestError(APIError):
    """`invalid_request`: a malformed body or query parameters."""


class AuthenticationError(APIError):
    """401: the key is missing, malformed, unknown or revoked."""


class InvalidAPIKeyError(AuthenticationError):
    """`invalid_api_key`: missing, malformed, or unknown key."""


class APIKeyRevokedError(AuthenticationError):
    """`api_key_revoked`: the key was revoked."""


class PermissionDeniedError(APIError):
    """403: the key may not do this."""


class ProRequiredError(PermissionDeniedError):
    """`pro_required`: the account no longer has Flick Pro."""


class NotFoundError(APIError):
    """`not_found`: the resource doesn't exist or isn't yours."""


class MediaNotFoundError(NotFoundError):
    """`media_not_found`: no such title on TMDB."""


class RateLimitError(APIError):
    """`rate_limited`: a rate limit was exceeded.

    Attributes:
        retry_after: Seconds to wait, from `Retry-After`, or None when absent.
        window: Which limit was hit, `"minute"` or `"day"`, or None when the server did not say.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        window: RateLimitWindow | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_code", 429)
        kwargs.setdefault("code", "rate_limited")
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.window = window


class DailyQuotaExceededError(RateLimitError):
    """The key's daily quota is spent; it resets at UTC midnight.

    Raised by the throttle before sending (no request is spent), or for a 429 that names the
    day window.

    Attributes:
        resets_at: When the quota resets (UTC).
    """

    def __init__(self, message: str, *, resets_at: datetime.datetime, **kwargs: Any) -> None:
        kwargs.setdefault("window", "day")
        super().__init__(message, **kwargs)
        self.resets_at = resets_at


class InternalServerError(APIError):
    """`internal_error` or another 5xx: something broke on the server's side."""


class APIDisabledError(APIError):
    """`api_disabled`: the API is temporarily disabled."""


class MalformedResponseError(APIError):
    """The server's answer could not be read: not JSON, truncated, or the wrong shape.

    Attributes:
        transient: True when the body was not JSON at all (cut off in transit, or a proxy's
            page): worth retrying. A JSON body of the wrong shape will not fix itself.
    """

    def __init__(self, message: str, *, transient: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.transient = transient


_CODE_TO_CLASS: dict[str, type[APIError]] = {
    "invalid_request": InvalidRequestError,
    "invalid_api_key": InvalidAPIKeyError,
    "api_key_revoked": APIKeyRevokedError,
    "pro_required": ProRequiredError,
    "not_found": NotFoundError,
    "media_not_found": MediaNotFoundError,
    "rate_limited": RateLimitError,
    "internal_error": InternalServerError,
    "api_disabled": APIDisabledError,
}

_STATUS_TO_CLASS: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_class(code: str | None, status_code: int) -> type[APIError]:
    """The exception class for an error `code`, falling back to the HTTP status."""
    if code is not None and code in _CODE_TO_CLASS:
        return _CODE_TO_CLASS[code]
    if status_code >= 500:
        return InternalServerError
    return _STATUS_TO_CLASS.get(status_code, APIError)


def parse_retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), or None when absent or unreadable.

    An HTTP date is read relative to the same response's `Date` (both are the server's clock,
    so the local wall clock's skew does not matter); without a `Date`, relative to `now` (Unix
    time from the caller's clock), else the local wall clock.
    """
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        when = _http_date(raw)
        if when is None:
            return None
        date = _http_date(headers.get("date"))
        if date is None:
            date = now if now is not None else datetime.datetime.now(datetime.UTC).timestamp()
        seconds = when - date
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


def _http_date(raw: str | None) -> float | None:
    """An HTTP date as Unix time, or None when absent, unreadable or without a zone."""
    if raw is None:
        return None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() if when.tzinfo is not None else None


_WINDOW_IN_MESSAGE = re.compile(r"\b(minute|day|daily)\s+window\b", re.IGNORECASE)


def _rate_limit_window(
    details: Mapping[str, Any] | None, headers: httpx.Headers, message: str
) -> RateLimitWindow | None:
    """Which limit a 429 hit: the envelope's `details.window`, else the spent counter.

    The message is a last resort, and only the reference's own wording ("for the minute
    window"): matching loose words would read "try again Monday" as the day window.
    """
    window = (details or {}).get("window")
    if window in ("minute", "day"):
        return window  # type: ignore[no-any-return]
    for name, spent in (("x-ratelimit-remaining-day", "day"), ("x-ratelimit-remaining", "minute")):
        if headers.get(name, "").strip() == "0":
            return spent  # type: ignore[return-value]
    named = _WINDOW_IN_MESSAGE.search(message)
    return None if named is None else ("day" if named.group(1).lower() in ("day", "daily") else "minute")


def error_from_envelope(
    *,
    status_code: int,
    code: str | None,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: httpx.Headers | None = None,
    method: str = "",
    url: str = "",
) -> APIError:
    """Build the right `APIError` subclass for an error the server reported."""
    headers = headers if headers is not None else httpx.Headers()
    cls = error_class(code, status_code)
    common: dict[str, Any] = {
        "status_code": status_code,
        "code": code,
        "details": details,
        "headers": headers,
        "method": method,
        "url": url,
    }
    if issubclass(cls, RateLimitError):
        window = _rate_limit_window(details, headers, message)
        if cls is RateLimitError and window == "day":
            # As documented on the class: retries and bulk jobs stop on it instead of
            # re-sending until midnight.
            return DailyQuotaExceededError(
                message, resets_at=_day_reset(headers), retry_after=parse_retry_after(headers), **common
            )
        return cls(message, retry_after=parse_retry_after(headers), window=window, **common)
    return cls(message, **common)


def _day_reset(headers: httpx.Headers) -> datetime.datetime:
    """The next UTC midnight after the response's `Date` (daily windows reset at UTC midnight)."""
    from email.utils import parsedate_to_datetime

    try:
        now = parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError):
        now = datetime.datetime.now(datetime.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=datetime.UTC)
    tomorrow = now.astimezone(datetime.UTC).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(), datetime.UTC)


def error_from_response(response: httpx.Response) -> APIError:
    """Build the `APIError` for an error response, whatever its body holds.

    A body that is the documented envelope picks the class by its code; anything else (an
    HTML 502 page, truncated JSON, an empty body) falls back to the status and says what it got.
    """
    request = response.request
    method, url = request.method, str(request.url.copy_with(query=None))
    code: str | None = None
    details: Mapping[str, Any] | None = None
    message: str | None = None
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # ValueError covers UnicodeDecodeError too
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        raw_code, raw_message, raw_details = error.get("code"), error.get("message"), error.get("details")
        code = raw_code if isinstance(raw_code, str) else None
        message = raw_message if isinstance(raw_message, str) else None
        details = raw_details if isinstance(raw_details, dict) else None
    if message is None:
        message = _describe_body(response)
    return error_from_envelope(
        status_code=response.status_code,
        code=code,
        message=message,
        details=details,
        headers=response.headers,
        method=method,
        url=url,
    )


def _describe_body(response: httpx.Response) -> str:
    reason = response.reason_phrase or "Unknown status"
    content_type = response.headers.get("content-type", "no content type")
    if not response.content:
        return f"{reason} (empty body)"
    snippet = response.content[:80].decode("utf-8", "replace").replace("\n", " ").strip()
    return f"{reason} (unexpected {content_type} body: {snippet!r})"


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
