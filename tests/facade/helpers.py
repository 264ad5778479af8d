"""Payloads, constants and helpers shared by the facade tests."""

from __future__ import annotations

from typing import Any, TypeVar

from flick_async import RetryPolicy

T = TypeVar("T")

# The in-process server answers any host; loopback keeps the http:// base URL allowed.
SERVER_BASE_URL = "http://127.0.0.1/api/beta"
# Unit tests talk to pytest-httpx, which intercepts every request before it leaves the process.
MOCK_BASE_URL = "https://api.flick.test/api/beta"
MOCK_KEY = "flick_sk_unit_0123456789abcdef0123"
# Retries without any backoff or jitter, so a test can predict exactly what is slept.
NO_BACKOFF = RetryPolicy(max_retries=3, initial_delay=0.0, jitter=0.0)


def envelope(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The API's error envelope."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


PROFILE_JSON: dict[str, Any] = {
    "id": "usr_000001",
    "username": "demo",
    "display_name": "Flick Demo",
    "avatar_url": None,
    "pro": True,
    "created_at": "2025-10-22T18:52:06Z",
    "stats": {"reviews": 19, "watchlist": 7, "lists": 2},
}

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "60",
    "X-RateLimit-Remaining": "41",
    "X-RateLimit-Reset": "1781200560",
    "X-RateLimit-Limit-Day": "5000",
    "X-RateLimit-Remaining-Day": "4817",
}


def review_json(review_id: str, *, tmdb_id: str = "27205", rating: float | None = 9.0) -> dict[str, Any]:
    """A review as the API returns it."""
    return {
        "id": review_id,
        "media": {
            "tmdb_id": tmdb_id,
            "type": "movie",
            "title": "Inception",
            "year": 2010,
            "poster_url": None,
        },
        "rating": rating,
        "review": None,
        "watched_date": "2026-06-01",
        "tags": [],
        "source": "api",
        "created_at": "2026-06-14T20:31:00Z",
    }


def page_json(
    items: list[dict[str, Any]], *, page: int = 1, limit: int = 50, total: int, has_more: bool
) -> dict[str, Any]:
    """A page of a list endpoint."""
    return {"data": items, "page": page, "limit": limit, "total": total, "has_more": has_more}
