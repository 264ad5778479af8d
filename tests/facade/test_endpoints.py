"""Every endpoint against the local server in process, compared with what the server holds."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from flick_async import (
    APIDisabledError,
    APIKeyRevokedError,
    AsyncFlick,
    Candidate,
    Confidence,
    CustomList,
    InvalidAPIKeyError,
    ListItem,
    MediaNotFoundError,
    MediaType,
    NotFoundError,
    Page,
    Profile,
    ProRequiredError,
    ResolvableMediaType,
    Review,
    ReviewSource,
    WatchlistItem,
)
from flick_async.testing import DEMO_API_KEY, FlickServer


async def test_me_returns_the_key_owners_profile(server: FlickServer, client: AsyncFlick) -> None:
    """`me()` is the demo account's profile, field for field."""
    assert await client.me() == Profile.from_dict(server.profile(DEMO_API_KEY))


async def test_resolve_finds_a_title_by_name_and_year(client: AsyncFlick) -> None:
    """`resolve()` ranks the exact title first with high confidence."""
    result = await client.resolve("Inception", year=2010, media_type="movie")
    assert result.match is not None
    assert (result.match.tmdb_id, result.match.media_type, result.match.title, result.match.year) == (
        "27205",
        ResolvableMediaType.MOVIE,
        "Inception",
        2010,
    )
    assert result.match.confidence == Confidence.HIGH
    assert 1 <= len(result.candidates) <= 5
    assert result.candidates[0] == result.match
    assert all(isinstance(candidate, Candidate) for candidate in result.candidates)


async def test_resolve_finds_a_show_without_a_year(client: AsyncFlick) -> None:
    """`resolve()` also finds shows, searching both kinds when no type is given."""
    result = await client.resolve("Breaking Bad")
    assert result.match is not None
    assert (result.match.tmdb_id, result.match.media_type) == ("1396", ResolvableMediaType.TV)


async def test_resolve_with_nothing_plausible_has_no_match(client: AsyncFlick) -> None:
    """Nothing plausible is `match: None`, not an error."""
    result = await client.resolve("qqqq zzzz xxxx wwww", media_type="tv")
    assert result.match is None


async def test_reviews_list_is_one_page_newest_first(server: FlickServer, client: AsyncFlick) -> None:
    """`reviews.list()` is the server's first page, whole."""
    stored = server.reviews(DEMO_API_KEY)
    page = await client.reviews.list(page=2, limit=5)
    assert page == Page(
        items=[Review.from_dict(r) for r in stored[5:10]], page=2, limit=5, total=len(stored), has_more=True
    )


async def test_reviews_iter_yields_every_review(server: FlickServer, client: AsyncFlick) -> None:
    """`reviews.iter()` yields every stored review in order."""
    stored = [Review.from_dict(r) for r in server.reviews(DEMO_API_KEY)]
    assert [review async for review in client.reviews.iter(limit=7)] == stored


async def test_reviews_create_writes_then_deduplicates(server: FlickServer, client: AsyncFlick) -> None:
    """A new review is created (source api); sending it again returns the same review, deduplicated."""
    fields = {"rating": 7.5, "review": "Layered.", "watched_date": datetime.date(2026, 6, 1), "tags": ["dreams"]}
    created = await client.reviews.create("27205", media_type="movie", **fields)  # type: ignore[arg-type]
    again = await client.reviews.create("27205", media_type="movie", **fields)  # type: ignore[arg-type]
    assert (created.deduplicated, again.deduplicated) == (False, True)
    assert again.review == created.review
    review = created.review
    assert (review.media.tmdb_id, review.media.type_, review.rating, review.review) == (
        "27205",
        MediaType.MOVIE,
        7.5,
        "Layered.",
    )
    assert (review.watched_date, review.tags, review.source) == (
        datetime.date(2026, 6, 1),
        ["dreams"],
        ReviewSource.API,
    )
    assert Review.from_dict(server.reviews(DEMO_API_KEY)[0]) == review


async def test_reviews_create_an_episode(client: AsyncFlick) -> None:
    """An episode review carries season, episode and the show's title."""
    result = await client.reviews.create("1396", media_type="tv_episode", season_number=1, episode_number=1)
    media = result.review.media
    assert (media.type_, media.season_number, media.episode_number, media.show_title) == (
        MediaType.TV_EPISODE,
        1,
        1,
        "Breaking Bad",
    )


