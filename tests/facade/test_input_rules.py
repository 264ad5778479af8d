"""The input rules at their edges: the API key, the watched date's calendar, numbers, tags.

tests/facade/test_validation.py has one case per rule of the reference; these pin the edges a
user meets: every way `AsyncFlick` refuses a key (and that it never echoes it), the watched date
on the earliest calendar on Earth (UTC+14, a day ahead of UTC), a negative episode number, and
tags given as None, a set or a number.
"""

from __future__ import annotations

import datetime
import inspect
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, ReviewInput, ValidationError

from .helpers import MOCK_BASE_URL, MOCK_KEY, review_json

# -- the API key -------------------------------------------------------------------------------------

NO_KEY = "no API key: pass api_key= or set FLICK_API_KEY"
WHITESPACE = "must not contain whitespace or newlines (copied with a stray space?)"
NOT_ASCII = "must contain only printable ASCII characters"
NOT_A_KEY = "must look like flick_sk_…"


@pytest.mark.parametrize(
    ("key", "rule", "shown"),
    [
        ("", NO_KEY, ""),
        (b"flick_sk_abc", NO_KEY, "<redacted>"),
        (12345, NO_KEY, "<redacted>"),
        (f"{MOCK_KEY} ", WHITESPACE, "<redacted>"),
        (f"\t{MOCK_KEY}", WHITESPACE, "<redacted>"),
        (MOCK_KEY[:12] + "\n" + MOCK_KEY[12:], WHITESPACE, "<redacted>"),
        (MOCK_KEY + "\u00a0", WHITESPACE, "<redacted>"),  # a non-breaking space is whitespace too
        (MOCK_KEY + "é", NOT_ASCII, "<redacted>"),
        (MOCK_KEY + "\x7f", NOT_ASCII, "<redacted>"),
        (MOCK_KEY + "\x00", NOT_ASCII, "<redacted>"),
        ("flick_sk_", NOT_A_KEY, "<redacted>"),
        ("flick_pk_0123456789", NOT_A_KEY, "<redacted>"),
        ("FLICK_SK_0123456789", NOT_A_KEY, "<redacted>"),
        ("0123456789abcdef", NOT_A_KEY, "<redacted>"),
    ],
    ids=[
        "empty",
        "bytes",
        "int",
        "trailing-space",
        "leading-tab",
        "inner-newline",
        "nbsp",
        "non-ascii",
        "delete-char",
        "nul",
        "prefix-only",
        "other-prefix",
        "upper-case-prefix",
        "no-prefix",
    ],
)
def test_every_malformed_key_is_refused_naming_the_rule_not_the_key(key: object, rule: str, shown: str) -> None:
    """A key is a non-empty printable-ASCII `flick_sk_…` string with no whitespace; the error never shows it."""
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(key, base_url=MOCK_BASE_URL, throttle=False)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule, caught.value.value) == ("api_key", rule, shown)


def test_no_key_anywhere_says_where_one_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither api_key= nor FLICK_API_KEY: the error says both ways to give one."""
    monkeypatch.delenv("FLICK_API_KEY", raising=False)
    with pytest.raises(ValidationError) as caught:
        AsyncFlick(base_url=MOCK_BASE_URL, throttle=False)
    assert (caught.value.rule, caught.value.value) == (NO_KEY, None)


async def test_the_key_comes_from_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """FLICK_API_KEY is checked by the same rules, and used."""
    monkeypatch.setenv("FLICK_API_KEY", MOCK_KEY)
    async with AsyncFlick(base_url=MOCK_BASE_URL, throttle=False):
        pass
    monkeypatch.setenv("FLICK_API_KEY", " " + MOCK_KEY)
    with pytest.raises(ValidationError, match="whitespace"):
        AsyncFlick(base_url=MOCK_BASE_URL, throttle=False)


@pytest.mark.parametrize("key", ["flick_sk_x", MOCK_KEY, "flick_sk_" + "A" * 200, "flick_sk_~!@#$%^&*()"])
async def test_any_printable_key_with_the_prefix_is_taken(key: str) -> None:
    """The SDK does not guess the key's length or alphabet beyond the prefix: the server judges the rest."""
    async with AsyncFlick(key, base_url=MOCK_BASE_URL, throttle=False):
        pass


# -- the watched date on the world's calendars ---------------------------------------------------------


