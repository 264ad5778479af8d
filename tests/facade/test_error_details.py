"""What an error tells the user: the class, the wait, the window, the reset time and the text.

tests/facade/test_errors.py covers each documented code and the fallbacks; these pin the details a
user acts on: `retry_after` for every way a server writes `Retry-After`, the day window's
`DailyQuotaExceededError` and its `resets_at`, the class for codes and statuses that disagree, and
what `str()`/`repr()` of an error say.
"""

from __future__ import annotations

import datetime
import email.utils
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from flick_async import (
    APIConnectionError,
    APIError,
    AsyncFlick,
    AuthenticationError,
    DailyQuotaExceededError,
    InternalServerError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)

from .helpers import MOCK_BASE_URL, envelope

ME_URL = f"{MOCK_BASE_URL}/me"


async def _raised(httpx_mock: HTTPXMock, client: AsyncFlick, status: int, body: Any, **headers: str) -> APIError:
    httpx_mock.add_response(
        url=ME_URL, status_code=status, json=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    with pytest.raises(APIError) as caught:
        await client.me()
    return caught.value


# -- Retry-After ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("12", 12.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("-4", 0.0),
        ("inf", None),
        ("-inf", None),
        ("nan", None),
        ("Infinity", None),
        ("soon", None),
        ("", None),
    ],
)
async def test_retry_after_in_seconds(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, header: str, seconds: float | None
) -> None:
    """Delta-seconds are read as given; a past (negative) wait is no wait; inf, NaN or words are unknown."""
    error = await _raised(httpx_mock, mock_client, 429, envelope("rate_limited", "Slow down."), Retry_After=header)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == seconds


async def test_retry_after_as_an_http_date(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """An HTTP date (RFC 9110 allows one) is the time left until then."""
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=120)
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", "Slow down."),
        Retry_After=email.utils.format_datetime(when, usegmt=True),
        Date=email.utils.format_datetime(datetime.datetime.now(datetime.UTC), usegmt=True),
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 100 <= error.retry_after <= 121


@pytest.mark.parametrize(
    "header",
    ["Tue, 01 Dec 2020 10:00:00 GMT", "Tue, 01 Dec 2099 10:00:00 -0000", "Mon, 99 Foo 2026 25:61:00 GMT"],
    ids=["in-the-past", "no-time-zone", "garbage"],
)
async def test_retry_after_dates_that_give_no_wait(httpx_mock: HTTPXMock, mock_client: AsyncFlick, header: str) -> None:
    """A date already past means retry now; a date with an unknown zone, or not a date, is unknown."""
    error = await _raised(httpx_mock, mock_client, 429, envelope("rate_limited", "Slow down."), Retry_After=header)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == (0.0 if header.endswith("2020 10:00:00 GMT") else None)


# -- the day window --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "resets_at"),
    [
        ("Mon, 01 Jun 2026 12:00:00 GMT", "2026-06-02T00:00:00+00:00"),
        ("Mon, 01 Jun 2026 23:59:59 GMT", "2026-06-02T00:00:00+00:00"),
        ("Tue, 02 Jun 2026 00:00:00 GMT", "2026-06-03T00:00:00+00:00"),
        # 01:30 at UTC+2 is 23:30 UTC the day before: the reset is UTC midnight, not local.
        ("Tue, 02 Jun 2026 01:30:00 +0200", "2026-06-02T00:00:00+00:00"),
        ("Mon, 01 Jun 2026 20:00:00 -0500", "2026-06-03T00:00:00+00:00"),
        ("Mon, 01 Jun 2026 12:00:00 -0000", "2026-06-02T00:00:00+00:00"),
    ],
    ids=["midday", "last-second", "midnight", "east-of-utc", "west-of-utc", "unknown-zone-read-as-utc"],
)
async def test_a_day_window_429_is_a_daily_quota_error_resetting_at_the_next_utc_midnight(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, date: str, resets_at: str
) -> None:
    """`resets_at` is the UTC midnight after the server's `Date`, whatever zone the server writes."""
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", "Daily quota exhausted.", {"window": "day"}),
        Retry_After="3600",
        Date=date,
    )
    assert type(error) is DailyQuotaExceededError
    assert (error.window, error.retry_after, error.resets_at.isoformat()) == ("day", 3600.0, resets_at)
    assert (error.status_code, error.code, error.message) == (429, "rate_limited", "Daily quota exhausted.")
    # Like every APIError: the request, the details and the headers of the answer.
    assert (error.method, error.url, dict(error.details), error.headers["date"]) == (
        "GET",
        ME_URL,
        {"window": "day"},
        date,
    )


