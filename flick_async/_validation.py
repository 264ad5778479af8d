"""Client-side checks of every constraint in the API reference, run before anything is sent.

A request the server would reject costs a request from the rate limit and a round trip; catching
it here is cheaper and gives a precise `ValidationError` naming the field and the rule.

Every limit and enum comes from `openapi.json`, through `flick_api._rules`, which
`scripts/regen.py` writes beside the generated client: a regenerated schema changes what is
enforced here with no hand edit. A limit the schema drops is None there, and not checked.
"""

from __future__ import annotations

import datetime
import math
import re
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
from flick_api import _rules
from flick_api._rules import MediaTypeValue, ResolvableMediaTypeValue
from flick_api.models import MediaType, ResolvableMediaType

from ._errors import ValidationError

if TYPE_CHECKING:
    from flick_api.models import ReviewCreate

__all__ = [
    "API_KEY_PREFIX",
    "MediaTypeValue",
    "ResolvableMediaTypeValue",
    "ReviewInput",
    "check_api_key",
    "check_list_id",
    "check_page",
    "check_resolve",
    "fast_body",
    "latest_watched_date",
]

API_KEY_PREFIX = "flick_sk_"
# MediaTypeValue and ResolvableMediaTypeValue (imported above) are the schema's request enums
# as Literal types: a typo such as "moive" is a type error in the caller's own mypy before it
# is a ValidationError here. Members of the generated enums are accepted too (they are str).

# Limits other modules size things by (tag fitting, page and chunk sizes), as plain numbers:
# with no limit in the schema, tags are not cut, and pages and chunks keep the sizes the API
# has always taken.
_UNBOUNDED = sys.maxsize
MAX_TAGS: int = _rules.TAGS_MAX_ITEMS if _rules.TAGS_MAX_ITEMS is not None else _UNBOUNDED
MAX_TAG: int = _rules.TAG_MAX_LENGTH if _rules.TAG_MAX_LENGTH is not None else _UNBOUNDED
MAX_LIMIT: int = _rules.LIMIT_MAXIMUM if _rules.LIMIT_MAXIMUM is not None else 100
MAX_CHUNK: int = _rules.BATCH_MAX_ITEMS if _rules.BATCH_MAX_ITEMS is not None else 50  # reviews per batch request
# A watched date is "not in the future" on the server's calendar. The earliest calendar on
# Earth (UTC+14) can be a day ahead of UTC, so only dates past that are surely in the future.
_MAX_DAYS_AHEAD_OF_UTC = 1
_WHITESPACE = re.compile(r"\s")
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_REDACTED = "<redacted>"


def check_api_key(api_key: object) -> str:
    """Return the key if it looks like a Flick key; never echo it in the error."""
    if not isinstance(api_key, str) or not api_key:
        raise ValidationError(
            "api_key",
            "no API key: pass api_key= or set FLICK_API_KEY",
            _REDACTED if api_key else api_key,
        )
    if _WHITESPACE.search(api_key):
        raise ValidationError(
            "api_key", "must not contain whitespace or newlines (copied with a stray space?)", _REDACTED
        )
    if not api_key.isascii() or not api_key.isprintable():
        # Headers are ASCII: httpx would otherwise fail later with a UnicodeEncodeError.
        raise ValidationError("api_key", "must contain only printable ASCII characters", _REDACTED)
    if not api_key.startswith(API_KEY_PREFIX) or len(api_key) == len(API_KEY_PREFIX):
        raise ValidationError("api_key", f"must look like {API_KEY_PREFIX}…", _REDACTED)
    return api_key


def _check_length(field: str, value: str, minimum: int | None, maximum: int | None) -> None:
    if (minimum is None or len(value) >= minimum) and (maximum is None or len(value) <= maximum):
        return
    if minimum is not None and maximum is not None:
        rule = f"must be {minimum:,}–{maximum:,} characters long"
    elif maximum is not None:
        rule = f"must be at most {maximum:,} characters"
    else:
        rule = "must be a non-empty string" if minimum == 1 else f"must be at least {minimum:,} characters long"
    raise ValidationError(field, rule, value if len(value) <= 200 else len(value))


