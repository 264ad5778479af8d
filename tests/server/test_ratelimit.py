"""Rate limits: fixed windows per key, the UTC day, headers on every answer, exact counting."""

from __future__ import annotations

import email.utils
import threading

import anyio
import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, Catalog, FakeClock, FlickServer
from flick_async.testing._ratelimit import RateLimiter

from .conftest import START, client_for

HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-limit-day")


def limits(response: httpx.Response) -> dict[str, str]:
    """The five rate-limit headers of a response."""
    names = (*HEADERS, "x-ratelimit-remaining-day")
    return {name: response.headers[name] for name in names}


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/me", DEMO_API_KEY, 200),
        ("GET", "/me/reviews?limit=500", DEMO_API_KEY, 400),
        ("GET", "/me", "flick_sk_unknown_key_0000", 401),
        ("GET", "/me/lists/nope/items", DEMO_API_KEY, 404),
        ("GET", "/nowhere", DEMO_API_KEY, 404),
        ("GET", "/openapi.json", None, 200),
    ],
    ids=["ok", "invalid", "unauthorised", "not-found", "unknown-route", "schema"],
)
async def test_every_answer_carries_the_five_headers_and_a_date(
    server: FlickServer, method: str, path: str, key: str | None, status: int
) -> None:
    """Successes and errors alike carry all five X-RateLimit-* headers and a Date from the server clock."""
    async with client_for(server, key) as http:
        response = await http.request(method, path)
    assert response.status_code == status
    assert set(limits(response)) == {*HEADERS, "x-ratelimit-remaining-day"}
    assert email.utils.parsedate_to_datetime(response.headers["date"]).timestamp() == START


async def test_headers_count_down_and_reset_is_the_window_end(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Remaining counts down per accepted request; Reset is the minute window's end in Unix time."""
    first, second = await http.get("/me"), await http.get("/me")
    assert limits(first) == {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "59",
        "x-ratelimit-reset": str(int(START) + 60),
        "x-ratelimit-limit-day": "5000",
        "x-ratelimit-remaining-day": "4999",
    }
    assert (second.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining-day"]) == ("58", "4998")


async def test_the_61st_request_in_a_window_is_refused(server: FlickServer, clock: FakeClock) -> None:
    """Sixty requests pass; the next gets 429 with Retry-After rounded up, the window named, the envelope."""
    async with client_for(server, DEMO_API_KEY) as http:
        for _ in range(60):
            assert (await http.get("/me")).status_code == 200
        clock.advance(47.5)
        refused = await http.get("/me")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "13"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": "Rate limit exceeded for the minute window. Retry after 13 seconds.",
            "details": {"window": "minute"},
        }
    }


async def test_a_new_window_starts_afresh_and_refusals_spend_nothing(server: FlickServer, clock: FakeClock) -> None:
    """429s are not counted: after many refusals the next window still accepts a full sixty."""
    async with client_for(server, DEMO_API_KEY) as http:
        statuses = [(await http.get("/me")).status_code for _ in range(80)]
        assert statuses == [200] * 60 + [429] * 20
        clock.advance(60)
        statuses = [(await http.get("/me")).status_code for _ in range(61)]
    assert statuses == [200] * 60 + [429]
    assert server.request_log.max_per_window(60, api_key=DEMO_API_KEY) == 60


async def test_windows_are_per_key(server: FlickServer, http: httpx.AsyncClient) -> None:
    """One key's exhausted window does not touch another key's, even on the same account."""
    other = server.add_key(DEMO_API_KEY)
    for _ in range(60):
        await http.get("/me")
    assert (await http.get("/me")).status_code == 429
    async with client_for(server, other) as second:
        response = await second.get("/me")
    assert (response.status_code, response.headers["x-ratelimit-remaining"]) == (200, "59")


async def test_short_windows_for_tests(catalog: Catalog, clock: FakeClock) -> None:
    """60 per 2 seconds: Reset is the 2-second window's end and Retry-After at most 2."""
    server = FlickServer(catalog=catalog, clock=clock, window_seconds=2)
    async with client_for(server, DEMO_API_KEY) as http:
        clock.advance(0.5)
        for _ in range(60):
            ok = await http.get("/me")
        refused = await http.get("/me")
        clock.advance(1.5)
        again = await http.get("/me")
    assert ok.headers["x-ratelimit-reset"] == str(int(START) + 2)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "2")
    assert (again.status_code, again.headers["x-ratelimit-reset"]) == (200, str(int(START) + 4))