@pytest.mark.parametrize("date", [None, "yesterday-ish"], ids=["no-date", "unreadable-date"])
async def test_without_a_readable_date_the_reset_is_the_next_utc_midnight_from_now(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, date: str | None
) -> None:
    """No `Date` header (or a garbled one): the next UTC midnight after the local clock's now."""
    headers = {} if date is None else {"Date": date}
    before = datetime.datetime.now(datetime.UTC)
    error = await _raised(
        httpx_mock, mock_client, 429, envelope("rate_limited", "Quota.", {"window": "day"}), **headers
    )
    after = datetime.datetime.now(datetime.UTC)
    assert isinstance(error, DailyQuotaExceededError)
    expected = {
        datetime.datetime.combine(moment.date() + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
        for moment in (before, after)
    }
    assert error.resets_at in expected
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("headers", "message", "window"),
    [
        ({"X-RateLimit-Remaining-Day": "0", "X-RateLimit-Remaining": "0"}, "Slow down.", "day"),
        ({"X-RateLimit-Remaining-Day": " 0 "}, "Slow down.", "day"),
        ({"X-RateLimit-Remaining-Day": "12", "X-RateLimit-Remaining": "0"}, "Slow down.", "minute"),
        ({"X-RateLimit-Remaining-Day": "1"}, "Slow down.", None),
        ({}, "Rate limit exceeded for the daily window.", "day"),
        ({}, "Rate limit exceeded for the DAY Window.", "day"),
        ({}, "Rate limit exceeded for the Minute window.", "minute"),
        ({}, "Your daily quota is gone; try again tomorrow.", None),
        ({}, "The minutewindow is weird.", None),
    ],
    ids=[
        "both-spent-is-the-day",
        "padded-zero",
        "minute-spent",
        "nothing-spent",
        "daily-window-words",
        "any-case",
        "minute-words",
        "loose-words",
        "not-a-word",
    ],
)
async def test_which_window_a_429_hit(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, headers: dict[str, str], message: str, window: str | None
) -> None:
    """The spent counter names the window (the day's first); else only the reference's own wording."""
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", message),
        **{k.replace("-", "_"): v for k, v in headers.items()},
    )
    assert isinstance(error, RateLimitError)
    assert error.window == window
    assert isinstance(error, DailyQuotaExceededError) == (window == "day")


async def test_details_name_the_window_before_the_headers(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """An envelope that says `details.window: minute` is the minute window, even with the day spent."""
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", "Slow down.", {"window": "minute"}),
        X_RateLimit_Remaining_Day="0",
    )
    assert type(error) is RateLimitError
    assert error.window == "minute"


async def test_an_unknown_window_in_details_falls_back_to_the_headers(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick
) -> None:
    """A window name this SDK does not know (`hour`) is not trusted; the spent counter decides."""
    error = await _raised(
        httpx_mock, mock_client, 429, envelope("rate_limited", "Slow.", {"window": "hour"}), X_RateLimit_Remaining="0"
    )
    assert (type(error), getattr(error, "window", None)) == (RateLimitError, "minute")


# -- the class when code and status disagree --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "not_found", NotFoundError),
        (500, "rate_limited", RateLimitError),
        (401, None, AuthenticationError),
        (403, "new_code", PermissionDeniedError),
        (418, "new_code", APIError),
        (409, None, APIError),
        (499, None, APIError),
        (500, None, InternalServerError),
        (501, "new_code", InternalServerError),
        (599, None, InternalServerError),
    ],
)
async def test_a_known_code_wins_over_the_status_and_the_status_decides_the_rest(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, status: int, code: str | None, cls: type[APIError]
) -> None:
    """The envelope's code picks the class; an unknown or missing code falls back to the status (5xx: server)."""
    body = envelope(code, "It went wrong.") if code is not None else {"error": {"message": "It went wrong."}}
    error = await _raised(httpx_mock, mock_client, status, body)
    assert type(error) is cls
    assert (error.status_code, error.code, error.message) == (status, code, "It went wrong.")


