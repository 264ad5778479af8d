"""A page iterator's state before and after a walk, and the resume tokens it refuses.

tests/facade/test_pagination.py walks lists that shift under the walk; these pin what a user reads
off an iterator that has not started (its defaults: nothing fetched, nothing known) and what a
resume token must be to be taken.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, ValidationError

from .helpers import page_json, review_json


async def test_an_iterator_that_has_not_started_knows_nothing_and_sent_nothing(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick
) -> None:
    """iter() is lazy: no request, no style, no total, zero counters, not complete, and it says why."""
    pages = mock_client.reviews.iter()
    assert (pages.stop_reason, pages.complete, pages.style, pages.total) == (None, False, None, None)
    assert (pages.pages_fetched, pages.duplicates_skipped, pages.boundary_rereads) == (0, 0, 0)
    assert pages.incomplete_reasons == ["the walk has not ended"]
    assert pages.next_page == 1
    assert mock_client.reviews.iter(start_page=4).next_page == 4
    assert pages.resume_token is not None  # resuming a walk that never started starts it
    assert httpx_mock.get_requests() == []


async def test_a_finished_walk_is_complete_and_cannot_be_resumed(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick
) -> None:
    """After the server's last page: complete, nothing to explain, no token, the next page after it."""
    httpx_mock.add_response(json=page_json([review_json("rev_1")], page=1, limit=100, total=1, has_more=False))
    pages = mock_client.reviews.iter()
    assert [review.id async for review in pages] == ["rev_1"]
    assert (pages.complete, pages.stop_reason, pages.incomplete_reasons, pages.resume_token) == (
        True,
        "exhausted",
        [],
        None,
    )
    assert (pages.style, pages.total, pages.pages_fetched, pages.duplicates_skipped) == ("page", 1, 1, 0)


async def test_max_items_stops_early_and_says_so(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """`max_items=2` of three: stopped early (not complete), and the walk can be resumed."""
    items = [review_json(f"rev_{i}") for i in range(3)]
    httpx_mock.add_response(json=page_json(items, page=1, limit=100, total=3, has_more=False))
    pages = mock_client.reviews.iter(max_items=2)
    assert [review.id async for review in pages] == ["rev_0", "rev_1"]
    assert (pages.stop_reason, pages.complete) == ("max_items", False)
    assert pages.incomplete_reasons == ["it stopped early (max_items)"]
    assert pages.resume_token is not None


def _token(mock_client: AsyncFlick) -> dict[str, Any]:
    token = mock_client.reviews.iter(limit=20).resume_token
    assert token is not None
    state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return state


def _encode(state: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "tamper",
    [
        {"v": 2},
        {"l": 0},
        {"l": 101},
        {"l": True},
        {"d": "digest"},
        {"d": [1, 2]},
        {"s": "offset"},
        {"x": "doubt"},
        {"p": -1},
        {"t": "many"},
    ],
    ids=lambda tamper: f"{next(iter(tamper))}={next(iter(tamper.values()))!r}",
)
async def test_a_tampered_token_is_refused(mock_client: AsyncFlick, tamper: dict[str, Any]) -> None:
    """Another version, a page size out of 1–100, digests or doubts that are not lists of strings,
    an unknown style, a negative position or a non-count total: not a token of this SDK."""
    token = _encode({**_token(mock_client), **tamper})
    with pytest.raises(ValidationError) as caught:
        mock_client.reviews.iter(resume=token)
    assert (caught.value.field, caught.value.rule) == (
        "resume",
        "is not a resume token of this SDK (iterator.resume_token)",
    )


@pytest.mark.parametrize("token", [123, "", "not base64 at all!", _encode([1, 2]), _encode({"v": 1})])
async def test_something_that_is_no_token_is_refused(mock_client: AsyncFlick, token: object) -> None:
    """A number, an empty or garbled string, JSON that is not an object, or one missing its fields."""
    with pytest.raises(ValidationError) as caught:
        mock_client.reviews.iter(resume=token)  # type: ignore[arg-type]
    assert caught.value.field == "resume"


async def test_a_token_of_another_list_is_refused_naming_it(mock_client: AsyncFlick) -> None:
    """A reviews token handed to the watchlist would walk the wrong list from the wrong place."""
    token = mock_client.reviews.iter().resume_token
    with pytest.raises(ValidationError) as caught:
        mock_client.watchlist.iter(resume=token)
    assert caught.value.rule.startswith("is the token of another list")


async def test_a_valid_token_is_taken_with_the_smaller_page_size(mock_client: AsyncFlick) -> None:
    """Resuming with a smaller `limit` than the token's pages by the smaller one; nothing is sent yet."""
    token = mock_client.reviews.iter(limit=20).resume_token
    resumed = mock_client.reviews.iter(resume=token, limit=10)
    assert (resumed.style, resumed.pages_fetched, resumed.next_page) == ("page", 0, 1)
    with pytest.raises(ValidationError):
        mock_client.reviews.iter(resume=token, start_page=2)
