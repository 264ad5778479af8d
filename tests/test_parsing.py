"""The fast review parser agrees with the generated one on every input, odd ones included (#13)."""

from __future__ import annotations

import json
from typing import Any

from flick_api.models import Review
from hypothesis import event, given, settings
from hypothesis import strategies as st

from flick_async._parsing import _REVIEW_KEYS, parse_review, parse_review_page

_TEXT = st.text(max_size=8)
_MEDIA = st.fixed_dictionaries(
    {
        "tmdb_id": st.one_of(_TEXT, st.integers()),
        "type": st.one_of(st.sampled_from(["movie", "tv", "tv_season", "tv_episode"]), _TEXT, st.integers()),
        "title": _TEXT,
        "year": st.one_of(st.none(), st.integers(1900, 2100)),
        "poster_url": st.one_of(st.none(), _TEXT),
    },
    optional={"season_number": st.integers(0, 30), "episode_number": st.integers(0, 30), "show_title": _TEXT},
)
_REVIEW = st.fixed_dictionaries(
    {
        "id": _TEXT,
        "media": st.one_of(_MEDIA, st.none(), _TEXT),
        "rating": st.one_of(st.none(), st.floats(0, 10)),
        "review": st.one_of(st.none(), _TEXT),
        "watched_date": st.one_of(st.none(), st.dates().map(str), _TEXT, st.integers()),
        "tags": st.lists(_TEXT, max_size=3),
        "source": st.one_of(st.sampled_from(["app", "import", "api"]), _TEXT, st.integers()),
        "created_at": st.one_of(
            st.datetimes().map(lambda moment: moment.isoformat() + "Z"), st.just("2026-06-14T20:31:00Z"), _TEXT
        ),
    },
    optional={"extra": _TEXT},
)


def _outcome(parse: Any, data: dict[str, Any]) -> object:
    try:
        return parse(data)
    except Exception as exc:  # the point is to compare what each raises
        return type(exc)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(_REVIEW, st.sampled_from([None, "id", "media", "tags", "created_at"]))
def test_fast_parser_agrees_with_the_generated_one(data: dict[str, Any], drop: str | None) -> None:
    """Equal models, or the same exception, for documented shapes, extra keys and missing ones."""
    if drop is not None:
        data = {key: value for key, value in data.items() if key != drop}
    expected = _outcome(Review.from_dict, dict(data))
    assert _outcome(parse_review, data) == expected


_ENVELOPE = st.fixed_dictionaries(
    {},
    optional={
        "total": st.one_of(st.none(), st.integers(-1, 500), _TEXT),
        "page": st.one_of(st.none(), st.integers(-1, 9)),
        "limit": st.one_of(st.none(), st.integers(-1, 100)),
        "has_more": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
        "next_cursor": st.one_of(st.none(), _TEXT, st.integers()),
        "extra": _TEXT,
    },
)
_DOCUMENTED = _REVIEW_KEYS  # the keys a review read from its bytes must have
# Mostly reviews the bytes reader reads (a media object, parseable dates), so that each of its
# fields is compared often; `_REVIEW`'s odd ones mixed in.
_PAGE_REVIEW = st.one_of(
    _REVIEW,
    st.builds(
        lambda data, media, moment: {**data, "media": media, "created_at": moment},
        _REVIEW,
        _MEDIA,
        st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    ),
)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(_PAGE_REVIEW, st.sampled_from([None, None, None, None, "id", "media", "tags", "created_at"])),
        max_size=4,
    ),
    _ENVELOPE,
)
def test_page_read_from_bytes_agrees_with_the_general_reading(
    items: list[tuple[dict[str, Any], str | None]], envelope: dict[str, Any]
) -> None:
    """The bytes reader gives the models `json.loads` + `Review.from_dict` give, or hands the page back.

    And it hands back only what it must: a page whose reviews all have exactly the documented
    keys and parse is read by it (else the test could pass with a reader that never reads).
    """
    reviews = [{key: value for key, value in data.items() if key != drop} for data, drop in items]
    body = json.dumps({"data": reviews, **envelope}).encode()
    read = parse_review_page(body)
    event("read from the bytes" if read is not None else "handed back")
    outcomes = [_outcome(Review.from_dict, dict(review)) for review in reviews]
    readable = all(review.keys() == _DOCUMENTED for review in reviews) and all(
        isinstance(outcome, Review) for outcome in outcomes
    )
    if read is None:
        assert not readable
        return
    assert read[0] == outcomes
    assert all(model.additional_properties == {} for model in read[0])
    assert read[1] == {key: value for key, value in envelope.items() if key != "extra"}


def test_page_bytes_that_are_not_a_page_are_handed_back() -> None:
    for body in (b"", b"[]", b'{"data": 3}', b'{"data": [1]}', b"\xff", b'{"data": [], "total": NaN}'):
        assert parse_review_page(body) is None
