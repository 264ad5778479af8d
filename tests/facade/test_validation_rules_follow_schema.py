"""The bounds the SDK checks are the schema's, whatever the regenerated schema says (issue #16).

`flick_api._rules` is generated from `openapi.json`; teams regenerate whenever the schema changes.
Today it bounds a rating on both sides and a year on neither; a new schema may bound one side, both
or none. These tests give `_rules` each shape and check what a caller is told.
"""

from __future__ import annotations

import pytest
from flick_api import _rules

from flick_async import ReviewInput, ValidationError
from flick_async._validation import check_resolve


def _rating_error(rating: float) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ReviewInput(tmdb_id="27205", media_type="movie", rating=rating).to_body()
    assert caught.value.field == "rating"
    return caught.value


@pytest.mark.parametrize(
    ("low", "high", "rating", "rule"),
    [
        (0, 10, 11.0, "must be between 0 and 10"),
        (0.5, None, 0.0, "must be at least 0.5"),
        (None, 5, 6.0, "must be at most 5"),
        (None, None, float("nan"), "must be a number"),
    ],
)
def test_a_rating_out_of_the_schemas_bounds_names_exactly_the_bounds_it_has(
    monkeypatch: pytest.MonkeyPatch, low: float | None, high: float | None, rating: float, rule: str
) -> None:
    monkeypatch.setattr(_rules, "RATING_MINIMUM", low)
    monkeypatch.setattr(_rules, "RATING_MAXIMUM", high)
    assert _rating_error(rating).rule == rule


def test_a_schema_without_rating_bounds_takes_any_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_rules, "RATING_MINIMUM", None)
    monkeypatch.setattr(_rules, "RATING_MAXIMUM", None)
    assert ReviewInput(tmdb_id="27205", media_type="movie", rating=-3.5).to_body()["rating"] == -3.5


def test_todays_schema_bounds_no_year() -> None:
    assert check_resolve("Inception", -1, None)["year"] == -1


@pytest.mark.parametrize(
    ("year", "rule"),
    [(1873, "must be at least 1874"), (2101, "must be at most 2100")],
)
def test_a_year_bounded_by_the_schema_is_checked_on_both_sides(
    monkeypatch: pytest.MonkeyPatch, year: int, rule: str
) -> None:
    monkeypatch.setattr(_rules, "YEAR_MINIMUM", 1874)
    monkeypatch.setattr(_rules, "YEAR_MAXIMUM", 2100)
    with pytest.raises(ValidationError) as caught:
        check_resolve("Inception", year, None)
    assert (caught.value.field, caught.value.rule, caught.value.value) == ("year", rule, year)
    assert check_resolve("Inception", 1874, None)["year"] == 1874
    assert check_resolve("Inception", 2100, None)["year"] == 2100


@pytest.mark.parametrize(
    ("minimum", "rule"), [(1, "must be a non-empty string"), (3, "must be at least 3 characters long")]
)
def test_a_tmdb_id_shorter_than_the_schemas_minimum_is_told_the_minimum(
    monkeypatch: pytest.MonkeyPatch, minimum: int, rule: str
) -> None:
    monkeypatch.setattr(_rules, "TMDB_ID_MIN_LENGTH", minimum)
    short = "12"[: minimum - 1]
    with pytest.raises(ValidationError) as caught:
        ReviewInput(tmdb_id=short, media_type="movie").to_body()
    assert (caught.value.field, caught.value.rule, caught.value.value) == ("tmdb_id", rule, short)


@pytest.mark.parametrize(("length", "quoted"), [(200, True), (201, False)])
def test_a_too_long_value_is_quoted_up_to_200_characters_and_otherwise_only_measured(length: int, quoted: bool) -> None:
    tag = "x" * length
    with pytest.raises(ValidationError) as caught:
        ReviewInput(tmdb_id="27205", media_type="movie", tags=[tag]).to_body()
    assert caught.value.field == "tags[0]"
    assert caught.value.value == (tag if quoted else length)