@pytest.mark.parametrize(
    "error_body",
    [{"code": 7, "message": ["x"], "details": "why"}, {"code": None, "message": None, "details": None}],
    ids=["wrong-types", "nulls"],
)
async def test_envelope_fields_of_the_wrong_type_are_dropped_not_trusted(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, error_body: dict[str, Any]
) -> None:
    """A code, message or details that is not a string/object is ignored; the status and body describe it."""
    error = await _raised(httpx_mock, mock_client, 404, {"error": error_body})
    assert type(error) is NotFoundError
    assert (error.code, dict(error.details)) == (None, {})
    assert error.message.startswith('Not Found (unexpected application/json body: \'{"error":')


async def test_an_empty_error_body_says_so(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """No body at all: the message is the reason phrase and `(empty body)`."""
    httpx_mock.add_response(url=ME_URL, status_code=502, content=b"")
    with pytest.raises(InternalServerError) as caught:
        await mock_client.me()
    assert caught.value.message == "Bad Gateway (empty body)"


async def test_a_long_error_page_is_quoted_short_on_one_line(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """The first 80 bytes of a non-JSON body are quoted with newlines flattened, and no content type is said."""
    page = b"<html>\n<body>" + b"x" * 200 + b"</body></html>"
    httpx_mock.add_response(url=ME_URL, status_code=599, content=page)
    with pytest.raises(InternalServerError) as caught:
        await mock_client.me()
    snippet = page[:80].decode().replace("\n", " ")
    assert caught.value.message == f"Unknown status (unexpected no content type body: {snippet!r})"


# -- how errors read --------------------------------------------------------------------------------


def test_str_of_an_api_error_gives_status_code_message_and_request() -> None:
    """`403 pro_required: … (GET url)`; the code and the request are left out when unknown."""
    full = PermissionDeniedError("Pro only.", status_code=403, code="pro_required", method="GET", url="https://x/me")
    assert str(full) == "403 pro_required: Pro only. (GET https://x/me)"
    assert str(APIError("Odd.", status_code=418)) == "418: Odd."
    assert repr(full) == "PermissionDeniedError(status_code=403, code='pro_required', message='Pro only.')"


def test_an_api_error_built_by_hand_has_empty_details_and_headers() -> None:
    """details and headers are always there (empty), so handlers need no None checks."""
    error = APIError("Odd.", status_code=418)
    assert (dict(error.details), dict(error.headers), error.method, error.url, error.code) == ({}, {}, "", "", None)


def test_a_rate_limit_error_built_by_hand_is_a_429() -> None:
    """RateLimitError defaults to status 429 and code rate_limited; DailyQuotaExceededError to the day window."""
    error = RateLimitError("Slow down.")
    assert (error.status_code, error.code, error.retry_after, error.window) == (429, "rate_limited", None, None)
    resets = datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC)
    daily = DailyQuotaExceededError("Spent.", resets_at=resets)
    assert (daily.status_code, daily.window, daily.resets_at) == (429, "day", resets)


def test_a_connection_error_names_the_request() -> None:
    """The message ends with the method and URL; both are attributes too."""
    error = APIConnectionError("Connection refused", method="POST", url="https://x/me/reviews")
    assert (str(error), error.method, error.url) == (
        "Connection refused (POST https://x/me/reviews)",
        "POST",
        "https://x/me/reviews",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x" * 58, repr("x" * 58)),
        ("x" * 59, repr("x" * 57)[:57] + "..."),
        (None, "None"),
    ],
    ids=["fits", "cut", "none"],
)
def test_a_validation_error_names_field_rule_and_a_short_value(value: object, shown: str) -> None:
    """`field: rule (got value)`, the value cut to 60 characters so a 10,000-character review stays readable."""
    error = ValidationError("review", "must be at most 10,000 characters", value)
    assert (error.field, error.rule, error.value) == ("review", "must be at most 10,000 characters", value)
    assert str(error) == f"review: must be at most 10,000 characters (got {shown})"
    assert isinstance(error, ValueError)


def test_headers_given_to_an_error_are_kept() -> None:
    """The headers object passed in is the one exposed (not a copy that loses duplicates)."""
    headers = httpx.Headers([("Set-Cookie", "a"), ("Set-Cookie", "b")])
    assert APIError("Odd.", status_code=418, headers=headers).headers is headers


