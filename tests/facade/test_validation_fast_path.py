"""The bulk-write fast paths keep what they replace (#13).

- `fast_body` (validation of a plain dict without building a `ReviewInput`) returns exactly the
  body `ReviewInput.coerce(item).to_body()` gives, or None; it never accepts what `to_body`
  refuses, so every verdict and every error stay `to_body`'s.
- `_json` decodes to the same values and fails on the same inputs as `json.loads`, and encodes
  bodies httpx's encoder would send.
- A stored item handed in as a dict becomes a `ReviewInput` when `outcome.input` is read; a
  failed or uncertain one holds its `ReviewInput` at once.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async import AsyncFlick, ReviewInput, ValidationError, _json, _validation
from flick_async._validation import fast_body, latest_watched_date

from .helpers import MOCK_BASE_URL, review_json

TODAY = datetime.datetime.now(datetime.UTC).date()
LATEST = latest_watched_date()

# Values near every rule's edges, of the types users hand in, plus ones that must defer.
_TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "27205", "é", "\ud83d", "x" * 64, "x" * 65, "x" * 10_000, "x" * 10_001, "a\nb"]),
)
_ODD: st.SearchStrategy[Any] = st.sampled_from(
    [None, True, False, 0, 1, -1, 2.0, 1.5, float("nan"), float("inf"), b"27205", ["x"], {}]
)
_DATES = st.sampled_from(
    [
        "2026-05-01",
        (TODAY + datetime.timedelta(days=1)).isoformat(),
        (TODAY + datetime.timedelta(days=2)).isoformat(),
        "2026-02-30",
        "2026-W01-1",
        "20260501",
        "2026-5-1",
        "０２０２-01-01",
        TODAY,
        TODAY + datetime.timedelta(days=2),
        datetime.datetime(2026, 5, 1),
    ]
)
_TAGS = st.one_of(
    st.lists(_TEXT, max_size=22),
    st.lists(_TEXT, max_size=3).map(tuple),
    st.sampled_from(["drama", ("a", 1), [None], (t for t in ["gen"]), {"a": 1}, [b"x"]]),
)
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "tmdb_id": st.one_of(_TEXT, _ODD, st.integers(-5, 10**6)),
    "media_type": st.one_of(st.sampled_from(["movie", "tv", "tv_season", "tv_episode", "film", "MOVIE"]), _ODD),
    "season_number": st.one_of(st.integers(-2, 3), _ODD),
    "episode_number": st.one_of(st.integers(-2, 3), _ODD),
    "rating": st.one_of(st.floats(-1, 11), st.integers(-1, 11), _ODD),
    "review": st.one_of(_TEXT, _ODD),
    "watched_date": st.one_of(_DATES, _ODD),
    "tags": st.one_of(_TAGS, _ODD),
    "spoilers": st.just(True),  # not a review field
}


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(_FIELDS)), unique=True))
    # Mostly the usual shape, so that accepted items are drawn often too.
    if draw(st.booleans()):
        names = [n for n in names if n != "spoilers"]
        names += [n for n in ("tmdb_id", "media_type") if n not in names]
    return {name: draw(_FIELDS[name]) for name in names}


def _full_path(item: dict[str, Any]) -> dict[str, Any] | ValidationError:
    try:
        return ReviewInput.coerce(item).to_body()
    except ValidationError as error:
        return error


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(items())
def test_fast_body_is_to_body_or_defers(item: dict[str, Any]) -> None:
    """Whatever the item, the fast path gives `to_body`'s body or None (never a body `to_body` refuses)."""
    fast = fast_body(item, LATEST)  # tags in a generator: it defers before reading them
    full = _full_path(item)
    if fast is not None:
        assert not isinstance(full, ValidationError), f"fast path accepted what to_body refuses: {full}"
        assert fast == full
        # Built in to_body's key order, or the item itself (nothing to convert): the caller's order.
        assert list(fast) == list(full) or fast is item


@pytest.mark.parametrize(
    "item",
    [
        {"tmdb_id": "27205", "media_type": "movie"},
        {"tmdb_id": "27205", "media_type": "movie", "rating": 9, "review": "Great", "watched_date": "2026-05-01"},
        {"tmdb_id": "1399", "media_type": "tv_episode", "season_number": 1, "episode_number": 2, "tags": ["a", "b"]},
        {"tmdb_id": "1399", "media_type": "tv_season", "season_number": 0, "rating": 0.0, "tags": ()},
        {"tmdb_id": "27205", "media_type": "movie", "review": "Très bien 🎬", "watched_date": TODAY},
        {"tmdb_id": "27205", "media_type": "movie", "rating": None, "review": None, "tags": None},
    ],
)
def test_fast_body_takes_the_usual_items(item: dict[str, Any]) -> None:
    """The items bulk jobs are made of take the fast path (it is not a path that always defers)."""
    assert fast_body(item, LATEST) == ReviewInput.coerce(item).to_body()


