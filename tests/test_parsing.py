"""The fast review parser agrees with the generated one on every input, odd ones included (#13)."""

from __future__ import annotations

from typing import Any

from flick_api.models import Review
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async._parsing import parse_review

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