async def test_reviews_create_an_unknown_title_raises_media_not_found(server: FlickServer, client: AsyncFlick) -> None:
    """A tmdb_id the catalog lacks raises MediaNotFoundError and writes nothing."""
    before = server.reviews(DEMO_API_KEY)
    with pytest.raises(MediaNotFoundError) as caught:
        await client.reviews.create("999999999", media_type="movie")
    assert (caught.value.status_code, caught.value.code) == (404, "media_not_found")
    assert server.reviews(DEMO_API_KEY) == before


async def test_watchlist_list_and_iter(server: FlickServer, client: AsyncFlick) -> None:
    """`watchlist.list()` and `watchlist.iter()` return the stored watchlist."""
    stored = [WatchlistItem.from_dict(item) for item in server.watchlist(DEMO_API_KEY)]
    page = await client.watchlist.list(limit=3)
    assert page == Page(items=stored[:3], page=1, limit=3, total=len(stored), has_more=len(stored) > 3)
    assert [item async for item in client.watchlist.iter(limit=2)] == stored


async def test_lists_list_and_iter(server: FlickServer, client: AsyncFlick) -> None:
    """`lists.list()` and `lists.iter()` return the stored custom lists."""
    stored = [CustomList.from_dict(item) for item in server.lists(DEMO_API_KEY)]
    assert await client.lists.list() == Page(items=stored, page=1, limit=50, total=len(stored), has_more=False)
    assert [item async for item in client.lists.iter(limit=1)] == stored


async def test_list_items_of_a_ranked_list_come_in_rank_order(server: FlickServer, client: AsyncFlick) -> None:
    """`lists.items(id)` lists and iterates a ranked list's items by rank."""
    ranked = next(item for item in server.lists(DEMO_API_KEY) if item["ranked"])
    items = client.lists.items(ranked["id"])
    assert items.list_id == ranked["id"]
    page = await items.list(limit=100)
    assert [item.rank for item in page.items] == list(range(1, ranked["item_count"] + 1))
    assert page.total == ranked["item_count"]
    assert [item async for item in items.iter(limit=2)] == page.items
    assert all(isinstance(item, ListItem) for item in page.items)


async def test_list_items_of_someone_elses_list_is_not_found(server: FlickServer, client: AsyncFlick) -> None:
    """Another account's list, or no list at all, raises NotFoundError."""
    other = server.add_account("other")
    theirs = server.add_list(other, "Theirs", [("27205", "movie")])
    for list_id in (theirs, "lst_does_not_exist"):
        with pytest.raises(NotFoundError) as caught:
            await client.lists.items(list_id).list()
        assert (type(caught.value), caught.value.code) == (NotFoundError, "not_found")


async def test_an_unknown_key_is_rejected_by_the_server(make_client: Callable[..., AsyncFlick]) -> None:
    """A well-formed key the server does not know raises InvalidAPIKeyError."""
    async with make_client(api_key="flick_sk_unknown_0000000000") as flick:
        with pytest.raises(InvalidAPIKeyError):
            await flick.me()


async def test_a_revoked_key_is_rejected_by_the_server(
    server: FlickServer, make_client: Callable[..., AsyncFlick]
) -> None:
    """A revoked key raises APIKeyRevokedError."""
    account = server.add_account("revoked")
    assert account.api_key is not None
    server.revoke_key(account.api_key, delay=0)
    async with make_client(api_key=account.api_key) as flick:
        with pytest.raises(APIKeyRevokedError):
            await flick.me()


async def test_an_account_without_pro_is_refused(server: FlickServer, make_client: Callable[..., AsyncFlick]) -> None:
    """A key of an account without Pro raises ProRequiredError."""
    account = server.add_account("lapsed", pro=False)
    async with make_client(api_key=account.api_key) as flick:
        with pytest.raises(ProRequiredError):
            await flick.me()


async def test_a_disabled_api_raises_api_disabled(server: FlickServer, client: AsyncFlick) -> None:
    """While the API is disabled every call raises APIDisabledError."""
    server.api_disabled = True
    with pytest.raises(APIDisabledError):
        await client.reviews.list()


async def test_an_empty_account_pages_cleanly(server: FlickServer, make_client: Callable[..., AsyncFlick]) -> None:
    """A new account has empty pages and iterators end at once."""
    account = server.add_account("newcomer")
    async with make_client(api_key=account.api_key) as flick:
        assert await flick.reviews.list() == Page(items=[], page=1, limit=50, total=0, has_more=False)
        iterator = flick.watchlist.iter()
        assert [item async for item in iterator] == []
        assert (iterator.stop_reason, iterator.pages_fetched) == ("exhausted", 1)