def test_items_at_every_edge_still_take_the_fast_path() -> None:
    """Bulk jobs hand in items at the rules' edges too: every field given, the most tags of the
    longest length, non-ASCII text, the latest date allowed, the top rating. They are accepted at
    once (the fast path is only worth having if it does not defer on what `to_body` accepts)."""
    item: dict[str, Any] = {
        "tmdb_id": "27205é",
        "media_type": "tv_episode",
        "season_number": _validation._SEASON_MIN,
        "episode_number": _validation._EPISODE_MIN,
        "rating": float(_validation._RATING_MAX),
        "review": "é" * _validation._REVIEW_MAX,
        "watched_date": LATEST.isoformat(),
        "tags": ["é" * _validation.MAX_TAG] * _validation.MAX_TAGS,
    }
    assert item.keys() == _validation._REVIEW_FIELDS
    assert fast_body(item, LATEST) is item
    assert fast_body(item, LATEST) == ReviewInput.coerce(item).to_body()


def test_the_latest_watched_date_is_a_day_past_utcs_today_on_both_paths() -> None:
    """A review written in UTC+14 may be dated a day past UTC's today; two days past is refused."""
    assert latest_watched_date(datetime.date(2026, 12, 31)) == datetime.date(2027, 1, 1)
    for date, accepted in ((LATEST, True), (LATEST + datetime.timedelta(days=1), False)):
        item = {"tmdb_id": "27205", "media_type": "movie", "watched_date": date.isoformat()}
        assert (fast_body(item, LATEST) is not None) is accepted
        assert (not isinstance(_full_path(item), ValidationError)) is accepted


@pytest.mark.parametrize("field", ["season_number", "episode_number", "rating", "review", "watched_date", "tags"])
def test_a_field_given_as_none_is_left_out_of_the_body(field: str) -> None:
    """`{"rating": None}` means no rating: the body leaves the key out, as `to_body`'s does."""
    item: dict[str, Any] = {"tmdb_id": "27205", "media_type": "tv_season", "season_number": 1, field: None}
    if field == "season_number":
        item["media_type"] = "movie"
    body = fast_body(item, LATEST)
    assert body is not None
    assert body is not item
    assert field not in body
    assert body == ReviewInput.coerce(item).to_body()


def test_an_episode_with_a_value_to_convert_keeps_its_season_and_episode() -> None:
    item = {"tmdb_id": "1399", "media_type": "tv_episode", "season_number": 1, "episode_number": 2, "rating": 7}
    body = fast_body(item, LATEST)
    assert body == {
        "tmdb_id": "1399",
        "media_type": "tv_episode",
        "season_number": 1,
        "episode_number": 2,
        "rating": 7.0,
    }
    assert body == ReviewInput.coerce(item).to_body()


def test_fast_body_is_the_item_only_when_nothing_needs_converting() -> None:
    """An item already in the body's form is its own body; one with a None, an int rating, a date
    object or empty tags gets a body of its own (the item is never changed)."""
    plain = {"tmdb_id": "27205", "media_type": "movie", "rating": 9.0, "watched_date": "2026-05-01", "tags": ["a"]}
    assert fast_body(plain, LATEST) is plain
    changes: list[dict[str, Any]] = [
        {"rating": 9},
        {"review": None},
        {"watched_date": TODAY},
        {"tags": []},
        {"tags": ("a",)},
        {"season_number": None},
    ]
    for change in changes:
        item = {**plain, **change}
        before = dict(item)
        body = fast_body(item, LATEST)
        assert body is not item
        assert body == ReviewInput.coerce(item).to_body()
        assert item == before


@pytest.mark.parametrize(
    "change",
    [
        {"media_type": "tv_season"},  # no season_number
        {"media_type": "tv_episode", "season_number": 1},  # no episode_number
        {"rating": 10.5},
        {"rating": float("nan")},
        {"rating": True},
        {"season_number": -1},
        {"watched_date": (TODAY + datetime.timedelta(days=2)).isoformat()},
        {"watched_date": "2026-02-30"},
        {"watched_date": "2026-W01-1"},
        {"review": "x" * 10_001},
        {"review": "half an emoji \ud83d"},
        {"tags": ["x" * 65]},
        {"tags": [str(i) for i in range(21)]},
        {"tags": "drama"},
        {"tmdb_id": ""},
        {"spoilers": True},
    ],
)
def test_fast_body_defers_on_every_broken_rule(change: dict[str, Any]) -> None:
    """One case per rule: the fast path defers, and the full path names the field."""
    item = {"tmdb_id": "27205", "media_type": "movie", **change}
    assert fast_body(item, LATEST) is None
    assert isinstance(_full_path(item), ValidationError)