def _utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def test_tomorrow_in_utc_is_today_somewhere_and_is_taken() -> None:
    """At UTC+14 it is already tomorrow (UTC) for part of every day: that date is not in the future."""
    today = datetime.date(2026, 6, 1)
    body = ReviewInput(tmdb_id="1", media_type="movie", watched_date="2026-06-02").to_body(today=today)
    assert body["watched_date"] == "2026-06-02"


def test_two_days_ahead_of_utc_is_the_future_everywhere() -> None:
    """No calendar on Earth is two days ahead of UTC: that date is refused, named in the error."""
    review = ReviewInput(tmdb_id="1", media_type="movie", watched_date=datetime.date(2026, 6, 3))
    with pytest.raises(ValidationError) as caught:
        review.to_body(today=datetime.date(2026, 6, 1))
    assert (caught.value.field, caught.value.rule, caught.value.value) == (
        "watched_date",
        "must not be in the future",
        "2026-06-03",
    )


def test_without_a_today_the_utc_calendar_is_used() -> None:
    """By default today is UTC's date (not the machine's zone): tomorrow taken, the day after refused."""
    before = _utc_today()
    assert ReviewInput(tmdb_id="1", media_type="movie", watched_date=before + datetime.timedelta(days=1)).to_body()
    after = _utc_today()
    with pytest.raises(ValidationError):
        ReviewInput(tmdb_id="1", media_type="movie", watched_date=after + datetime.timedelta(days=2)).to_body()


def test_long_past_dates_are_taken() -> None:
    """The first film ever logged is as valid a watched date as yesterday."""
    body = ReviewInput(tmdb_id="1", media_type="movie", watched_date="1895-12-28").to_body()
    assert body["watched_date"] == "1895-12-28"


# -- season and episode numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        (
            {"media_type": "tv_episode", "season_number": 1, "episode_number": -1},
            "episode_number",
            "must be at least 0",
        ),
        (
            {"media_type": "tv_episode", "season_number": 1, "episode_number": "2"},
            "episode_number",
            "must be an integer",
        ),
        (
            {"media_type": "tv_episode", "season_number": 1, "episode_number": True},
            "episode_number",
            "must be an integer",
        ),
        (
            {"media_type": "tv_episode", "season_number": 1, "episode_number": 2.5},
            "episode_number",
            "must be an integer",
        ),
        ({"media_type": "movie", "episode_number": -3}, "episode_number", "must be at least 0"),
    ],
    ids=["negative", "string", "bool", "fraction", "negative-on-a-movie"],
)
def test_a_bad_episode_number_is_named(fields: dict[str, Any], field: str, rule: str) -> None:
    """A negative, fractional, string or bool episode number is refused, even where none is needed."""
    with pytest.raises(ValidationError) as caught:
        ReviewInput(tmdb_id="1396", **fields).to_body()
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_episode_and_season_zero_are_numbers() -> None:
    """Season 0 (specials) and episode 0 are real numbers, sent as given."""
    body = ReviewInput(tmdb_id="1396", media_type="tv_episode", season_number=0, episode_number=0).to_body()
    assert (body["season_number"], body["episode_number"]) == (0, 0)


def test_a_season_needs_no_episode_number() -> None:
    """`tv_season` requires a season only."""
    body = ReviewInput(tmdb_id="1396", media_type="tv_season", season_number=2).to_body()
    assert body == {"tmdb_id": "1396", "media_type": "tv_season", "season_number": 2}


# -- tags -------------------------------------------------------------------------------------------------


async def _sent_tags(httpx_mock: HTTPXMock, mock_client: AsyncFlick, tags: Any) -> Any:
    httpx_mock.add_response(method="POST", status_code=201, json={"review": review_json("r"), "deduplicated": False})
    await mock_client.reviews.create("27205", media_type="movie", tags=tags)
    return json.loads(httpx_mock.get_requests()[-1].content).get("tags")


