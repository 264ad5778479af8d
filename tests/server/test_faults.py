"""Fault injection: every fault kind, exact schedules, seeded odds, dropped connections in process and over a socket."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from flick_async.testing import (
    DEMO_API_KEY,
    APIDisabled,
    BadGatewayHTML,
    DropAfterCommit,
    FakeClock,
    Faults,
    FlickServer,
    InternalError,
    NonStandardStatus,
    RateLimitBurst,
    Slow,
    TruncatedJSON,
    serve_in_thread,
)

REVIEW = {"tmdb_id": "550", "media_type": "movie", "rating": 8}


async def test_internal_error_writes_nothing(server: FlickServer, http: httpx.AsyncClient) -> None:
    """InternalError: 500 internal_error in the envelope with the rate-limit headers; nothing stored."""
    before = server.reviews(DEMO_API_KEY)
    server.faults.add("POST /me/reviews", InternalError())
    response = await http.post("/me/reviews", json=REVIEW)
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
    assert response.headers["x-ratelimit-remaining"] == "59"
    assert server.reviews(DEMO_API_KEY) == before


async def test_api_disabled_fault(server: FlickServer, http: httpx.AsyncClient) -> None:
    """APIDisabled: 503 api_disabled."""
    server.faults.add("GET /me", APIDisabled())
    response = await http.get("/me")
    assert (response.status_code, response.json()["error"]["code"]) == (503, "api_disabled")


async def test_rate_limit_burst_refuses_n_in_a_row_without_counting(
    server: FlickServer, http: httpx.AsyncClient
) -> None:
    """RateLimitBurst(3): three consecutive 429s with Retry-After, spending no quota; then normal answers."""
    server.faults.add("GET /me", RateLimitBurst(count=3, retry_after=7), on=[2])
    responses = [await http.get("/me") for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 429, 429, 429, 200]
    refused = responses[1]
    assert refused.headers["retry-after"] == "7"
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": "Rate limit exceeded for the minute window. Retry after 7 seconds.",
            "details": {"window": "minute"},
        }
    }
    assert responses[-1].headers["x-ratelimit-remaining"] == "58"
    assert [e.fault for e in server.request_log] == [None, "RateLimitBurst", "RateLimitBurst", "RateLimitBurst", None]


async def test_burst_on_every_route_continues_across_routes(server: FlickServer, http: httpx.AsyncClient) -> None:
    """A "*" burst refuses the next requests whatever their route."""
    server.faults.add("*", RateLimitBurst(count=2, window="day"), on=[1])
    first, second, third = await http.get("/me"), await http.get("/me/lists"), await http.get("/me/lists")
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert second.json()["error"]["details"] == {"window": "day"}


async def test_slow_sleeps_on_the_server_clock(server: FlickServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    """Slow(seconds): the answer comes after sleeping that long on the injected clock."""
    server.faults.add("GET /me", Slow(12.5))
    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        response = await http.get("/me")
        tg.cancel_scope.cancel()
    assert response.status_code == 200
    assert clock.slept == [12.5]


async def test_slow_lets_a_client_time_out(server: FlickServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    """A client deadline shorter than the delay expires while the server sleeps."""
    server.faults.add("GET /me", Slow(30))
    with anyio.move_on_after(0.05) as scope:
        await http.get("/me")
    assert scope.cancelled_caught


async def test_drop_after_commit_in_process(server: FlickServer, http: httpx.AsyncClient) -> None:
    """DropAfterCommit through transport(): httpx's RemoteProtocolError, yet the review is stored."""
    server.faults.add("POST /me/reviews", DropAfterCommit(), on=[1])
    with pytest.raises(httpx.RemoteProtocolError, match=r"^Server disconnected without sending a response\.$"):
        await http.post("/me/reviews", json=REVIEW)
    stored = server.reviews(DEMO_API_KEY)[0]
    assert (stored["media"]["tmdb_id"], stored["source"]) == ("550", "api")
    retry = await http.post("/me/reviews", json=REVIEW)
    assert (retry.status_code, retry.json()) == (200, {"review": stored, "deduplicated": True})
    assert [(e.status, e.fault) for e in server.request_log] == [(201, "DropAfterCommit"), (200, None)]