def test_the_date_cache_stays_bounded() -> None:
    """Watched dates read are remembered, up to a bound."""
    start = datetime.date(1900, 1, 1)
    for day in range(3 * _validation._DATES_HELD):
        date = (start + datetime.timedelta(days=day)).isoformat()
        assert fast_body({"tmdb_id": "1", "media_type": "movie", "watched_date": date}, LATEST) is not None
    assert len(_validation._DATES) <= _validation._DATES_HELD


# -- JSON -----------------------------------------------------------------------------------------

_JSON_CASES = [
    b'{"a": [1, 2.5, "x", null, true]}',
    b'{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',  # past 64 bits
    b'{"nan": NaN, "inf": -Infinity}',  # json reads these, msgspec refuses
    b'{"lone": "\\ud83d"}',  # a lone surrogate escape: json reads it
    b'{"dup": 1, "dup": 2}',
    b"\xef\xbb\xbf{}",  # a UTF-8 BOM
    b"[1e400, 1e-400]",
    '{"utf16": 1}'.encode("utf-16"),
    b"",
    b"{",
    b'{"a": 1} x',
    b"\xff",
    b"[" * 100_000,
]


@pytest.mark.parametrize("content", _JSON_CASES)
def test_loads_is_json_loads(content: bytes) -> None:
    """Same values where json.loads reads the body, the same kind of error where it fails."""
    try:
        expected: Any = json.loads(content)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            _json.loads(content)
    else:
        got = _json.loads(content)
        assert json.dumps(got, allow_nan=True) == json.dumps(expected, allow_nan=True)


@pytest.mark.parametrize(
    "body",
    [
        {"reviews": [{"tmdb_id": "27205", "rating": 4.5, "review": 'é \u2028 " \\ \n \x01 😀', "tags": ["a"]}]},
        {"reviews": [{"season_number": 10**30}]},  # past 64 bits: the standard library writes it
    ],
)
def test_dumps_sends_what_httpx_would(body: dict[str, Any]) -> None:
    """The bytes decode to the body, as httpx's `json=` encoding does."""
    sent = httpx.Request("POST", "http://x/", json=body).content
    assert json.loads(_json.dumps(body)) == json.loads(sent) == body


def test_dumps_refuses_what_httpx_refuses() -> None:
    """A lone surrogate cannot be sent either way (validation refuses it before this)."""
    with pytest.raises(UnicodeEncodeError):
        httpx.Request("POST", "http://x/", json={"t": "\ud83d"})
    with pytest.raises(UnicodeEncodeError):
        _json.dumps({"t": "\ud83d"})


# -- outcome.input ------------------------------------------------------------------------------


def _batch_answer(request: httpx.Request) -> httpx.Response:
    sent = json.loads(request.content)["reviews"]
    results = [
        {"index": i, "created": True, "deduplicated": False, "review": review_json(f"rev_{i}"), "error": None}
        if body.get("review") != "lost"
        else {"index": i, "created": False, "deduplicated": False, "review": None, "error": None}
        for i, body in enumerate(sent)
    ]
    return httpx.Response(200, json={"results": results, "created_count": len(sent), "deduplicated_count": 0})


async def test_outcome_input_of_a_dict_is_its_review_input() -> None:
    """Stored: built when read, equal to `ReviewInput(**row)`; uncertain: held as a ReviewInput at once,
    so that a dict changed after the job does not change what is re-sent."""
    rows: list[dict[str, Any]] = [
        {"tmdb_id": "27205", "media_type": "movie", "rating": 9, "review": "kept", "tags": ["a"]},
        {"tmdb_id": "27205", "media_type": "movie", "rating": 8, "review": "lost", "tags": ["b"]},
    ]
    expected = [ReviewInput(**row) for row in rows]
    transport = httpx.MockTransport(_batch_answer)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncFlick("flick_sk_test_0123456789", base_url=MOCK_BASE_URL, http_client=http, throttle=False) as flick,
    ):
        result = await flick.reviews.create_many(rows)
    stored, uncertain = result.outcomes
    assert (stored.status, uncertain.status) == ("created", "uncertain")
    assert type(uncertain._input) is ReviewInput  # taken as it was
    rows[1]["rating"] = 1
    assert uncertain.input == expected[1]
    assert stored.input == expected[0]
    assert stored.input is stored.input  # built once
    assert type(stored.input) is ReviewInput