async def test_daily_limit_resets_at_utc_midnight(catalog: Catalog, clock: FakeClock) -> None:
    """Past the daily limit, 429 names the day window and Retry-After runs to UTC midnight."""
    server = FlickServer(catalog=catalog, clock=clock, daily_limit=3)
    async with client_for(server, DEMO_API_KEY) as http:
        for _ in range(3):
            assert (await http.get("/me")).status_code == 200
        clock.advance(3600)  # a new minute window, the same UTC day
        refused = await http.get("/me")
        clock.advance(11 * 3600)  # 00:00 UTC
        next_day = await http.get("/me")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(11 * 3600)
    assert refused.headers["x-ratelimit-remaining-day"] == "0"
    assert refused.json()["error"] == {
        "code": "rate_limited",
        "message": f"Rate limit exceeded for the day window. Retry after {11 * 3600} seconds.",
        "details": {"window": "day"},
    }
    assert (next_day.status_code, next_day.headers["x-ratelimit-remaining-day"]) == (200, "2")


async def test_concurrent_requests_are_counted_exactly(server: FlickServer, http: httpx.AsyncClient) -> None:
    """200 requests at once: exactly 60 accepted, 140 refused, and the log agrees."""
    statuses: list[int] = []

    async def call() -> None:
        statuses.append((await http.get("/me")).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(200):
            tg.start_soon(call)
    assert (statuses.count(200), statuses.count(429)) == (60, 140)
    assert server.request_log.max_per_window(60, api_key=DEMO_API_KEY) == 60
    assert sorted(server.request_log.statuses(DEMO_API_KEY)) == sorted(statuses)


def test_limiter_counts_exactly_across_threads() -> None:
    """Eight threads hitting one key: accepted requests never exceed the limit."""
    limiter = RateLimiter(limit=60, window_seconds=60)
    accepted: list[bool] = []

    def worker() -> None:
        for _ in range(50):
            accepted.append(limiter.hit("key", 1_000.0).allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accepted.count(True) == 60


def test_limiter_rejects_nonsense_limits() -> None:
    """Limits must be positive."""
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(limit=0)
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(window_seconds=0)


async def test_request_log_records_time_route_status_and_key(server: FlickServer, clock: FakeClock) -> None:
    """The log keeps, per request: time, the key's digest, route template, path and status."""
    async with client_for(server, DEMO_API_KEY) as http:
        await http.get("/me")
        clock.advance(1)
        await http.get("/me/lists/lst_x/items")
    async with client_for(server, None) as anonymous:
        await anonymous.get("/me")
    first, second, third = server.request_log.entries
    assert (first.time, first.route, first.path, first.status) == (START, "GET /me", "/api/beta/me", 200)
    assert (second.time, second.route, second.status) == (START + 1, "GET /me/lists/{list_id}/items", 404)
    assert (third.key_id, third.account_id, third.status) == (None, None, 401)
    assert [e.status for e in server.request_log.for_key(DEMO_API_KEY)] == [200, 404]
    assert len(server.request_log) == 3
    server.request_log.clear()
    assert server.request_log.entries == []


async def test_a_bounded_request_log_keeps_the_newest_and_counts_the_rest(catalog: Catalog, clock: FakeClock) -> None:
    """`request_log_size` bounds the log (a server up for hours); the limits never read it."""
    server = FlickServer(catalog=catalog, clock=clock, rate_limit=3, request_log_size=2)
    async with client_for(server, DEMO_API_KEY) as http:
        statuses = []
        for _ in range(4):
            statuses.append((await http.get("/me")).status_code)
            clock.advance(0.25)
    assert statuses == [200, 200, 200, 429]  # counted by the limiter, not from the log
    assert [e.time for e in server.request_log.entries] == [START + 0.5, START + 0.75]
    assert (len(server.request_log), server.request_log.dropped) == (2, 2)
    server.request_log.clear()
    assert (len(server.request_log), server.request_log.dropped) == (0, 0)

    silent = FlickServer(catalog=catalog, clock=clock, request_log_size=0)
    async with client_for(silent, DEMO_API_KEY) as http:
        assert (await http.get("/me")).status_code == 200
    assert (silent.request_log.entries, silent.request_log.dropped) == ([], 1)
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="max_entries must be a whole number >= 0 or None"):
            FlickServer(catalog=catalog, clock=clock, request_log_size=bad)  # type: ignore[arg-type]


def test_max_per_window_fixed_and_sliding(server: FlickServer) -> None:
    """Aligned windows and sliding intervals count differently; 429s are left out by default."""
    from flick_async.testing import LoggedRequest

    for t, status in [(0.5, 200), (1.5, 200), (2.1, 200), (2.2, 429), (3.9, 200)]:
        server.request_log.append(LoggedRequest(t, "k", "a", "GET /me", "/api/beta/me", status))
    log = server.request_log
    assert log.max_per_window(2) == 2
    assert log.max_per_window(2, sliding=True) == 3  # 0.5, 1.5 and 2.1 fall within 2 s
    assert log.max_per_window(2, exclude_statuses=()) == 3
    assert log.max_per_window(4, sliding=True) == 4