def _check_int(field: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    # JSON Schema's `integer` is any number with no fractional part, 2.0 included: taken, and
    # sent as the int it equals.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be an integer", value)
    if minimum is not None and value < minimum:
        raise ValidationError(field, f"must be at least {minimum}", value)
    if maximum is not None and value > maximum:
        raise ValidationError(field, f"must be at most {maximum}", value)
    return value


def check_page(page: object, limit: object) -> tuple[int, int]:
    """Validate `page` (≥ 1) and `limit` (1–100), as the schema bounds them."""
    return (
        _check_int("page", page, minimum=_rules.PAGE_MINIMUM),
        _check_int("limit", limit, minimum=_rules.LIMIT_MINIMUM, maximum=_rules.LIMIT_MAXIMUM),
    )


def check_list_id(list_id: object) -> str:
    if not isinstance(list_id, str) or not list_id.strip():
        raise ValidationError("list_id", "must be a non-empty string (an id from lists.list())", list_id)
    return check_text("list_id", list_id)


def check_text(field: str, value: str) -> str:
    """Return `value` if it can be sent: JSON on the wire is UTF-8, which has no lone surrogates.

    Python strings can hold one (`"\\ud83d"`, half of an emoji, from a bad decode or a
    truncated JSON escape); httpx would fail on it with a bare `UnicodeEncodeError`, and in a
    bulk write that would take the whole job down instead of the one item.
    """
    if value.isascii():  # the usual case, and far cheaper than encoding
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            field, f"contains a lone surrogate at position {exc.start}, which UTF-8 (and so JSON) cannot carry", value
        ) from None
    return value


_KNOWN: dict[type[MediaType] | type[ResolvableMediaType], frozenset[str]] = {
    enum: frozenset(member.value for member in enum) for enum in (MediaType, ResolvableMediaType)
}


def _enum_value(field: str, value: object, enum: type[MediaType] | type[ResolvableMediaType]) -> str:
    # Requests take only the values this SDK was generated with: a typo must not reach the server.
    # (Responses are the other way round: an unknown value there parses.)
    known = _KNOWN[enum]
    if isinstance(value, str) and value in known:  # enum members are str too
        return str(value)
    raise ValidationError(field, f"must be one of {', '.join(member.value for member in enum)}", value)


def check_resolve(title: object, year: object, media_type: object) -> dict[str, Any]:
    """Validate `/resolve` arguments; return them ready for the generated request builder."""
    if not isinstance(title, str):
        raise ValidationError("title", "must be a string", title)
    _check_length("title", title, _rules.TITLE_MIN_LENGTH, _rules.TITLE_MAX_LENGTH)
    args: dict[str, Any] = {"title": check_text("title", title)}
    if year is not None:
        # Today's schema bounds no year: a negative one is the server's to judge, not ours.
        args["year"] = _check_int("year", year, minimum=_rules.YEAR_MINIMUM, maximum=_rules.YEAR_MAXIMUM)
    if media_type is not None:
        args["media_type"] = ResolvableMediaType(_enum_value("media_type", media_type, ResolvableMediaType))
    return args