async def test_tags_none_is_no_tags(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """`tags=None` means no tags: nothing sent, not an error and not `null`."""
    assert await _sent_tags(httpx_mock, mock_client, None) is None
    assert ReviewInput(tmdb_id="1", media_type="movie", tags=None).tags == ()


async def test_tags_as_a_set_send_each_tag_once(httpx_mock: HTTPXMock, mock_client: AsyncFlick) -> None:
    """A set's tags all go out (in the set's order), each once."""
    tags = {"rewatch", "cozy", "solo"}
    assert sorted(await _sent_tags(httpx_mock, mock_client, tags)) == sorted(tags)


@pytest.mark.parametrize("tags", [7, 7.5, True, object()], ids=["int", "float", "bool", "object"])
async def test_tags_that_are_not_iterable_are_refused(
    httpx_mock: HTTPXMock, mock_client: AsyncFlick, tags: object
) -> None:
    """A number (or any non-iterable) is not a list of tags: refused, naming `tags`, nothing sent."""
    with pytest.raises(ValidationError) as caught:
        await mock_client.reviews.create("27205", media_type="movie", tags=tags)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule) == ("tags", "must be a list of strings")
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("tags", [bytearray(b"cozy"), "cozy", b"cozy"], ids=["bytearray", "str", "bytes"])
def test_a_lone_string_is_not_a_list_of_tags(tags: object) -> None:
    """A string (or bytes) would be one tag per character: refused instead."""
    with pytest.raises(ValidationError) as caught:
        ReviewInput(tmdb_id="1", media_type="movie", tags=tags).to_body()  # type: ignore[arg-type]
    assert caught.value.field == "tags"


def test_twenty_tags_of_sixty_four_characters_are_taken() -> None:
    """Exactly the limits: 20 tags, each 64 characters."""
    tags = [f"{i:02d}" + "x" * 62 for i in range(20)]
    assert ReviewInput(tmdb_id="1", media_type="movie", tags=tags).to_body()["tags"] == tags


# -- what the error says was given ------------------------------------------------------------------------

LONG_REVIEW = "x" * 10_001
LONG_TAG = "t" * 65


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"tmdb_id": ""}, "tmdb_id", ""),
        ({"tmdb_id": None}, "tmdb_id", None),
        ({"rating": "9"}, "rating", "9"),
        ({"rating": True}, "rating", True),
        ({"rating": 10.5}, "rating", 10.5),
        ({"review": 42}, "review", 42),
        ({"review": LONG_REVIEW}, "review", 10_001),
        ({"watched_date": "2999-01-01"}, "watched_date", "2999-01-01"),
        ({"watched_date": datetime.date(2999, 1, 1)}, "watched_date", "2999-01-01"),
        ({"tags": 7}, "tags", 7),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags", 21),
        ({"tags": ["ok", 7]}, "tags[1]", 7),
        ({"tags": ["ok", LONG_TAG]}, "tags[1]", LONG_TAG),
        ({"media_type": "tv_season"}, "season_number", None),
        ({"media_type": "tv_episode", "season_number": 1}, "episode_number", None),
        ({"media_type": "tv_season", "season_number": -1}, "season_number", -1),
        ({"media_type": "tv_episode", "season_number": 1, "episode_number": -1}, "episode_number", -1),
    ],
    ids=[
        "empty-id",
        "no-id",
        "string-rating",
        "bool-rating",
        "rating-above-10",
        "review-not-text",
        "long-review-by-length",
        "future-date-string",
        "future-date",
        "tags-number",
        "too-many-tags-by-count",
        "tag-not-text",
        "long-tag",
        "season-missing",
        "episode-missing",
        "negative-season",
        "negative-episode",
    ],
)
def test_the_error_carries_the_value_given(fields: dict[str, Any], field: str, value: object) -> None:
    """`error.value` is what was given (a length for over-long text, a count for too many tags), so a
    bulk job's report can show each refused item's bad value; None for a field that is missing."""
    review = {"tmdb_id": "27205", "media_type": "movie", **fields}
    with pytest.raises(ValidationError) as caught:
        ReviewInput(**review).to_body()
    assert (caught.value.field, caught.value.value) == (field, value)


async def _call(call: Any, flick: AsyncFlick) -> None:
    result = call(flick)  # lists.items() raises at once; the coroutine methods when awaited
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(
    ("call", "field", "value"),
    [
        (lambda f: f.reviews.list(page=0), "page", 0),
        (lambda f: f.reviews.list(page="2"), "page", "2"),
        (lambda f: f.reviews.list(limit=101), "limit", 101),
        (lambda f: f.resolve(None), "title", None),
        (lambda f: f.resolve(""), "title", ""),
        (lambda f: f.resolve("Heat", year="1995"), "year", "1995"),
        (lambda f: f.resolve("Heat", media_type="film"), "media_type", "film"),
        (lambda f: f.resolve("bad \ud83d"), "title", "bad \ud83d"),
        (lambda f: f.lists.items(""), "list_id", ""),
        (lambda f: f.reviews.create("1", media_type="film"), "media_type", "film"),
        (lambda f: f.reviews.create("1", media_type="movie", watched_date="2026/06/01"), "watched_date", "2026/06/01"),
        (lambda f: f.reviews.create("1", media_type="movie", watched_date=20260601), "watched_date", 20260601),
        (
            lambda f: f.reviews.create("1", media_type="movie", watched_date=datetime.datetime(2026, 6, 1, 12)),
            "watched_date",
            datetime.datetime(2026, 6, 1, 12),
        ),
    ],
    ids=[
        "page",
        "page-string",
        "limit",
        "title-none",
        "title-empty",
        "year",
        "resolve-type",
        "surrogate",
        "list-id",
        "media-type",
        "date-format",
        "date-int",
        "datetime",
    ],
)
async def test_every_refusal_carries_the_value_given(
    mock_client: AsyncFlick, call: Any, field: str, value: object
) -> None:
    """Whatever the call, the error names the field and holds the value that broke the rule."""
    with pytest.raises(ValidationError) as caught:
        await _call(call, mock_client)
    assert (caught.value.field, caught.value.value) == (field, value)


