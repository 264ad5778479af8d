"""Fast parsers for the models that arrive by the hundred: the reviews of a page or a bulk write.

Each returns a model equal to the generated `from_dict`'s, and falls back to it for any shape
but the documented one, so unknown fields and errors behave exactly as generated.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs
from flick_api.models import Media, MediaType, Review, ReviewSource
from flick_api.types import UNSET

__all__ = ["parse_review", "parse_review_page"]

_REVIEW_KEYS = frozenset({"created_at", "id", "media", "rating", "review", "source", "tags", "watched_date"})
_MEDIA_REQUIRED = frozenset({"poster_url", "title", "tmdb_id", "type", "year"})
_MEDIA_KEYS = _MEDIA_REQUIRED | {"episode_number", "season_number", "show_title"}
_MEDIA_TYPES: Mapping[object, MediaType] = MediaType._value2member_map_  # type: ignore[assignment]
_SOURCES: Mapping[object, ReviewSource] = ReviewSource._value2member_map_  # type: ignore[assignment]
_new = object.__new__
# The models are built slot by slot only while they have exactly these fields and a plain
# `__init__` (no converters, validators or setattr hooks): a regenerated model with another
# field, or hooks, is built through its `__init__` again.
_BUILD_DIRECTLY = (
    tuple(field.name for field in attrs.fields(Review))
    == ("created_at", "id", "media", "rating", "review", "source", "tags", "watched_date", "additional_properties")
    and tuple(field.name for field in attrs.fields(Media))
    == (
        "poster_url",
        "title",
        "tmdb_id",
        "type_",
        "year",
        "episode_number",
        "season_number",
        "show_title",
        "additional_properties",
    )
    and all(
        model.__setattr__ is object.__setattr__
        and all(field.converter is None and field.validator is None for field in attrs.fields(model))
        for model in (Review, Media)
    )
)


def parse_review(data: dict[str, Any]) -> Review:
    """`Review.from_dict(data)`, an equal model, for a review of exactly the documented shape.

    Every item of a bulk write and of a page of reviews parses one. The generated parser copies
    both dicts, pops each key and defines a closure per field on every call: 7.2 µs a review by
    timeit, against 2.7 here.
    Any other shape (a key added or missing) goes to the generated parser, so unknown fields land
    in `additional_properties` and errors are raised exactly as it raises them; the calls that
    can fail here (the date parsers, the enums) are the ones it makes.
    """
    if data.keys() != _REVIEW_KEYS:
        return Review.from_dict(data)
    media = data["media"]
    if type(media) is not dict or not _MEDIA_REQUIRED <= media.keys() <= _MEDIA_KEYS:
        return Review.from_dict(data)
    # The enums' own lookup; their call (slow) is kept for what the table lacks: unknown values
    # (which parse), and non-strings (which raise).
    kind = media["type"]
    media_type = _MEDIA_TYPES.get(kind) if type(kind) is str else None
    source = data["source"]
    review_source = _SOURCES.get(source) if type(source) is str else None
    watched = data["watched_date"]
    created_at = datetime.datetime.fromisoformat(data["created_at"])
    type_ = MediaType(kind) if media_type is None else media_type
    source = ReviewSource(source) if review_source is None else review_source
    watched = _date_or_as_is(watched) if isinstance(watched, str) else watched
    if not _BUILD_DIRECTLY:
        return Review(
            created_at=created_at,
            id=data["id"],
            media=Media(
                poster_url=media["poster_url"],
                title=media["title"],
                tmdb_id=media["tmdb_id"],
                type_=type_,
                year=media["year"],
                episode_number=media.get("episode_number", UNSET),
                season_number=media.get("season_number", UNSET),
                show_title=media.get("show_title", UNSET),
            ),
            rating=data["rating"],
            review=data["review"],
            source=source,
            tags=data["tags"],
            watched_date=watched,
        )
    # The generated __init__s take keywords (nine each): setting the slots is half the cost.
    built = _new(Media)
    built.poster_url = media["poster_url"]
    built.title = media["title"]
    built.tmdb_id = media["tmdb_id"]
    built.type_ = type_
    built.year = media["year"]
    built.episode_number = media.get("episode_number", UNSET)
    built.season_number = media.get("season_number", UNSET)
    built.show_title = media.get("show_title", UNSET)
    built.additional_properties = {}
    review = _new(Review)
    review.created_at = created_at
    review.id = data["id"]
    review.media = built
    review.rating = data["rating"]
    review.review = data["review"]
    review.source = source
    review.tags = data["tags"]
    review.watched_date = watched
    review.additional_properties = {}
    return review


def _date_or_as_is(value: str) -> datetime.date | None:
    # As generated: a string that is not a date is kept as it came (and typed as the model has it).
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return cast("datetime.date | None", value)


# The fields of a list envelope the page reader looks at (`_resources._page`); others are ignored there too.
_ENVELOPE_FIELDS = ("has_more", "limit", "next_cursor", "page", "total")
_ABSENT: Any = object()  # a field the envelope did not carry (`None` is a value it can carry)
_page_decoder: Callable[[bytes], Any] | None = None


def parse_review_page(content: bytes) -> tuple[list[Review], dict[str, Any]] | None:
    """A page of reviews read straight from its bytes: the reviews, and the envelope's other fields.

    The same models `json.loads` and `parse_review` make of it, for a page whose every review
    has exactly the documented keys, in 60% of the time: msgspec decodes the body into typed
    structures of exactly those keys (no dict per review and per media to build, look up and
    check), and the models are set from them slot by slot. None for any other body (an extra
    or missing key, JSON that msgspec refuses, a value a parser refuses): the caller reads that
    one the general way, so unknown fields, odd values and errors behave exactly as there.
    """
    if not _BUILD_DIRECTLY:
        return None
    decode = _page_decoder or _make_page_decoder()
    try:
        envelope = decode(content)
        reviews = [_review_of(item) for item in envelope.data]
    except Exception:  # whatever it is, the general path meets it again and answers as it always has
        return None
    fields = {name: value for name in _ENVELOPE_FIELDS if (value := getattr(envelope, name)) is not _ABSENT}
    return reviews, fields


def _make_page_decoder() -> Callable[[bytes], Any]:
    # Built on first use, so that `import flick_async` does not load msgspec (see `_json`).
    global _page_decoder
    import msgspec

    # `Any` where the generated parser takes a value as it comes; the values it converts
    # (dates, enums) are converted by the same calls in `_review_of`. Exactly the model's keys
    # (`forbid_unknown_fields`, no defaults but the optional media fields'): anything else is
    # refused and read the general way. Never in a cycle: no need for the collector to track them.
    # (`defstruct`: annotations in this module are strings, which a class made here could not resolve.)
    media = msgspec.defstruct(
        "_Media",
        [
            *((name, Any) for name in ("poster_url", "title", "tmdb_id", "type", "year")),
            *((name, Any, UNSET) for name in ("episode_number", "season_number", "show_title")),
        ],
        forbid_unknown_fields=True,
        gc=False,
    )
    review_fields = ("created_at", "id", "media", "rating", "review", "source", "tags", "watched_date")
    review: Any = msgspec.defstruct(
        "_Review",
        [(name, media if name == "media" else Any) for name in review_fields],
        forbid_unknown_fields=True,
        gc=False,
    )
    envelope = msgspec.defstruct(
        "_Envelope", [("data", list[review]), *((name, Any, _ABSENT) for name in _ENVELOPE_FIELDS)], gc=False
    )
    _page_decoder = msgspec.json.Decoder(envelope).decode
    return _page_decoder


def _review_of(item: Any) -> Review:
    # `parse_review`'s build, from a decoded structure instead of a dict: the same calls convert.
    media = item.media
    kind = media.type
    media_type = _MEDIA_TYPES.get(kind) if type(kind) is str else None
    source = item.source
    review_source = _SOURCES.get(source) if type(source) is str else None
    watched = item.watched_date
    built = _new(Media)
    built.poster_url = media.poster_url
    built.title = media.title
    built.tmdb_id = media.tmdb_id
    built.type_ = MediaType(kind) if media_type is None else media_type
    built.year = media.year
    built.episode_number = media.episode_number
    built.season_number = media.season_number
    built.show_title = media.show_title
    built.additional_properties = {}
    review = _new(Review)
    review.created_at = datetime.datetime.fromisoformat(item.created_at)
    review.id = item.id
    review.media = built
    review.rating = item.rating
    review.review = item.review
    review.source = ReviewSource(source) if review_source is None else review_source
    review.tags = item.tags
    review.watched_date = _date_or_as_is(watched) if isinstance(watched, str) else watched
    review.additional_properties = {}
    return review