def _range_rule(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"must be between {low:g} and {high:g}"
    if low is not None:
        return f"must be at least {low:g}"
    return "must be a number" if high is None else f"must be at most {high:g}"


def _to_date(field: str, value: object) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        raise ValidationError(field, "must be a date (YYYY-MM-DD), not a datetime", value)
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        # Exactly RFC 3339's full-date (the schema's `format: date`): fromisoformat alone would
        # also take ISO week dates such as 2026-W01-1, which the API refuses.
        try:
            if not _FULL_DATE.fullmatch(value):
                raise ValueError(value)
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(field, "must be a date written YYYY-MM-DD", value) from None
    raise ValidationError(field, "must be a datetime.date or a YYYY-MM-DD string", value)


def _converter_tags(value: Iterable[str] | None) -> Any:
    # Any iterable of tags is read once, here, into a tuple (a generator could not be read
    # twice). Kept as they are, so that validation names them: a lone string or bytes (it would
    # become one tag per character) and a mapping (its keys would be sent, its values dropped).
    if value is None:
        return ()
    if type(value) is list or type(value) is tuple:  # the usual case, without the ABC checks below
        return tuple(value)
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


@attrs.frozen(kw_only=True)
class ReviewInput:
    """One review to write, as `reviews.create()` and `reviews.create_many()` take it.

    Args:
        tmdb_id: The title's TMDB id; for seasons and episodes, the show's id.
        media_type: `movie`, `tv`, `tv_season` or `tv_episode`.
        season_number: Required for `tv_season` and `tv_episode`.
        episode_number: Required for `tv_episode`.
        rating: 0–10; None for an unrated log.
        review: Up to 10,000 characters.

    The limits are those of the schema this SDK was generated from (see `flick_api._rules`).
        watched_date: A `datetime.date` or `YYYY-MM-DD` string, not in the future.
        tags: Up to 20 tags of up to 64 characters: any iterable of strings (read once).

    Example:
        ReviewInput(tmdb_id="27205", media_type="movie", rating=9, watched_date="2026-05-01")
    """

    tmdb_id: str
    media_type: MediaTypeValue | MediaType
    season_number: int | None = None
    episode_number: int | None = None
    rating: float | None = None
    review: str | None = None
    watched_date: datetime.date | str | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=_converter_tags)

    @classmethod
    def coerce(cls, item: ReviewInput | Mapping[str, Any]) -> ReviewInput:
        """Accept a `ReviewInput` or a mapping with the same fields as `reviews.create()`."""
        if isinstance(item, ReviewInput):
            return item
        # `dict` first: bulk writes coerce every item, and the Mapping ABC check alone costs several times more.
        if isinstance(item, (dict, Mapping)):
            if not item.keys() <= _REVIEW_FIELDS:
                unknown = sorted(item.keys() - _REVIEW_FIELDS)[0]
                raise ValidationError(unknown, "is not a review field", item[unknown])
            try:
                return cls(**item)
            except TypeError as exc:  # a required field is missing
                missing = next((f for f in ("tmdb_id", "media_type") if f not in item), "item")
                raise ValidationError(missing, "is required") from exc
        raise ValidationError("item", "must be a ReviewInput or a mapping of review fields", item)

    def to_request(self, *, today: datetime.date | None = None) -> ReviewCreate:
        """Check every rule of the reference and build the generated request model.

        Raises:
            ValidationError: The first rule this review breaks.
        """
        from flick_api.models import ReviewCreate  # the model's import is paid by its first use only

        return ReviewCreate.from_dict(self.to_body(today=today))

    def to_body(self, *, today: datetime.date | None = None) -> dict[str, Any]:
        """Check every rule of the reference and return the JSON body the API takes.

        Bulk writes build this per item, so it goes straight to the dict that
        `to_request().to_dict()` would give, without the round trip through the model.

        Raises:
            ValidationError: The first rule this review breaks.
        """
        tmdb_id = self.tmdb_id
        if isinstance(tmdb_id, int) and not isinstance(tmdb_id, bool):
            tmdb_id = str(tmdb_id)  # TMDB ids are numeric; the API wants them as strings
        if not isinstance(tmdb_id, str):
            raise ValidationError("tmdb_id", "must be a non-empty string", self.tmdb_id)
        _check_length("tmdb_id", tmdb_id, _rules.TMDB_ID_MIN_LENGTH, None)
        check_text("tmdb_id", tmdb_id)
        media_type = _enum_value("media_type", self.media_type, MediaType)

        season = self.season_number
        episode = self.episode_number
        if season is not None:
            season = _check_int("season_number", season, minimum=_rules.SEASON_MINIMUM)
        if episode is not None:
            episode = _check_int("episode_number", episode, minimum=_rules.EPISODE_MINIMUM)
        if media_type in (MediaType.TV_SEASON, MediaType.TV_EPISODE) and season is None:
            raise ValidationError("season_number", f"is required when media_type is {media_type}")
        if media_type == MediaType.TV_EPISODE and episode is None:
            raise ValidationError("episode_number", "is required when media_type is tv_episode")
        # A season or episode number where the media type does not need one is allowed by the
        # schema (and the API answers 201): sent as given, for the server to judge.

        rating = self.rating
        if rating is not None:
            if isinstance(rating, bool) or not isinstance(rating, (int, float)):  # a tuple: cheaper than a union
                raise ValidationError("rating", "must be a number", rating)
            low, high = _rules.RATING_MINIMUM, _rules.RATING_MAXIMUM
            if math.isnan(rating) or (low is not None and rating < low) or (high is not None and rating > high):
                raise ValidationError("rating", _range_rule(low, high), rating)

        if self.review is not None:
            if not isinstance(self.review, str):
                raise ValidationError("review", "must be a string", self.review)
            _check_length("review", self.review, None, _rules.REVIEW_MAX_LENGTH)
            check_text("review", self.review)

        watched = _to_date("watched_date", self.watched_date)
        if watched is not None:
            limit = (today or datetime.datetime.now(datetime.UTC).date()) + datetime.timedelta(
                days=_MAX_DAYS_AHEAD_OF_UTC
            )
            if watched > limit:
                raise ValidationError("watched_date", "must not be in the future", watched.isoformat())

        tags = self.tags
        if not isinstance(tags, tuple):  # the converter made any iterable a tuple; a str or mapping stays as given
            raise ValidationError("tags", "must be a list of strings", tags)
        if len(tags) > MAX_TAGS:
            raise ValidationError("tags", f"must hold at most {MAX_TAGS} tags", len(tags))
        for tag in tags:
            # Bulk writes check every tag of every item: the field name is formatted only for a bad one.
            if type(tag) is not str or len(tag) > MAX_TAG or not tag.isascii():
                _check_tags(tags)

        body: dict[str, Any] = {"tmdb_id": tmdb_id, "media_type": media_type}
        if season is not None:
            body["season_number"] = season
        if episode is not None:
            body["episode_number"] = episode
        if rating is not None:
            body["rating"] = float(rating)
        if self.review is not None:
            body["review"] = self.review
        if watched is not None:
            body["watched_date"] = watched.isoformat()
        if tags:
            body["tags"] = list(tags)
        return body


