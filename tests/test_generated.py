"""The generated flick_api models tolerate a beta server that adds fields and enum values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from flick_api.models import (
    Candidate,
    Confidence,
    ErrorCode,
    ErrorEnvelope,
    Media,
    MediaType,
    ResolvableMediaType,
    Review,
    ReviewBatchResult,
    ReviewSource,
)

# (enum, a value the schema lists, its member, a value it does not list)
ENUMS: list[tuple[type[StrEnum], str, StrEnum, str]] = [
    (MediaType, "tv_episode", MediaType.TV_EPISODE, "short"),
    (ReviewSource, "api", ReviewSource.API, "letterboxd_sync"),
    (Confidence, "low", Confidence.LOW, "certain"),
    (ErrorCode, "media_not_found", ErrorCode.MEDIA_NOT_FOUND, "quota_exceeded"),
    (ResolvableMediaType, "movie", ResolvableMediaType.MOVIE, "tv_season"),
]
ENUM_IDS = [enum.__name__ for enum, _, _, _ in ENUMS]


@pytest.mark.parametrize(("enum", "known", "member", "unknown"), ENUMS, ids=ENUM_IDS)
def test_known_value_is_the_canonical_member(enum: type[StrEnum], known: str, member: StrEnum, unknown: str) -> None:
    """A listed value parses to the enum's own member, not a look-alike."""
    assert enum(known) is member


@pytest.mark.parametrize(("enum", "known", "member", "unknown"), ENUMS, ids=ENUM_IDS)
def test_unknown_value_parses(enum: type[StrEnum], known: str, member: StrEnum, unknown: str) -> None:
    """An unlisted string parses to a member of the enum that equals, prints and serialises as that string."""
    parsed = enum(unknown)
    assert isinstance(parsed, enum)
    assert parsed == unknown
    assert (str(parsed), parsed.value, f"{parsed}") == (unknown, unknown, unknown)
    assert parsed != member
    assert unknown not in {m.value for m in enum}  # the class itself is not widened


@pytest.mark.parametrize(("enum", "known", "member", "unknown"), ENUMS, ids=ENUM_IDS)
def test_non_string_value_is_rejected(enum: type[StrEnum], known: str, member: StrEnum, unknown: str) -> None:
    """Tolerance covers new strings only: a value of the wrong type still raises ValueError."""
    not_a_string: Any = 7
    with pytest.raises(ValueError, match="7 is not a valid"):
        enum(not_a_string)


MEDIA = {"tmdb_id": "1396", "type": "tv_episode", "title": "Pilot", "year": 2008, "poster_url": None}
REVIEW = {
    "id": "rev_01J8Z3",
    "media": MEDIA,
    "rating": 9,
    "review": None,
    "watched_date": "2026-06-14",
    "tags": ["rewatch"],
    "source": "api",
    "created_at": "2026-06-14T20:31:00+00:00",
}
CANDIDATE = {
    "tmdb_id": "1396",
    "media_type": "tv",
    "title": "Breaking Bad",
    "year": 2008,
    "poster_url": None,
    "score": 0.98,
    "confidence": "high",
}

# (id, model, a payload with new fields and enum values a beta server might send)
PAYLOADS: list[tuple[str, Any, dict[str, Any]]] = [
    ("media-new-type-and-field", Media, {**MEDIA, "type": "short", "runtime_minutes": 12}),
    (
        "review-new-source-and-fields",
        Review,
        {**REVIEW, "source": "letterboxd_sync", "likes": 3, "media": {**MEDIA, "type": "short", "studio": "A24"}},
    ),
    ("candidate-new-confidence-and-field", Candidate, {**CANDIDATE, "confidence": "certain", "overview": "…"}),
    ("candidate-new-media_type", Candidate, {**CANDIDATE, "media_type": "tv_season"}),
    (
        "error-new-code-and-fields",
        ErrorEnvelope,
        {"error": {"code": "quota_exceeded", "message": "m", "details": {"limit": 5}, "hint": "h"}, "request_id": "r1"},
    ),
    (
        "batch-item-with-new-error-code",
        ReviewBatchResult,
        {
            "results": [
                {
                    "index": 0,
                    "created": False,
                    "deduplicated": False,
                    "review": None,
                    "error": {"code": "title_locked", "message": "m"},
                    "warnings": [],
                }
            ],
            "created_count": 0,
            "deduplicated_count": 0,
            "error_count": 1,
        },
    ),
]


@pytest.mark.parametrize(("model", "payload"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS])
def test_payload_round_trips(model: Any, payload: dict[str, Any]) -> None:
    """A payload with unknown fields and enum values parses, and to_dict() gives back the same payload."""
    assert model.from_dict(payload).to_dict() == payload


def test_unknown_fields_are_kept_in_additional_properties() -> None:
    """Unknown fields land in additional_properties, at every level, and not in the known attributes."""
    review = Review.from_dict({**REVIEW, "likes": 3, "media": {**MEDIA, "studio": "A24"}})
    assert review.additional_properties == {"likes": 3}
    assert review.media.additional_properties == {"studio": "A24"}
    assert review["likes"] == 3


def test_unknown_enum_values_reach_the_attributes() -> None:
    """A parsed model exposes an unknown enum value as a member of the attribute's enum type."""
    review = Review.from_dict({**REVIEW, "source": "letterboxd_sync", "media": {**MEDIA, "type": "short"}})
    assert isinstance(review.source, ReviewSource)
    assert review.source == "letterboxd_sync"
    assert isinstance(review.media.type_, MediaType)
    assert review.media.type_ == "short"
    error = ErrorEnvelope.from_dict({"error": {"code": "quota_exceeded", "message": "m"}}).error
    assert isinstance(error.code, ErrorCode)
    assert error.code == "quota_exceeded"


def test_known_enum_values_reach_the_attributes_as_members() -> None:
    """A parsed model holds the canonical member for a listed value, so `is` comparisons work."""
    review = Review.from_dict(REVIEW)
    assert review.source is ReviewSource.API
    assert review.media.type_ is MediaType.TV_EPISODE
    assert Candidate.from_dict(CANDIDATE).confidence is Confidence.HIGH
