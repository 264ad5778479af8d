"""Inputs, server queries and accounting checks shared by the bulk-write tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
from flick_api.models import Review

from flick_async import AsyncFlick, BatchOutcome, BatchResult, RetryPolicy
from flick_async.testing import Account, Catalog, FlickServer

T = TypeVar("T")

# The in-process server answers any host; loopback keeps the http:// base URL allowed.
SERVER_BASE_URL = "http://127.0.0.1/api/beta"
BATCH_ROUTE = "POST /me/reviews/batch"
# Retries without backoff or jitter: nothing waits, and the tests can count attempts.
FAST = RetryPolicy(max_retries=3, initial_delay=0.0, jitter=0.0)
# Movies of the built-in catalog; reviews of them differ by rating and text.
MOVIES: list[str] = [title.tmdb_id for title in Catalog.builtin() if title.media_type == "movie"][:200]
UNKNOWN_MOVIE = "999999999"  # not in the catalog: media_not_found


def item(i: int, *, tag: str = "bulk") -> dict[str, Any]:
    """A valid review input, distinct (by the server's identity rule) for each `i`."""
    return {
        "tmdb_id": MOVIES[i % len(MOVIES)],
        "media_type": "movie",
        "rating": (i % 21) / 2,
        "review": f"{tag} review {i}",
        "watched_date": "2026-05-01",
        "tags": [tag],
    }


def items(n: int, *, start: int = 0, tag: str = "bulk") -> list[dict[str, Any]]:
    """`n` distinct valid review inputs."""
    return [item(i, tag=tag) for i in range(start, start + n)]


def batch_requests(server: FlickServer) -> int:
    """How many batch requests the server has answered."""
    return sum(entry.route == BATCH_ROUTE for entry in server.request_log)


def stored_texts(server: FlickServer, account: Account) -> list[str]:
    """The `review` text of every review the account holds, sorted (copies show up twice)."""
    return sorted(review["review"] for review in server.reviews(account))


def texts(rows: Iterable[Any]) -> list[str]:
    """The `review` texts of inputs (mappings or ReviewInputs), sorted."""
    return sorted(row["review"] if isinstance(row, dict) else row.review for row in rows)


def stored_review(server: FlickServer, account: Account, text: str) -> Review:
    """The one stored review with this text, as the client models it."""
    found = [review for review in server.reviews(account) if review["review"] == text]
    assert len(found) == 1, f"{len(found)} stored reviews say {text!r}"
    return Review.from_dict(found[0])


def assert_accounted(result: BatchResult, read: int) -> None:
    """Every index read is in exactly one of outcomes, unsent and unconfirmed."""
    indices = [o.index for o in result.outcomes] + result.unsent + result.unconfirmed
    assert sorted(indices) == list(range(read))
    assert [o.index for o in result.outcomes] == sorted(o.index for o in result.outcomes)


def confirmed(outcomes: Iterable[BatchOutcome]) -> list[BatchOutcome]:
    """The outcomes the server confirmed it holds (created or deduplicated)."""
    return [o for o in outcomes if o.status in ("created", "deduplicated")]


async def create_through(
    answer: Callable[[httpx.Request], httpx.Response], rows: list[Any], *, retry_policy: RetryPolicy = FAST
) -> BatchResult:
    """`create_many(rows)` on a client whose every request `answer` handles (an `httpx.MockTransport`)."""
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http,
        AsyncFlick(
            "flick_sk_unit_0123456789",
            base_url=SERVER_BASE_URL,
            http_client=http,
            throttle=False,
            retry_policy=retry_policy,
        ) as flick,
    ):
        return await flick.reviews.create_many(rows)
