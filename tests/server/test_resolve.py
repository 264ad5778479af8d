"""GET /resolve: fuzzy matching, scores and confidence, year and media_type, aliases, no-match."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flick_async.testing import Catalog, Title
from flick_async.testing._resolve import normalize


async def resolve(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    """The JSON of a successful resolve."""
    response = await http.get("/resolve", params=params)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("The Godfather", "godfather"),
        ("A Quiet Place", "quiet place"),
        ("An Education", "education"),
        ("The", "the"),
        ("Amélie", "amelie"),
        ("Schindler's List", "schindlers list"),
        ("Mad Max: Fury Road", "mad max fury road"),
        ("Fast & Furious", "fast and furious"),
        ("  WALL·E  ", "wall e"),
        ("千と千尋の神隠し", "千と千尋の神隠し"),
    ],
)
def test_normalisation(raw: str, normalised: str) -> None:
    """Case, accents, punctuation, `&` and a leading article are folded away; a lone article stays."""
    assert normalize(raw) == normalised


async def test_exact_title_and_year_is_high_and_first(http: httpx.AsyncClient) -> None:
    """An exact title with its exact year scores 1.0, high, first; namesakes of other years follow, lower."""
    body = await resolve(http, title="Halloween", year=2018)
    assert body["match"] == {
        "tmdb_id": "424139",
        "media_type": "movie",
        "title": "Halloween",
        "year": 2018,
        "poster_url": "https://posters.flick.test/w500/movie/424139.jpg",
        "score": 1.0,
        "confidence": "high",
    }
    assert body["candidates"][0] == body["match"]
    assert (body["candidates"][1]["tmdb_id"], body["candidates"][1]["score"]) == ("948", 0.8)


async def test_same_named_titles_without_a_year_are_not_high(http: httpx.AsyncClient) -> None:
    """Without a year, two exact namesakes tie and neither is high confidence."""
    body = await resolve(http, title="halloween")
    assert [(c["year"], c["score"], c["confidence"]) for c in body["candidates"][:2]] == [
        (1978, 1.0, "medium"),
        (2018, 1.0, "medium"),
    ]


@pytest.mark.parametrize(
    ("title", "tmdb_id"),
    [
        ("the shawshank redemption", "278"),
        ("SHAWSHANK REDEMPTION", "278"),
        ("Amelie", "194"),
        ("godfather", "238"),
        ("Shawshenk Redemtion", "278"),
        ("Forest Gump", "13"),
        ("fight-club", "550"),
        ("Le fabuleux destin d'Amelie Poulain", "194"),
        ("千と千尋の神隠し", "129"),
        ("기생충", "496243"),
    ],
    ids=["article", "case", "accents", "no-article", "typos", "typo", "punctuation", "alias", "alias-cjk", "alias-ko"],
)
async def test_tolerant_matching(http: httpx.AsyncClient, title: str, tmdb_id: str) -> None:
    """Case, punctuation, accents, leading articles, small typos and aliases all find the title."""
    body = await resolve(http, title=title)
    assert body["match"]["tmdb_id"] == tmdb_id
    assert body["match"]["confidence"] == "high"


async def test_media_type_filters(http: httpx.AsyncClient) -> None:
    """media_type=tv returns only shows; movie only films."""
    shows = await resolve(http, title="Breaking Bad", media_type="tv")
    films = await resolve(http, title="Breaking Bad", media_type="movie")
    assert {c["media_type"] for c in shows["candidates"]} == {"tv"}
    assert shows["match"]["title"] == "Breaking Bad"
    assert {c["media_type"] for c in films["candidates"]} == {"movie"}
    assert films["match"]["title"] == "Breaking Bad Movie Night"


async def test_year_narrows_the_office(http: httpx.AsyncClient) -> None:
    """Two shows called The Office: the year picks one with high confidence."""
    body = await resolve(http, title="The Office", year=2001)
    assert (body["match"]["tmdb_id"], body["match"]["confidence"]) == ("2996", "high")
    assert body["candidates"][1]["tmdb_id"] == "2316"


async def test_nothing_plausible_is_a_null_match(http: httpx.AsyncClient) -> None:
    """Gibberish gives match null and no candidates, with a 200."""
    assert await resolve(http, title="qwertyuiop zxcvb") == {"match": None, "candidates": []}
    assert await resolve(http, title="!!!") == {"match": None, "candidates": []}


async def test_containing_the_query_is_not_being_it(http: httpx.AsyncClient) -> None:
    """ "Godfather" matches The Godfather exactly; The Godfather Part II is a lesser, medium candidate."""
    body = await resolve(http, title="Godfather")
    scores = {c["tmdb_id"]: (c["score"], c["confidence"]) for c in body["candidates"]}
    assert scores["238"] == (1.0, "high")
    assert scores["240"][1] == "medium"
    assert scores["240"][0] < 0.9


def test_at_most_five_ranked_candidates_with_valid_scores() -> None:
    """Ten plausible titles: five candidates, sorted by score, each in 0–1, catalog order breaking ties."""
    catalog = Catalog([Title(str(i), "movie", f"Halloween {i}", 2000 + i) for i in range(10)])
    found = catalog.resolver.resolve("Halloween")
    assert [c.title.tmdb_id for c in found] == ["0", "1", "2", "3", "4"]
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 1 for s in scores)
