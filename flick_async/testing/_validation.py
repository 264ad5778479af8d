"""Every request constraint of the API reference, checked field by field.

A failed check is an `invalid_request` whose `details` maps each offending field (dotted,
`tags[3]`) to what is wrong with it, and whose message lists them all.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._catalog import MediaRef

__all__ = ["Invalid", "ReviewInput", "page_params", "resolve_params", "review_input"]

MEDIA_TYPES = ("movie", "tv", "tv_season", "tv_episode")
MAX_REVIEW = 10_000
MAX_TAGS = 20
MAX_TAG = 64
MAX_TITLE = 200
MAX_LIMIT = 100
MAX_BATCH = 50
# ASCII digits only: `\d` would also match other scripts' digits, which no schema format allows.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT = re.compile(r"[+-]?[0-9]{1,40}")


class Invalid(Exception):
    """An `invalid_request`: `details` maps fields to problems."""

    def __init__(self, details: Mapping[str, str], message: str | None = None) -> None:
        self.details = dict(details)
        self.message = message or "Invalid request: " + "; ".join(f"{k} {v}" for k, v in self.details.items()) + "."
        super().__init__(self.message)


@dataclass(frozen=True)
class ReviewInput:
    """A review body that passed validation."""

    ref: MediaRef
    rating: float | None
    review: str | None
    watched_date: str | None
    tags: tuple[str, ...]


def _unencodable(value: str) -> bool:
    # A JSON escape can spell a lone surrogate ("\\ud83d"), but UTF-8 cannot carry it: the
    # review could never be sent back in a response, so it is refused on the way in.
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_LONE_SURROGATE = "must be valid Unicode text (it holds a lone surrogate)"


def _is_int(value: object) -> bool:
    # JSON Schema's `integer`: any number without a fractional part, 2.0 included.
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def review_input(body: object, *, today: datetime.date) -> ReviewInput:
    """Check one review body (single create, or one batch item).

    Args:
        body: The decoded JSON.
        today: The server's UTC date; `watched_date` may not be later.

    Raises:
        Invalid: With every problem found.
    """
    if not isinstance(body, dict):
        raise Invalid({"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    tmdb_id = body.get("tmdb_id")
    if "tmdb_id" not in body:
        errors["tmdb_id"] = "is required"
    elif not isinstance(tmdb_id, str) or not tmdb_id:
        errors["tmdb_id"] = "must be a non-empty string"
    elif _unencodable(tmdb_id):
        errors["tmdb_id"] = _LONE_SURROGATE
    media_type = body.get("media_type")
    if "media_type" not in body:
        errors["media_type"] = "is required"
    elif media_type not in MEDIA_TYPES:
        errors["media_type"] = "must be one of movie, tv, tv_season, tv_episode"
    season = body.get("season_number")
    episode = body.get("episode_number")
    for name, value, needed_by in (
        ("season_number", season, ("tv_season", "tv_episode")),
        ("episode_number", episode, ("tv_episode",)),
    ):
        if name in body:
            if not _is_int(value) or value < 0:  # type: ignore[operator]
                errors[name] = "must be an integer of at least 0"
        elif media_type in needed_by:
            errors[name] = f"is required when media_type is {media_type}"
    rating = body.get("rating")
    if "rating" in body and (not isinstance(rating, int | float) or isinstance(rating, bool) or not 0 <= rating <= 10):
        errors["rating"] = "must be a number from 0 to 10"
    review = body.get("review")
    if "review" in body:
        if not isinstance(review, str):
            errors["review"] = "must be a string"
        elif len(review) > MAX_REVIEW:
            errors["review"] = f"must be at most {MAX_REVIEW:,} characters (got {len(review):,})"
        elif _unencodable(review):
            errors["review"] = _LONE_SURROGATE
    watched = body.get("watched_date")
    if "watched_date" in body:
        date = _parse_date(watched)
        if date is None:
            errors["watched_date"] = "must be a date written YYYY-MM-DD"
        elif date > today:
            errors["watched_date"] = f"must not be in the future (today is {today.isoformat()} UTC)"
    tags = body.get("tags", [])
    if not isinstance(tags, list):
        errors["tags"] = "must be an array of strings"
    else:
        if len(tags) > MAX_TAGS:
            errors["tags"] = f"must hold at most {MAX_TAGS} tags (got {len(tags)})"
        for i, tag in enumerate(tags):
            if not isinstance(tag, str):
                errors[f"tags[{i}]"] = "must be a string"
            elif len(tag) > MAX_TAG:
                errors[f"tags[{i}]"] = f"must be at most {MAX_TAG} characters (got {len(tag)})"
            elif _unencodable(tag):
                errors[f"tags[{i}]"] = _LONE_SURROGATE
    if errors:
        raise Invalid(errors)
    if media_type in ("movie", "tv"):
        season = episode = None
    elif media_type == "tv_season":
        episode = None
    season = None if season is None else int(season)
    episode = None if episode is None else int(episode)
    ref = MediaRef(tmdb_id, media_type, season, episode)  # type: ignore[arg-type]
    return ReviewInput(ref, rating, review, watched, tuple(tags))


def _parse_date(value: object) -> datetime.date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def batch_items(body: object) -> list[object]:
    """The `reviews` array of a batch body, checked as an envelope (its items are checked one by one)."""
    if not isinstance(body, dict):
        raise Invalid({"body": "must be a JSON object"})
    reviews = body.get("reviews")
    if "reviews" not in body:
        raise Invalid({"reviews": "is required"})
    if not isinstance(reviews, list):
        raise Invalid({"reviews": "must be an array"})
    if not 1 <= len(reviews) <= MAX_BATCH:
        raise Invalid({"reviews": f"must hold 1 to {MAX_BATCH} reviews (got {len(reviews)})"})
    return reviews


def _int_param(query: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not _INT.fullmatch(raw.strip()):
        errors[name] = "must be an integer"
        return None
    return int(raw)


def page_params(query: Mapping[str, str]) -> tuple[int, int]:
    """`(page, limit)`: page ≥ 1 (default 1), 1 ≤ limit ≤ 100 (default 50)."""
    errors: dict[str, str] = {}
    page = _int_param(query, "page", errors)
    limit = _int_param(query, "limit", errors)
    if page is not None and page < 1:
        errors["page"] = "must be at least 1"
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"must be from 1 to {MAX_LIMIT}"
    if errors:
        raise Invalid(errors)
    return page or 1, limit or 50


def resolve_params(query: Mapping[str, str]) -> tuple[str, int | None, Any]:
    """`(title, year, media_type)` of a resolve query."""
    errors: dict[str, str] = {}
    title = query.get("title")
    if title is None:
        errors["title"] = "is required"
    elif not 1 <= len(title) <= MAX_TITLE:
        errors["title"] = f"must be 1 to {MAX_TITLE} characters (got {len(title)})"
    year = _int_param(query, "year", errors)
    media_type = query.get("media_type")
    if media_type is not None and media_type not in ("movie", "tv"):
        errors["media_type"] = "must be movie or tv"
    if errors:
        raise Invalid(errors)
    assert title is not None
    return title, year, media_type