def _check_tags(tags: tuple[object, ...]) -> None:
    """Raise the `ValidationError` for the first bad tag (`to_body`'s fast check found one, or a non-ASCII one)."""
    for index, tag in enumerate(tags):
        if not isinstance(tag, str):
            raise ValidationError(f"tags[{index}]", "must be a string", tag)
        _check_length(f"tags[{index}]", tag, None, _rules.TAG_MAX_LENGTH)
        check_text(f"tags[{index}]", tag)


_REVIEW_FIELDS = frozenset(field.name for field in attrs.fields(ReviewInput))


# -- the bulk-write fast path ------------------------------------------------------------------------
# Bounds as plain numbers (a limit the schema drops never refuses), so that one comparison checks each.
_TMDB_MIN = _rules.TMDB_ID_MIN_LENGTH or 0
_SEASON_MIN = _rules.SEASON_MINIMUM if _rules.SEASON_MINIMUM is not None else -math.inf
_EPISODE_MIN = _rules.EPISODE_MINIMUM if _rules.EPISODE_MINIMUM is not None else -math.inf
_RATING_MIN = _rules.RATING_MINIMUM if _rules.RATING_MINIMUM is not None else -math.inf
_RATING_MAX = _rules.RATING_MAXIMUM if _rules.RATING_MAXIMUM is not None else math.inf
_REVIEW_MAX = _rules.REVIEW_MAX_LENGTH if _rules.REVIEW_MAX_LENGTH is not None else _UNBOUNDED
_MEDIA_TYPES = _KNOWN[MediaType]
_NEEDS_SEASON = frozenset({MediaType.TV_SEASON.value, MediaType.TV_EPISODE.value})
_TV_EPISODE: str = MediaType.TV_EPISODE.value
# Watched dates already read: a bulk job repeats a few dates across many items. Bounded (cleared when full).
_DATES: dict[str, datetime.date] = {}
_DATES_HELD = 1024


def latest_watched_date(today: datetime.date | None = None) -> datetime.date:
    """The latest watched date `to_body` takes today (a day ahead of UTC: see `_MAX_DAYS_AHEAD_OF_UTC`)."""
    return (today or datetime.datetime.now(datetime.UTC).date()) + datetime.timedelta(days=_MAX_DAYS_AHEAD_OF_UTC)