# -- errors built without a response (a batch answer's per-item errors) ------------------------------


def test_a_per_item_error_needs_no_response_of_its_own() -> None:
    """An error from an envelope alone (a batch item's) has empty headers and URL and its own class."""
    from flick_async._errors import error_from_envelope

    error = error_from_envelope(status_code=200, code="media_not_found", message="No such title.", method="POST")
    assert (type(error).__name__, error.message, error.method, error.url, dict(error.headers)) == (
        "MediaNotFoundError",
        "No such title.",
        "POST",
        "",
        {},
    )
    limited = error_from_envelope(status_code=200, code="rate_limited", message="Slow down.")
    assert isinstance(limited, RateLimitError)
    assert (limited.retry_after, limited.window, limited.method) == (None, None, "")


def test_the_message_is_the_exceptions_first_argument() -> None:
    """As for any Python exception, `args[0]` is the message: tools that log `e.args` show it."""
    resets = datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC)
    errors = [
        APIError("Odd.", status_code=418),
        DailyQuotaExceededError("Spent.", resets_at=resets),
        MalformedResponseError("Cut off.", status_code=200),
    ]
    assert [error.args for error in errors] == [("Odd.",), ("Spent.",), ("Cut off.",)]


def test_a_malformed_response_is_not_transient_unless_said() -> None:
    """A wrong-shaped answer will not fix itself: not transient (not retried) unless the body was cut off."""
    assert MalformedResponseError("Wrong shape.", status_code=200).transient is False
    assert MalformedResponseError("Cut off.", status_code=200, transient=True).transient is True


# -- the machine's own time zone plays no part -------------------------------------------------------


@pytest.fixture(params=["XST-14", "XST+12"], ids=["machine-at-utc+14", "machine-at-utc-12"])
def machine_time_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the test on a machine whose local zone is UTC+14 or UTC−12 (a day apart from UTC for half of each day)."""
    monkeypatch.setenv("TZ", str(request.param))
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "date",
    [None, "Mon, 01 Jun 2026 12:00:00 GMT", "Mon, 01 Jun 2026 12:00:00 -0000"],
    ids=["no-date", "gmt", "unknown-zone"],
)
@pytest.mark.usefixtures("machine_time_zone")
async def test_resets_at_is_utc_midnight_whatever_the_machines_zone(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, date: str | None
) -> None:
    """The daily quota resets at UTC midnight: a machine far east or west of UTC gets the same instant."""
    before = datetime.datetime.now(datetime.UTC)
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", "Quota.", {"window": "day"}),
        **({"Date": date} if date else {}),
    )
    after = datetime.datetime.now(datetime.UTC)
    assert isinstance(error, DailyQuotaExceededError)
    assert error.resets_at.utcoffset() == datetime.timedelta(0)
    if date is not None:
        assert error.resets_at == datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC)
    else:
        assert error.resets_at in {
            datetime.datetime.combine(moment.date() + datetime.timedelta(days=1), datetime.time(), datetime.UTC)
            for moment in (before, after)
        }


# -- Retry-After dates read on the server's clock -----------------------------------------------------


async def test_a_retry_after_date_is_read_against_the_servers_own_date(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick
) -> None:
    """A server whose clock is years off still means "two minutes from my now": Date and Retry-After agree."""
    error = await _raised(
        httpx_mock,
        mock_client,
        429,
        envelope("rate_limited", "Slow down."),
        Retry_After="Wed, 01 Jan 2020 12:02:00 GMT",
        Date="Wed, 01 Jan 2020 12:00:00 GMT",
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 120.0


def test_without_a_date_a_retry_after_date_is_read_against_the_callers_clock() -> None:
    """The throttle passes its clock's time: with no Date header, the wait is measured from that."""
    from flick_async._errors import parse_retry_after

    when = datetime.datetime(2030, 1, 1, 12, 0, 30, tzinfo=datetime.UTC)
    headers = httpx.Headers({"Retry-After": email.utils.format_datetime(when, usegmt=True)})
    assert parse_retry_after(headers, now=when.timestamp() - 30) == 30.0
    # An unreadable Date is as good as none.
    headers["Date"] = "not a date"
    assert parse_retry_after(headers, now=when.timestamp() - 5) == 5.0