async def test_bad_gateway_html(server: FlickServer, http: httpx.AsyncClient) -> None:
    """BadGatewayHTML: a 502 text/html page, as a proxy sends, without the API's headers."""
    server.faults.add("*", BadGatewayHTML())
    response = await http.get("/me/reviews")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>502 Bad Gateway</h1>" in response.text
    assert "x-ratelimit-limit" not in response.headers


async def test_non_standard_status(server: FlickServer, http: httpx.AsyncClient) -> None:
    """NonStandardStatus: 520 by default, empty body; any status can be chosen."""
    server.faults.add("GET /me", NonStandardStatus(), on=[1])
    server.faults.add("GET /me", NonStandardStatus(599), on=[2])
    first, second = await http.get("/me"), await http.get("/me")
    assert (first.status_code, first.content, second.status_code) == (520, b"", 599)


async def test_truncated_json_keeps_the_write(server: FlickServer, http: httpx.AsyncClient) -> None:
    """TruncatedJSON: the route's status with a JSON body cut in half; the write is stored."""
    server.faults.add("POST /me/reviews/batch", TruncatedJSON())
    response = await http.post("/me/reviews/batch", json={"reviews": [REVIEW]})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert server.reviews(DEMO_API_KEY)[0]["media"]["tmdb_id"] == "550"


async def test_exact_schedule_counts_requests_to_the_route(server: FlickServer, http: httpx.AsyncClient) -> None:
    """on=[3, 7] fails exactly the 3rd and 7th requests to that route; other routes do not count."""
    server.faults.add("GET /api/beta/me", InternalError(), on=[3, 7])  # the /api/beta prefix is optional
    statuses = []
    for _ in range(8):
        statuses.append((await http.get("/me")).status_code)
        await http.get("/me/lists")
    assert statuses == [200, 200, 500, 200, 200, 200, 500, 200]


async def test_first_matching_rule_wins(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Rules are checked in order; a later rule still counts the requests it sees."""
    server.faults.add("*", InternalError(), on=[1])
    server.faults.add("GET /me", APIDisabled(), on=[1, 2])
    statuses = [(await http.get("/me")).status_code for _ in range(3)]
    assert statuses == [500, 503, 200]


def test_probability_is_reproducible_with_the_seed() -> None:
    """The same seed fails the same requests; another seed fails others."""

    def run(seed: int) -> list[bool]:
        faults = Faults(seed=seed)
        faults.add("*", InternalError(), probability=0.3)
        return [faults.pick("GET /me") is not None for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 40 < sum(run(7)) < 80


def test_clear_removes_rules_and_bursts() -> None:
    """clear() ends everything, bursts included."""
    faults = Faults()
    faults.add("GET /me", RateLimitBurst(count=5))
    assert faults.pick("GET /me") is not None
    faults.clear()
    assert faults.pick("GET /me") is None


@pytest.mark.parametrize(
    ("route", "kwargs", "message"),
    [
        ("me", {}, "routes look like"),
        ("GET /me", {"on": [1], "probability": 0.5}, "not both"),
        ("GET /me", {"probability": 1.5}, "between 0 and 1"),
    ],
)
def test_bad_rules_are_refused(route: str, kwargs: dict[str, object], message: str) -> None:
    """Malformed routes, both schedules at once, or a probability out of range raise ValueError."""
    with pytest.raises(ValueError, match=message):
        Faults().add(route, InternalError(), **kwargs)  # type: ignore[arg-type]


def test_drop_after_commit_over_a_socket(server: FlickServer) -> None:
    """Over uvicorn the response starts (with a Content-Length), then the connection dies; the write is stored."""
    server.faults.add("POST /me/reviews", DropAfterCommit())
    with serve_in_thread(server) as base_url, pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{base_url}/me/reviews", json=REVIEW, headers={"X-API-Key": DEMO_API_KEY})
    assert server.reviews(DEMO_API_KEY)[0]["media"]["tmdb_id"] == "550"