# -- items of a bulk write given as mappings --------------------------------------------------------------


def test_a_mapping_with_every_field_is_a_review() -> None:
    """A dict may carry all eight fields of `reviews.create()`."""
    item: dict[str, Any] = {
        "tmdb_id": "1396",
        "media_type": "tv_episode",
        "season_number": 1,
        "episode_number": 2,
        "rating": 8,
        "review": "Good.",
        "watched_date": "2026-05-01",
        "tags": ["pilot"],
    }
    assert ReviewInput.coerce(item) == ReviewInput(**item)


@pytest.mark.parametrize(
    ("item", "field", "rule", "value"),
    [
        ({"tmdb_id": "1", "media_type": "movie", "score": 9}, "score", "is not a review field", 9),
        ({"media_type": "movie"}, "tmdb_id", "is required", None),
        ({"tmdb_id": "1"}, "media_type", "is required", None),
        (["1", "movie"], "item", "must be a ReviewInput or a mapping of review fields", ["1", "movie"]),
    ],
    ids=["unknown-field", "no-id", "no-type", "not-a-mapping"],
)
def test_a_mapping_that_is_not_a_review_is_named(item: Any, field: str, rule: str, value: object) -> None:
    """An unknown key, a missing required one, or something that is no mapping: the error says which."""
    with pytest.raises(ValidationError) as caught:
        ReviewInput.coerce(item)
    assert (caught.value.field, caught.value.rule, caught.value.value) == (field, rule, value)


def test_to_request_judges_the_date_by_the_today_given() -> None:
    """`to_request(today=)` is the same check as `to_body(today=)`: a date is future relative to that day."""
    review = ReviewInput(tmdb_id="1", media_type="movie", watched_date="2999-01-02")
    assert review.to_request(today=datetime.date(2999, 1, 1)).to_dict()["watched_date"] == "2999-01-02"
    with pytest.raises(ValidationError):
        review.to_request()


@pytest.fixture(params=["XST-14", "XST+12"], ids=["machine-at-utc+14", "machine-at-utc-12"])
def machine_time_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine whose local zone is UTC+14 or UTC−12 (a day apart from UTC for half of each day)."""
    monkeypatch.setenv("TZ", str(request.param))
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("machine_time_zone")
def test_the_future_is_judged_on_utcs_calendar_whatever_the_machines_zone() -> None:
    """Far east or west of UTC, tomorrow in UTC is taken and the day after refused, as on a UTC machine."""
    today = _utc_today()
    ReviewInput(tmdb_id="1", media_type="movie", watched_date=today + datetime.timedelta(days=1)).to_body()
    with pytest.raises(ValidationError):
        ReviewInput(tmdb_id="1", media_type="movie", watched_date=_utc_today() + datetime.timedelta(days=2)).to_body()


@pytest.mark.parametrize(
    ("call", "field", "value"),
    [
        (lambda f: f.resolve(42), "title", 42),
        (lambda f: f.resolve("x" * 201), "title", 201),
        (lambda f: f.reviews.create(["27205"], media_type="movie"), "tmdb_id", ["27205"]),
    ],
    ids=["title-not-text", "long-title-by-length", "id-not-text"],
)
async def test_a_value_of_the_wrong_kind_or_length_is_carried(
    mock_client: AsyncFlick, call: Any, field: str, value: object
) -> None:
    """A value of the wrong type is carried as given; an over-long one by its length."""
    with pytest.raises(ValidationError) as caught:
        await _call(call, mock_client)
    assert (caught.value.field, caught.value.value) == (field, value)
