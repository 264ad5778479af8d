"""How each kind of account record is keyed, shown in a table, and flattened to CSV.

One definition per kind serves `flick reviews list` (and its siblings) and `flick export`, so a
table, a JSON line and a CSV row of the same record never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs
from flick_api.types import Unset

from flick_async._models import CustomList, ListItem, Media, Review, WatchlistItem
from flick_async._pagination import Page, PageIterator

__all__ = ["KINDS", "Kind", "Listable", "media_label", "tracked_iter"]

T = TypeVar("T")


def _opt(value: object) -> Any:
    return None if isinstance(value, Unset) else value


def media_label(media: Media) -> str:
    """`Title (Year)`, with the show, season and episode for seasons and episodes."""
    year = f" ({media.year})" if media.year else ""
    season, episode, show = _opt(media.season_number), _opt(media.episode_number), _opt(media.show_title)
    if season is not None and episode is not None:
        return f"{show or media.title} S{season:02d}E{episode:02d} · {media.title}"
    if season is not None:
        return f"{show or media.title} · Season {season}"
    return f"{media.title}{year}"


def _media_columns(media: Media) -> dict[str, Any]:
    return {
        "tmdb_id": media.tmdb_id,
        "media_type": str(media.type_),
        "title": media.title,
        "year": media.year,
        "season_number": _opt(media.season_number),
        "episode_number": _opt(media.episode_number),
        "show_title": _opt(media.show_title),
    }


def _media_key(media: Media) -> tuple[Hashable, ...]:
    return (media.tmdb_id, str(media.type_), _opt(media.season_number), _opt(media.episode_number))


def _date(value: datetime.date | datetime.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10] if isinstance(value, str) else value.isoformat()


def _rating(value: float | None) -> str:
    return "" if value is None else f"{value:g}/10"


def _short(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@attrs.frozen
class Kind(Generic[T]):
    """One kind of record.

    Attributes:
        name: The kind's name (`reviews`, `watchlist`, `lists`, `list_items`).
        key: Identity used to skip the repeats a page shift hands out twice.
        headers: Table column headers.
        row: A record as table cells.
        csv_fields: CSV column names, in order.
        csv_row: A record as a CSV row (a dict over `csv_fields`).
    """

    name: str
    key: Callable[[T], Hashable]
    headers: Sequence[str]
    row: Callable[[T], Sequence[str]]
    csv_fields: Sequence[str]
    csv_row: Callable[[T], dict[str, Any]]


_MEDIA_FIELDS = ("tmdb_id", "media_type", "title", "year", "season_number", "episode_number", "show_title")

REVIEWS: Kind[Review] = Kind(
    name="reviews",
    key=lambda r: r.id,
    headers=("Watched", "Title", "Rating", "Tags", "Source", "Review"),
    row=lambda r: (
        _date(r.watched_date),
        media_label(r.media),
        _rating(r.rating),
        ", ".join(r.tags),
        str(r.source),
        _short(r.review),
    ),
    csv_fields=("id", *_MEDIA_FIELDS, "rating", "review", "watched_date", "tags", "source", "created_at"),
    csv_row=lambda r: {
        "id": r.id,
        **_media_columns(r.media),
        "rating": r.rating,
        "review": r.review,
        "watched_date": _date(r.watched_date) or None,
        # Letterboxd's own separator, so a CSV export round-trips through the same split rule.
        "tags": ", ".join(r.tags),
        "source": str(r.source),
        "created_at": r.created_at.isoformat(),
    },
)

WATCHLIST: Kind[WatchlistItem] = Kind(
    name="watchlist",
    key=lambda w: (_media_key(w.media), w.added_at),
    headers=("Added", "Title", "Type", "TMDB id"),
    row=lambda w: (_date(w.added_at), media_label(w.media), str(w.media.type_), w.media.tmdb_id),
    csv_fields=(*_MEDIA_FIELDS, "added_at"),
    csv_row=lambda w: {**_media_columns(w.media), "added_at": w.added_at.isoformat()},
)

LISTS: Kind[CustomList] = Kind(
    name="lists",
    key=lambda c: c.id,
    headers=("ID", "Name", "Items", "Ranked", "Updated"),
    row=lambda c: (c.id, c.name, f"{c.item_count:,}", "yes" if c.ranked else "no", _date(c.updated_at)),
    csv_fields=("id", "name", "description", "ranked", "item_count", "created_at", "updated_at"),
    csv_row=lambda c: {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "ranked": c.ranked,
        "item_count": c.item_count,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
    },
)

LIST_ITEMS: Kind[ListItem] = Kind(
    name="list_items",
    key=lambda i: (_media_key(i.media), i.added_at),  # not the rank: an insert at rank 1 renumbers
    headers=("Rank", "Title", "Type", "Note", "Added"),
    row=lambda i: (
        "" if i.rank is None else str(i.rank),
        media_label(i.media),
        str(i.media.type_),
        _short(i.note, 40),
        _date(i.added_at),
    ),
    csv_fields=("rank", *_MEDIA_FIELDS, "note", "added_at"),
    csv_row=lambda i: {"rank": i.rank, **_media_columns(i.media), "note": i.note, "added_at": i.added_at.isoformat()},
)

KINDS: dict[str, Kind[Any]] = {kind.name: kind for kind in (REVIEWS, WATCHLIST, LISTS, LIST_ITEMS)}


class _Totals:
    """The latest `total` the walk saw: what a progress bar or a table footer shows."""

    def __init__(self, iterator: PageIterator[Any]) -> None:
        self._iterator = iterator

    @property
    def total(self) -> int | None:
        return self._iterator.total


class Listable(Protocol):
    """A resource with `list()` and `iter()`: `client.reviews`, `client.lists.items(id)`, …"""

    def list(self, *, page: int = ..., limit: int = ...) -> Awaitable[Page[Any]]: ...

    def iter(
        self,
        *,
        limit: int = ...,
        resume: str | None = ...,
        start_page: int | None = ...,
        max_items: int | None = ...,
    ) -> PageIterator[Any]: ...


def tracked_iter(
    resource: Listable, kind: Kind[T], *, max_items: int | None = None, resume: str | None = None
) -> tuple[PageIterator[T], _Totals]:
    """Every record, page by page (100 a request, each once however pages shift), and the server's total.

    Args:
        resource: Where the pages come from.
        kind: The record kind (its key must agree with the resource's own).
        max_items: Stop after this many.
        resume: A resume token of an earlier walk of the same list.
    """
    iterator: PageIterator[T] = resource.iter(limit=100, max_items=max_items, resume=resume)
    return iterator, _Totals(iterator)