def fast_body(item: dict[str, Any], latest: datetime.date) -> dict[str, Any] | None:
    """`ReviewInput.coerce(item).to_body()` for a mapping of plain values it accepts, or None.

    Bulk writes validate every item; building a `ReviewInput` for each mapping first cost a third
    of that. This reads the mapping directly, for the common case only: plain `str`, `int`,
    `float`, `datetime.date` values, tags in a list or tuple, `latest` (from
    `latest_watched_date`) as the last date allowed. Anything else, and anything it finds
    wrong, returns None, and the caller takes the full path (`coerce` and `to_body`), which
    gives the body or the exact `ValidationError` as always. So the rules and every error stay
    `to_body`'s; this only recognises what `to_body` accepts, and returns an equal body
    (`tests/facade/test_validation_fast_path.py` checks both across generated items).

    Where nothing needs converting (no None, a float rating, the date as a string, tags given),
    the body is `item` itself, its keys in the caller's order: encode it at once (before any
    await), and never keep or change it.
    """
    if not item.keys() <= _REVIEW_FIELDS:
        return None
    get = item.get
    tmdb_id = get("tmdb_id")
    media_type = get("media_type")
    # `isascii()` first: the usual case, far cheaper than the UTF-8 check of `_sendable`.
    if type(tmdb_id) is not str or len(tmdb_id) < _TMDB_MIN or not (tmdb_id.isascii() or _sendable(tmdb_id)):
        return None
    if type(media_type) is not str or media_type not in _MEDIA_TYPES:
        return None
    as_given = True  # False once a value must be converted (or a None dropped) for the body
    season = get("season_number")
    if season is not None:
        if type(season) is not int or season < _SEASON_MIN:
            return None
    elif media_type in _NEEDS_SEASON:
        return None
    elif "season_number" in item:
        as_given = False
    episode = get("episode_number")
    if episode is not None:
        if type(episode) is not int or episode < _EPISODE_MIN:
            return None
    elif media_type == _TV_EPISODE:
        return None
    elif "episode_number" in item:
        as_given = False
    rating = get("rating")
    if rating is not None:
        kind = type(rating)
        # NaN fails both comparisons.
        if (kind is not float and kind is not int) or not _RATING_MIN <= rating <= _RATING_MAX:
            return None
        if kind is int:
            as_given = False
            rating = float(rating)
    elif "rating" in item:
        as_given = False
    review = get("review")
    if review is not None:
        if type(review) is not str or len(review) > _REVIEW_MAX or not (review.isascii() or _sendable(review)):
            return None
    elif "review" in item:
        as_given = False
    watched = get("watched_date")
    if watched is not None:
        if type(watched) is str:
            date = _DATES.get(watched)
            if date is None:
                if not _FULL_DATE.fullmatch(watched):
                    return None
                try:
                    date = datetime.date.fromisoformat(watched)
                except ValueError:
                    return None
                if len(_DATES) >= _DATES_HELD:
                    _DATES.clear()
                _DATES[watched] = date
            # A full date written YYYY-MM-DD is its own isoformat(): sent as given.
        elif type(watched) is datetime.date:
            date = watched
            watched = date.isoformat()
            as_given = False
        else:
            return None
        if date > latest:
            return None
    elif "watched_date" in item:
        as_given = False
    tags = get("tags")
    if tags is not None:
        if (type(tags) is not list and type(tags) is not tuple) or len(tags) > MAX_TAGS:
            return None
        for tag in tags:
            if type(tag) is not str or len(tag) > MAX_TAG or not (tag.isascii() or _sendable(tag)):
                return None
        if not tags or type(tags) is tuple:
            as_given = False  # the body leaves out no tags, and holds them in a list
    elif "tags" in item:
        as_given = False
    if as_given:
        return item
    body: dict[str, Any] = {"tmdb_id": tmdb_id, "media_type": media_type}
    if season is not None:
        body["season_number"] = season
    if episode is not None:
        body["episode_number"] = episode
    if rating is not None:
        body["rating"] = rating
    if review is not None:
        body["review"] = review
    if watched is not None:
        body["watched_date"] = watched
    if tags:
        body["tags"] = list(tags)
    return body


def _sendable(text: str) -> bool:
    """True if `text` can be sent as UTF-8 (what `check_text` checks, without the error)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
