"""The catalog: CSV formats, their errors, seasons and episodes, the built-in demo files."""

from __future__ import annotations

from pathlib import Path

import pytest

from flick_async.testing import Catalog, CatalogError, Title
from flick_async.testing._catalog import MediaRef

from .conftest import CATALOG_CSV, EPISODES_CSV


def test_titles_aliases_and_optional_columns(catalog: Catalog) -> None:
    """Rows load with their year and `|`-separated aliases; a movie and a show may share an id."""
    assert catalog.get("movie", "129") == Title(
        "129", "movie", "Spirited Away", 2001, ("Sen to Chihiro no Kamikakushi", "千と千尋の神隠し")
    )
    assert catalog.get("tv", "1396") == Title("1396", "tv", "Breaking Bad", 2008)
    assert catalog.get("movie", "1396") == Title("1396", "movie", "Breaking Bad Movie Night", 2020)
    assert catalog.get("tv", "129") is None
    assert len(catalog) == 18


def test_aliases_column_and_year_may_be_left_out() -> None:
    """A catalog without the aliases column, with an empty year, loads."""
    catalog = Catalog.from_csv_text("tmdb_id,media_type,title,year\n7,movie,Untitled,\n")
    assert list(catalog) == [Title("7", "movie", "Untitled", None)]


def test_a_season_exists_exactly_when_it_has_an_episode(catalog: Catalog) -> None:
    """Seasons come from episode rows; a show with no rows has no seasons."""
    assert catalog.seasons("1396") == {1: {1: "Pilot", 2: "Cat's in the Bag..."}, 2: {1: "Seven Thirty-Seven"}}
    assert catalog.seasons("2316") == {}
    assert catalog.media(MediaRef("1396", "tv_season", 2)) == {
        "tmdb_id": "1396",
        "type": "tv_season",
        "title": "Season 2",
        "year": 2008,
        "poster_url": "https://posters.flick.test/w500/tv/1396.jpg",
        "season_number": 2,
        "show_title": "Breaking Bad",
    }
    assert catalog.media(MediaRef("1396", "tv_season", 3)) is None
    assert catalog.media(MediaRef("1396", "tv_episode", 2, 2)) is None


def test_media_objects_omit_season_fields_for_movies_and_shows(catalog: Catalog) -> None:
    """Movies and shows carry exactly tmdb_id, type, title, year and poster_url."""
    assert catalog.media(MediaRef("238", "movie")) == {
        "tmdb_id": "238",
        "type": "movie",
        "title": "The Godfather",
        "year": 1972,
        "poster_url": "https://posters.flick.test/w500/movie/238.jpg",
    }


@pytest.mark.parametrize(
    ("catalog_csv", "episodes_csv", "message"),
    [
        ("id,type,title\n", "", "<catalog>: the header lacks tmdb_id, media_type, year"),
        ("tmdb_id,media_type,title,year\n1,film,X,2000\n", "", "<catalog>:2: media_type must be movie or tv"),
        ("tmdb_id,media_type,title,year\n1,movie,X,MMXX\n", "", "<catalog>:2: year must be an integer"),
        ("tmdb_id,media_type,title,year\n,movie,X,2000\n", "", "<catalog>:2: tmdb_id and title are required"),
        ("tmdb_id,media_type,title,year\n1,movie,X,\n1,movie,Y,\n", "", "movie 1 is listed twice"),
        (
            CATALOG_CSV,
            "show_tmdb_id,season_number,episode_number,title\n238,1,1,Nope\n",
            "no tv title with tmdb_id 238",
        ),
        (CATALOG_CSV, "show_tmdb_id,season_number,episode_number,title\n1396,one,1,X\n", "<episodes>:2: season_number"),
        (CATALOG_CSV, "show_tmdb_id,season,episode,title\n", "<episodes>: the header lacks season_number"),
    ],
    ids=[
        "header",
        "media-type",
        "year",
        "missing-id",
        "duplicate",
        "episode-of-a-movie",
        "season-number",
        "episode-header",
    ],
)
def test_malformed_files_name_the_problem(catalog_csv: str, episodes_csv: str, message: str) -> None:
    """Every malformed row or header raises CatalogError naming the file and line."""
    with pytest.raises(CatalogError, match=message.replace("(", r"\(")):
        Catalog.from_csv_text(catalog_csv, episodes_csv)


def test_from_csv_reads_files(tmp_path: Path) -> None:
    """from_csv reads both files from disk (UTF-8)."""
    (tmp_path / "c.csv").write_text(CATALOG_CSV, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EPISODES_CSV, encoding="utf-8")
    catalog = Catalog.from_csv(tmp_path / "c.csv", tmp_path / "e.csv")
    assert (len(catalog), catalog.seasons("1399")) == (18, {1: {1: "Winter Is Coming"}})


def test_builtin_catalog_loads_and_is_shared() -> None:
    """The shipped demo files load, with episodes, once per process."""
    catalog = Catalog.builtin()
    assert catalog is Catalog.builtin()
    assert len(catalog) > 100
    assert any(catalog.seasons(t.tmdb_id) for t in catalog if t.media_type == "tv")


def test_a_hundred_thousand_rows_load_and_resolve(tmp_path: Path) -> None:
    """100,000 catalog rows load and index for resolve (bench_server.py times it)."""
    rows = "\n".join(f"{i},{'tv' if i % 5 == 0 else 'movie'},Title Number {i},{1950 + i % 70}," for i in range(100_000))
    path = tmp_path / "big.csv"
    path.write_text("tmdb_id,media_type,title,year,aliases\n" + rows + "\n", encoding="utf-8")
    catalog = Catalog.from_csv(path)
    match = catalog.resolver.resolve("title number 4242")[0]
    assert (len(catalog), match.title.tmdb_id, match.confidence) == (100_000, "4242", "high")


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    """Spreadsheet exports start with a BOM; the header still reads."""
    (tmp_path / "c.csv").write_text("\ufefftmdb_id,media_type,title,year\n5,movie,Four Rooms,1995\n", encoding="utf-8")
    assert list(Catalog.from_csv(tmp_path / "c.csv")) == [Title("5", "movie", "Four Rooms", 1995)]
