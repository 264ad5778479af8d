"""The Letterboxd export reader: the real export, the format's facts, and every kind of bad input."""

from __future__ import annotations

import csv
import datetime
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flick_async.cli._letterboxd import (
    LetterboxdEntry,
    LetterboxdFormatError,
    LetterboxdSummary,
    RejectedRow,
    read_letterboxd,
)

REAL = Path(__file__).parent.parent / "fixtures" / "letterboxd" / "patrickmjones"
LEGACY = REAL / "legacy"

DIARY_HEADER = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
REVIEWS_HEADER = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"


def make_export(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write an export folder; diary.csv and reviews.csv default to a header and no rows."""
    contents: dict[str, str | bytes] = {"diary.csv": DIARY_HEADER, "reviews.csv": REVIEWS_HEADER, **files}
    root.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def make_zip(path: Path, files: Mapping[str, str | bytes], *, prefix: str = "") -> Path:
    """Write a ZIP holding `files` (no defaults) under `prefix`."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content)
    return path


def entry(**fields: object) -> LetterboxdEntry:
    """A diary entry of the export proper with the defaults of an unrated, untagged log."""
    defaults: dict[str, object] = {
        "source": "diary.csv",
        "review_row": None,
        "section": "",
        "uri": None,
        "rating": None,
        "rewatch": False,
        "review": None,
        "tags": (),
    }
    return LetterboxdEntry(**{**defaults, **fields})  # type: ignore[arg-type]


def summary(**fields: int) -> LetterboxdSummary:
    """A summary with every count zero but those given."""
    names = [field.name for field in LetterboxdSummary.__attrs_attrs__]
    return LetterboxdSummary(**{**dict.fromkeys(names, 0), **fields})


# --- the real export --------------------------------------------------------------------------------


def test_real_export_counts() -> None:
    """The real export: 2,132 diary rows and 162 reviews, 161 merged, 1 review without a diary row.

    Its 5 ratings are all of logged films; of its 2,604 watched films, 526 were never logged or rated.
    """
    export = read_letterboxd(REAL)
    assert export.summary == summary(
        diary_rows=2132,
        review_rows=162,
        merged=161,
        reviews_without_diary=1,
        entries=2133,
        ratings_rows=5,
        ratings_logged=5,
        watched_rows=2604,
        watched_only=526,
        watched_logged=2078,
        watched_not_included=526,
    )
    assert export.files == ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv")
    with_watched = read_letterboxd(REAL, include_watched=True)
    assert len(with_watched) == 2133 + 526
    assert {e.kind for e in with_watched.entries[2133:]} == {"watched"}
    assert export.rejected == ()
    assert len(export) == 2133


def test_real_export_review_without_diary_row() -> None:
    """The one review with no diary row becomes its own entry; its empty `Watched Date` stays empty (not `Date`)."""
    export = read_letterboxd(REAL)
    alone = [e for e in export if e.source == "reviews.csv"]
    assert len(alone) == 1
    assert attrs_without_review(alone[0]) == {
        "source": "reviews.csv",
        "row": 46,
        "line": 97,
        "review_row": 46,
        "section": "",
        "name": "Captain America: The Winter Soldier",
        "year": 2014,
        "uri": "https://boxd.it/VzmUX",
        "rating": None,
        "rewatch": False,
        "tags": (),
        "watched_date": None,
        "logged_date": datetime.date(2020, 1, 4),
    }
    assert alone[0].kind == "review"
    assert alone[0].review is not None
    assert alone[0].review.startswith("In my efforts to retroactively fill in historical letterboxd entries")


def attrs_without_review(value: LetterboxdEntry) -> dict[str, object]:
    """Every field of an entry but the (long) review text."""
    return {a.name: getattr(value, a.name) for a in LetterboxdEntry.__attrs_attrs__ if a.name != "review"}


def test_real_export_matches_an_independent_reading() -> None:
    """Every entry agrees with the stdlib csv reading of its own row, and each review lands on its row's entry."""
    with (REAL / "diary.csv").open(newline="", encoding="utf-8") as fh:
        diary = list(csv.DictReader(fh))
    with (REAL / "reviews.csv").open(newline="", encoding="utf-8") as fh:
        reviews = list(csv.DictReader(fh))
    export = read_letterboxd(REAL)
    for item in export:
        raw = (diary if item.source == "diary.csv" else reviews)[item.row - 1]
        assert (item.name, item.uri or "", item.logged_date.isoformat()) == (
            raw["Name"],
            raw["Letterboxd URI"],
            raw["Date"],
        )
        assert item.rating == (float(raw["Rating"]) * 2 if raw["Rating"] else None)
        assert item.tags == (tuple(raw["Tags"].split(", ")) if raw["Tags"] else ())
        assert item.rewatch is (raw["Rewatch"] == "Yes")
        assert (item.watched_date.isoformat() if item.watched_date else "") == raw["Watched Date"]
        if item.review_row is not None:
            review = reviews[item.review_row - 1]
            assert (review["Name"], review["Letterboxd URI"]) == (item.name, item.uri or "")
            assert item.review == review["Review"].replace("\r\n", "\n")
    assert sum(e.review is not None for e in export) == 162
    assert sum(e.rewatch for e in export) == sum(r["Rewatch"] == "Yes" for r in diary)
    assert sum(bool(e.tags) for e in export) == sum(bool(r["Tags"]) for r in diary)


def test_real_export_reviews_without_uri_merge_on_name_year_date_rating() -> None:
    """Two reviewed entries whose film page is gone (empty URI) still merge, on the fallback key."""
    export = read_letterboxd(REAL)
    no_uri = [(e.name, e.row, e.review_row) for e in export if e.uri is None and e.review is not None]
    assert no_uri == [("Never Hike in the Snow", 1374, 91), ("Never Hike Alone", 1375, 92)]


def test_real_export_keeps_review_html_as_written() -> None:
    """Review text keeps Letterboxd's HTML subset untouched."""
    with_html = [e.review for e in read_letterboxd(REAL) if e.review and "<" in e.review]
    assert len(with_html) == 22
    assert any("<i>" in text for text in with_html)


def test_legacy_export_with_slug_uris() -> None:
    """The 2020 export (slug URIs) reads the same way: 1,258 diary rows, 63 reviews, 62 merged."""
    export = read_letterboxd(LEGACY)
    assert export.summary == summary(diary_rows=1258, review_rows=63, merged=62, reviews_without_diary=1, entries=1259)
    uris = [e.uri for e in export if e.uri is not None]
    assert len(uris) == 1257  # two films' pages are gone: their URI is empty
    assert all(uri.startswith("https://letterboxd.com/patrickmjones/film/") for uri in uris)
    roma = [e for e in export if e.name == "Roma" and e.review is not None]
    assert [(e.year, e.uri, e.review_row) for e in roma] == [
        (2018, "https://letterboxd.com/patrickmjones/film/roma-2018/", 1)
    ]


def test_real_export_from_a_zip(tmp_path: Path) -> None:
    """The real export zipped reads to exactly the same result as the folder."""
    files = {name: (REAL / name).read_bytes() for name in ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv")}
    assert read_letterboxd(make_zip(tmp_path / "export.zip", files)) == read_letterboxd(REAL)


# --- format facts on crafted exports ----------------------------------------------------------------


def test_every_column_is_read(tmp_path: Path) -> None:
    """Rating doubles, tags split on ', ', Rewatch Yes is True, commas and quotes in titles survive."""
    diary = DIARY_HEADER + (
        '2021-06-13,"Paris, Texas",1984,https://boxd.it/a1,3.5,Yes,"on vhs, 1990s, with Sam",2020-01-02\n'
        '2021-06-14,"The ""Other"" One",2001,https://boxd.it/a2,5,,,2020-01-03\n'
        "2021-06-15,Half,2001,https://boxd.it/a3,0.5,,solo,2020-01-04\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert export.entries == (
        entry(
            row=1,
            line=2,
            name="Paris, Texas",
            year=1984,
            uri="https://boxd.it/a1",
            rating=7.0,
            rewatch=True,
            tags=("on vhs", "1990s", "with Sam"),
            watched_date=datetime.date(2020, 1, 2),
            logged_date=datetime.date(2021, 6, 13),
        ),
        entry(
            row=2,
            line=3,
            name='The "Other" One',
            year=2001,
            uri="https://boxd.it/a2",
            rating=10.0,
            watched_date=datetime.date(2020, 1, 3),
            logged_date=datetime.date(2021, 6, 14),
        ),
        entry(
            row=3,
            line=4,
            name="Half",
            year=2001,
            uri="https://boxd.it/a3",
            rating=1.0,
            tags=("solo",),
            watched_date=datetime.date(2020, 1, 4),
            logged_date=datetime.date(2021, 6, 15),
        ),
    )


def test_crlf_file_with_multiline_review_html_and_non_ascii(tmp_path: Path) -> None:
    """CRLF everywhere (inside the quoted review too), doubled quotes, HTML and non-ASCII: one merged entry."""
    diary = DIARY_HEADER.replace("\n", "\r\n") + "2020-02-01,Alien³,1992,https://boxd.it/b1,4,,,2020-01-31\r\n"
    review = 'First line with <i>italics</i> and <b>bold\r\n\r\n<blockquote>""Quoted"" — Ripley</blockquote>'
    reviews = REVIEWS_HEADER.replace("\n", "\r\n") + (
        f'2020-02-01,Alien³,1992,https://boxd.it/b1,4,,"{review}",,2020-01-31\r\n'
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary, "reviews.csv": reviews}))
    assert export.entries == (
        entry(
            row=1,
            line=2,
            review_row=1,
            name="Alien³",
            year=1992,
            uri="https://boxd.it/b1",
            rating=8.0,
            review='First line with <i>italics</i> and <b>bold\n\n<blockquote>"Quoted" — Ripley</blockquote>',
            watched_date=datetime.date(2020, 1, 31),
            logged_date=datetime.date(2020, 2, 1),
        ),
    )
    assert export.summary == summary(diary_rows=1, review_rows=1, merged=1, entries=1)


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    """`row` counts data rows; `line` is where the row starts, after multi-line reviews and blank lines."""
    reviews = REVIEWS_HEADER + (
        '2020-01-01,One,2001,https://boxd.it/c1,,,"a\nb\nc",,\n\n2020-01-02,Two,2002,https://boxd.it/c2,,,short,,\n'
    )
    export = read_letterboxd(make_export(tmp_path, {"reviews.csv": reviews}))
    assert [(e.name, e.source, e.row, e.line) for e in export] == [
        ("One", "reviews.csv", 1, 2),
        ("Two", "reviews.csv", 2, 6),
    ]


def test_empty_year_and_empty_watched_date(tmp_path: Path) -> None:
    """An empty Year is None; an empty Watched Date is None (`Date` is when it was logged, not watched)."""
    diary = DIARY_HEADER + "2019-05-06,Never Hike in the Snow,,https://boxd.it/d1,,,,\n"
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert export.entries == (
        entry(
            row=1,
            line=2,
            name="Never Hike in the Snow",
            year=None,
            uri="https://boxd.it/d1",
            watched_date=None,
            logged_date=datetime.date(2019, 5, 6),
        ),
    )


def test_rewatches_each_get_their_own_review_by_uri(tmp_path: Path) -> None:
    """Two viewings of one film, each reviewed: each review goes to the viewing its URI names."""
    diary = DIARY_HEADER + (
        "2020-01-01,Heat,1995,https://boxd.it/e1,4,,,2019-12-31\n"
        "2021-01-01,Heat,1995,https://boxd.it/e2,4,Yes,,2020-12-31\n"
    )
    reviews = REVIEWS_HEADER + (
        "2021-01-01,Heat,1995,https://boxd.it/e2,4,Yes,second time,,2020-12-31\n"
        "2020-01-01,Heat,1995,https://boxd.it/e1,4,,first time,,2019-12-31\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary, "reviews.csv": reviews}))
    assert [(e.uri, e.rewatch, e.review, e.review_row) for e in export] == [
        ("https://boxd.it/e1", False, "first time", 2),
        ("https://boxd.it/e2", True, "second time", 1),
    ]


def test_same_day_viewings_pair_by_uri_not_file_order(tmp_path: Path) -> None:
    """Two identical-looking viewings (same day, same rating): the URI, not the order, says which review is whose."""
    diary = DIARY_HEADER + (
        "2021-01-01,Heat,1995,https://boxd.it/t1,4,,,2020-12-31\n"
        "2021-01-01,Heat,1995,https://boxd.it/t2,4,Yes,,2020-12-31\n"
    )
    reviews = REVIEWS_HEADER + (
        "2021-01-01,Heat,1995,https://boxd.it/t2,4,Yes,evening,,2020-12-31\n"
        "2021-01-01,Heat,1995,https://boxd.it/t1,4,,morning,,2020-12-31\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary, "reviews.csv": reviews}))
    assert [(e.uri, e.review, e.review_row) for e in export] == [
        ("https://boxd.it/t1", "morning", 2),
        ("https://boxd.it/t2", "evening", 1),
    ]


def test_without_uris_reviews_pair_by_name_year_watched_date_and_rating(tmp_path: Path) -> None:
    """Rows without URIs pair on (Name, Year, Watched Date, Rating); same-day twins pair in file order."""
    diary = DIARY_HEADER + (
        "2020-01-01,Heat,1995,,4,,,2019-12-31\n"
        "2021-01-01,Heat,1995,,4,Yes,,2020-12-31\n"
        "2021-01-01,Heat,1995,,4,Yes,,2020-12-31\n"
        "2021-01-01,Heat,1995,,3,Yes,,2020-12-31\n"
    )
    reviews = REVIEWS_HEADER + (
        "2021-01-01,Heat,1995,,4,Yes,twin A,,2020-12-31\n"
        "2020-01-01,Heat,1995,,4,,first,,2019-12-31\n"
        "2021-01-01,Heat,1995,,4,Yes,twin B,,2020-12-31\n"
        "2021-01-01,Heat,1995,,2.5,Yes,no such viewing,,2020-12-31\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary, "reviews.csv": reviews}))
    assert [(e.source, e.row, e.review, e.review_row) for e in export] == [
        ("diary.csv", 1, "first", 2),
        ("diary.csv", 2, "twin A", 1),
        ("diary.csv", 3, "twin B", 3),
        ("diary.csv", 4, None, None),
        ("reviews.csv", 4, "no such viewing", 4),
    ]
    assert export.summary == summary(diary_rows=4, review_rows=4, merged=3, reviews_without_diary=1, entries=5)


def test_zip_and_folder_read_the_same(tmp_path: Path) -> None:
    """A ZIP, a ZIP of the unpacked folder, the folder, and a folder holding it give equal results."""
    files = {
        "diary.csv": DIARY_HEADER + "2020-01-01,Heat,1995,https://boxd.it/f1,4,,,2019-12-31\n",
        "reviews.csv": REVIEWS_HEADER + "2020-01-01,Heat,1995,https://boxd.it/f1,4,,good,,2019-12-31\n",
        "deleted/diary.csv": DIARY_HEADER + "2020-01-01,Gone,1995,https://boxd.it/f2,,,,2019-12-31\n",
        "deleted/reviews.csv": REVIEWS_HEADER,
    }
    folder = read_letterboxd(make_export(tmp_path / "folder", files), include_deleted=True)
    flat = read_letterboxd(make_zip(tmp_path / "flat.zip", files), include_deleted=True)
    nested = read_letterboxd(make_zip(tmp_path / "nested.zip", files, prefix="letterboxd-me/"), include_deleted=True)
    assert [(e.section, e.name, e.review) for e in folder] == [("", "Heat", "good"), ("deleted", "Gone", None)]
    assert flat == folder
    assert nested == folder
    make_export(tmp_path / "outer" / "letterboxd-me", files)
    assert read_letterboxd(tmp_path / "outer", include_deleted=True) == folder


def test_half_present_deleted_folder_is_read(tmp_path: Path) -> None:
    """deleted/ with a diary.csv but no reviews.csv is read as it is (only the export proper must be whole)."""
    root = make_export(tmp_path, {"deleted/diary.csv": DIARY_HEADER + "2020-01-01,Gone,1995,,,,,2019-12-31\n"})
    export = read_letterboxd(root, include_deleted=True)
    assert [(e.section, e.source, e.name) for e in export] == [("deleted", "deleted/diary.csv", "Gone")]


def test_deleted_and_orphaned_skipped_by_default(tmp_path: Path) -> None:
    """deleted/ and orphaned/ are counted but not read unless asked."""
    root = make_export(
        tmp_path,
        {
            "diary.csv": DIARY_HEADER + "2020-01-01,Kept,1995,https://boxd.it/g1,,,,2019-12-31\n",
            "deleted/diary.csv": DIARY_HEADER + "2020-01-01,Deleted,1995,https://boxd.it/g2,,,,2019-12-31\n",
            "deleted/reviews.csv": REVIEWS_HEADER + "2020-01-01,Deleted,1995,https://boxd.it/g2,,,gone,,2019-12-31\n",
            "orphaned/diary.csv": DIARY_HEADER + "2020-01-01,Orphan,1995,,,,,2019-12-31\n",
            "orphaned/reviews.csv": REVIEWS_HEADER,
        },
    )
    export = read_letterboxd(root)
    assert [e.name for e in export] == ["Kept"]
    assert export.summary == summary(diary_rows=1, entries=1, skipped_deleted=2, skipped_orphaned=1)
    assert str(export.summary) == (
        "read 1 diary and 0 review rows: 1 entries (0 reviews merged into their diary entry, 0 without one), "
        "0 rows rejected; skipped 2 deleted rows and 1 orphaned rows"
    )


def test_deleted_and_orphaned_included_on_request(tmp_path: Path) -> None:
    """With include_deleted / include_orphaned, their entries come back marked with their section."""
    root = make_export(
        tmp_path,
        {
            "diary.csv": DIARY_HEADER + "2020-01-01,Kept,1995,https://boxd.it/g1,,,,2019-12-31\n",
            "deleted/diary.csv": DIARY_HEADER + "2020-01-01,Deleted,1995,https://boxd.it/g2,,,,2019-12-31\n",
            "deleted/reviews.csv": REVIEWS_HEADER + "2020-01-01,Deleted,1995,https://boxd.it/g2,,,gone,,2019-12-31\n",
            "orphaned/diary.csv": DIARY_HEADER + "2020-01-01,Orphan,1995,,,,,2019-12-31\n",
            "orphaned/reviews.csv": REVIEWS_HEADER,
        },
    )
    deleted = read_letterboxd(root, include_deleted=True)
    assert [(e.section, e.source, e.name, e.review) for e in deleted] == [
        ("", "diary.csv", "Kept", None),
        ("deleted", "deleted/diary.csv", "Deleted", "gone"),
    ]
    assert deleted.summary == summary(diary_rows=2, review_rows=1, merged=1, entries=2, skipped_orphaned=1)
    both = read_letterboxd(root, include_deleted=True, include_orphaned=True)
    assert [(e.section, e.name, e.uri) for e in both] == [
        ("", "Kept", "https://boxd.it/g1"),
        ("deleted", "Deleted", "https://boxd.it/g2"),
        ("orphaned", "Orphan", None),
    ]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (added by some editors) does not hide the first column."""
    diary = "\ufeff" + DIARY_HEADER + "2020-01-01,Heat,1995,https://boxd.it/h1,,,,2019-12-31\n"
    assert [e.name for e in read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))] == ["Heat"]


# --- bad rows: rejected one by one, the rest still read ---------------------------------------------


@pytest.mark.parametrize(
    ("row", "rejected"),
    [
        pytest.param(
            "2020-01-01,Heat,1995,https://boxd.it/x,7,,,2019-12-31",
            RejectedRow(
                "diary.csv", 2, 3, "Rating", "7", "'7' is not a Letterboxd rating (0.5 to 5 stars in half-star steps)"
            ),
            id="rating-out-of-range",
        ),
        pytest.param(
            "2020-01-01,Heat,1995,https://boxd.it/x,abc,,,2019-12-31",
            RejectedRow(
                "diary.csv",
                2,
                3,
                "Rating",
                "abc",
                "'abc' is not a Letterboxd rating (0.5 to 5 stars in half-star steps)",
            ),
            id="rating-not-a-number",
        ),
        pytest.param(
            "2020-01-01,Heat,1995,https://boxd.it/x,3.25,,,2019-12-31",
            RejectedRow(
                "diary.csv",
                2,
                3,
                "Rating",
                "3.25",
                "'3.25' is not a Letterboxd rating (0.5 to 5 stars in half-star steps)",
            ),
            id="rating-not-a-half-step",
        ),
        pytest.param(
            "2020-01-01,Heat,1995,https://boxd.it/x,4,,,31/12/2019",
            RejectedRow(
                "diary.csv",
                2,
                3,
                "Watched Date",
                "31/12/2019",
                "'31/12/2019' is not a date in the form YYYY-MM-DD, as Letterboxd writes dates",
            ),
            id="watched-date-day-first",
        ),
        pytest.param(
            "2020-02-30,Heat,1995,https://boxd.it/x,4,,,",
            RejectedRow(
                "diary.csv",
                2,
                3,
                "Date",
                "2020-02-30",
                "'2020-02-30' is not a date in the form YYYY-MM-DD, as Letterboxd writes dates",
            ),
            id="date-no-such-day",
        ),
        pytest.param(
            ",Heat,1995,https://boxd.it/x,4,,,2019-12-31",
            RejectedRow("diary.csv", 2, 3, "Date", "", "'' is empty; Letterboxd writes every date as YYYY-MM-DD"),
            id="date-empty",
        ),
        pytest.param(
            "2020-01-01,Heat,1995.0,https://boxd.it/x,4,,,2019-12-31",
            RejectedRow("diary.csv", 2, 3, "Year", "1995.0", "'1995.0' is not a four-digit year"),
            id="year",
        ),
        pytest.param(
            "2020-01-01,Heat,1995,https://boxd.it/x,4,No,,2019-12-31",
            RejectedRow("diary.csv", 2, 3, "Rewatch", "No", "'No' is not a Letterboxd rewatch flag ('Yes' or empty)"),
            id="rewatch",
        ),
        pytest.param(
            "2020-01-01,,1995,https://boxd.it/x,4,,,2019-12-31",
            RejectedRow("diary.csv", 2, 3, "Name", "", "'' the title is empty"),
            id="name-empty",
        ),
        pytest.param(
            '2020-01-01,"Heat",1995,https://boxd.it/x,4,,,2019-12-31,extra',
            RejectedRow("diary.csv", 2, 3, None, None, "9 fields where the header has 8"),
            id="field-count",
        ),
    ],
)
def test_bad_value_rejects_only_its_row(tmp_path: Path, row: str, rejected: RejectedRow) -> None:
    """A bad value rejects its row (file, row, line, column, value named); the rows around it are read."""
    diary = DIARY_HEADER + (
        "2020-01-01,Before,1995,https://boxd.it/b,,,,2019-12-31\n"
        f"{row}\n"
        "2020-01-01,After,1995,https://boxd.it/a,,,,2019-12-31\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert [e.name for e in export] == ["Before", "After"]
    assert export.rejected == (rejected,)
    assert export.summary == summary(diary_rows=3, entries=2, rejected=1)


def test_rejected_row_message_names_file_row_and_column(tmp_path: Path) -> None:
    """`str()` of a rejection, and the strict-mode exception, name the file, row, line and column."""
    diary = DIARY_HEADER + "2020-01-01,Heat,1995,https://boxd.it/x,abc,,,2019-12-31\n"
    root = make_export(tmp_path, {"diary.csv": diary})
    message = (
        "diary.csv row 1 (line 2), column 'Rating': "
        "'abc' is not a Letterboxd rating (0.5 to 5 stars in half-star steps)"
    )
    assert [str(r) for r in read_letterboxd(root).rejected] == [message]
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(root, strict=True)
    error = caught.value
    assert (str(error), error.file, error.row, error.line, error.column, error.value) == (
        message,
        "diary.csv",
        1,
        2,
        "Rating",
        "abc",
    )


def test_a_rejected_row_takes_its_partner_row_with_it(tmp_path: Path) -> None:
    """A diary row and its review are one entry: if either is bad, both are rejected, neither half is read."""
    diary = DIARY_HEADER + (
        "2020-01-01,Bad Diary,1995,https://boxd.it/p1,9,,,2019-12-31\n"
        "2020-01-01,Bad Review,1995,https://boxd.it/p2,4,,,2019-12-31\n"
    )
    reviews = REVIEWS_HEADER + (
        "2020-01-01,Bad Diary,1995,https://boxd.it/p1,4.5,,text,,2019-12-31\n"
        "2020-01-01,Bad Review,1995,https://boxd.it/p2,4,,text,,12/31/2019\n"
    )
    export = read_letterboxd(make_export(tmp_path, {"diary.csv": diary, "reviews.csv": reviews}))
    assert export.entries == ()
    assert [str(r) for r in export.rejected] == [
        "diary.csv row 1 (line 2), column 'Rating': '9' is not a Letterboxd rating (0.5 to 5 stars in half-star steps)",
        "diary.csv row 2 (line 3): the same entry's reviews.csv row 2 was rejected "
        "('12/31/2019' is not a date in the form YYYY-MM-DD, as Letterboxd writes dates)",
        "reviews.csv row 1 (line 2): the same entry's diary.csv row 1 was rejected "
        "('9' is not a Letterboxd rating (0.5 to 5 stars in half-star steps))",
        "reviews.csv row 2 (line 3), column 'Watched Date': "
        "'12/31/2019' is not a date in the form YYYY-MM-DD, as Letterboxd writes dates",
    ]
    assert export.summary == summary(diary_rows=2, review_rows=2, rejected=4)


# --- files that are not an export: LetterboxdFormatError, nothing read ----------------------------


def test_folder_without_diary_or_reviews(tmp_path: Path) -> None:
    """A folder of something else is not an export; the error says what it holds."""
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(
        LetterboxdFormatError,
        match=r"is not a Letterboxd export: it has no diary\.csv, reviews\.csv, ratings\.csv or watched\.csv",
    ):
        read_letterboxd(tmp_path)


def test_zip_of_something_else(tmp_path: Path) -> None:
    """A ZIP without diary.csv or reviews.csv is not an export, and the message lists what it holds."""
    archive = make_zip(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8", "b.jpg": b"\xff\xd8"})
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(archive)
    assert str(caught.value).startswith(
        f"ZIP file {str(archive)!r} is not a Letterboxd export: "
        "it has no diary.csv, reviews.csv, ratings.csv or watched.csv (it holds a.jpg, b.jpg)"
    )


def test_file_that_is_not_a_zip(tmp_path: Path) -> None:
    """A file that is neither a folder nor a ZIP is refused."""
    path = tmp_path / "export.rar"
    path.write_bytes(b"Rar!\x1a\x07")
    with pytest.raises(LetterboxdFormatError, match="is neither a folder nor a ZIP file"):
        read_letterboxd(path)


def test_diary_csv_itself_is_pointed_to_its_folder(tmp_path: Path) -> None:
    """Passing diary.csv itself gets a hint to pass its folder."""
    root = make_export(tmp_path, {})
    with pytest.raises(LetterboxdFormatError, match="is one file of the export: pass the folder that holds it"):
        read_letterboxd(root / "diary.csv")


def test_missing_path() -> None:
    """A path that does not exist raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_letterboxd("/nonexistent/letterboxd.zip")


RATINGS_HEADER = "Date,Name,Year,Letterboxd URI,Rating\n"
WATCHED_HEADER = "Date,Name,Year,Letterboxd URI\n"


@pytest.mark.parametrize(
    "present",
    [
        ("diary.csv",),
        ("reviews.csv",),
        ("ratings.csv",),
        ("watched.csv",),
        ("diary.csv", "ratings.csv"),
        ("reviews.csv", "watched.csv"),
        ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv"),
    ],
)
def test_any_subset_of_the_four_files_is_read(tmp_path: Path, present: tuple[str, ...]) -> None:
    """A folder with any subset of diary, reviews, ratings and watched is read, and says which files it read."""
    rows = {
        "diary.csv": DIARY_HEADER + "2020-01-01,Heat,1995,https://boxd.it/e1,4,,,2019-12-31\n",
        "reviews.csv": REVIEWS_HEADER + "2020-01-02,Ran,1985,https://boxd.it/e2,5,,great,,2019-12-30\n",
        "ratings.csv": RATINGS_HEADER + "2020-01-03,Alien,1979,https://boxd.it/f1,3.5\n",
        "watched.csv": WATCHED_HEADER + "2020-01-04,Brazil,1985,https://boxd.it/f2\n",
    }
    tmp_path.mkdir(exist_ok=True)
    for name in present:
        (tmp_path / name).write_text(rows[name], encoding="utf-8")
    export = read_letterboxd(tmp_path, include_watched=True)
    assert export.files == tuple(name for name in rows if name in present)
    names = {"diary.csv": "Heat", "reviews.csv": "Ran", "ratings.csv": "Alien", "watched.csv": "Brazil"}
    assert [e.name for e in export] == [names[name] for name in rows if name in present]
    kinds = {"diary.csv": "diary", "reviews.csv": "review", "ratings.csv": "rating", "watched.csv": "watched"}
    assert [e.kind for e in export] == [kinds[name] for name in rows if name in present]


def test_a_damaged_file_in_a_diary_only_folder_is_named_as_what_it_is(tmp_path: Path) -> None:
    """With no reviews.csv beside it, a broken diary.csv is diagnosed as itself, not as 'no reviews.csv'."""
    (tmp_path / "diary.csv").write_text(DIARY_HEADER.replace(",", ";") + "2020-01-01;Heat;1995;;;;;\n")
    with pytest.raises(LetterboxdFormatError, match=r"^diary\.csv: the columns are separated by ';'"):
        read_letterboxd(tmp_path)


def test_ratings_and_watched_only_films(tmp_path: Path) -> None:
    """Films rated but never logged are entries with their rating and no date; watched-only ones only on request.

    A film with a diary (or review) row is never read again from ratings.csv or watched.csv, even
    when its rating there differs; ratings and watched rows name the film by the same URI.
    """
    files = {
        "diary.csv": DIARY_HEADER
        + "2020-01-01,Heat,1995,https://boxd.it/e1,4,,,2019-12-31\n"
        + "2020-01-05,Brazil,1985,https://boxd.it/e9,,,,\n",
        "reviews.csv": REVIEWS_HEADER + "2020-01-02,Ran,1985,https://boxd.it/e2,,,great,,\n",
        "ratings.csv": RATINGS_HEADER
        + "2021-03-01,Heat,1995,https://boxd.it/f1,5\n"  # logged: its diary row wins
        + "2021-03-02,Ran,1985,https://boxd.it/f2,4.5\n"  # reviewed: its review row wins
        + "2021-03-03,Alien,1979,https://boxd.it/f3,3.5\n"  # rated, never logged
        + "2021-03-04,Alien,2026,https://boxd.it/f4,1\n",  # another film of the same name
        "watched.csv": WATCHED_HEADER
        + "2021-03-01,Heat,1995,https://boxd.it/f1\n"
        + "2021-03-03,Alien,1979,https://boxd.it/f3\n"  # rated: the rating is its entry
        + "2021-03-05,Aliens,1986,https://boxd.it/f5\n",  # watched only
    }
    root = make_export(tmp_path, files)
    export = read_letterboxd(root)
    assert [(e.kind, e.name, e.year, e.rating, e.watched_date) for e in export] == [
        ("diary", "Heat", 1995, 8.0, datetime.date(2019, 12, 31)),
        ("diary", "Brazil", 1985, None, None),
        ("review", "Ran", 1985, None, None),
        ("rating", "Alien", 1979, 7.0, None),
        ("rating", "Alien", 2026, 2.0, None),
    ]
    rated = export.entries[3]
    assert (rated.source, rated.row, rated.line, rated.uri, rated.logged_date) == (
        "ratings.csv",
        3,
        4,
        "https://boxd.it/f3",
        datetime.date(2021, 3, 3),
    )
    assert export.summary == summary(
        diary_rows=2,
        review_rows=1,
        reviews_without_diary=1,
        entries=5,
        ratings_rows=4,
        ratings_only=2,
        ratings_logged=2,
        watched_rows=3,
        watched_only=1,
        watched_logged=2,
        watched_not_included=1,
    )
    with_watched = read_letterboxd(root, include_watched=True)
    last = with_watched.entries[-1]
    assert (last.kind, last.name, last.rating, last.watched_date, last.tags) == ("watched", "Aliens", None, None, ())
    assert with_watched.summary.watched_not_included == 0
    s = with_watched.summary
    accounted = s.entries + s.merged + s.rejected + s.ratings_logged + s.watched_logged + s.watched_not_included
    assert accounted == s.diary_rows + s.review_rows + s.ratings_rows + s.watched_rows


def test_a_rejected_diary_row_still_keeps_its_film_out_of_ratings(tmp_path: Path) -> None:
    """A film whose diary row was rejected is still a logged film: its rating is not imported in its place."""
    files = {
        "diary.csv": DIARY_HEADER + "2020-01-01,Heat,1995,https://boxd.it/e1,7,,,2019-12-31\n",
        "ratings.csv": RATINGS_HEADER + "2021-03-01,Heat,1995,https://boxd.it/f1,4\n2021-03-01,Ran,1985,,\n",
    }
    export = read_letterboxd(make_export(tmp_path, files))
    assert export.entries == ()
    assert [(r.source, r.row, r.column) for r in export.rejected] == [
        ("diary.csv", 1, "Rating"),
        ("ratings.csv", 2, "Rating"),
    ]


def test_damaged_zip_entry_names_the_zip_and_the_entry(tmp_path: Path) -> None:
    """A bad CRC in one entry is a LetterboxdFormatError naming the ZIP and the entry, not a zipfile traceback."""
    archive = make_zip(tmp_path / "export.zip", {"diary.csv": DIARY_HEADER + "2020-01-01,Heat,1995,,,,,\n" * 20})
    data = bytearray(archive.read_bytes())
    offset = data.index(b"Heat")  # stored uncompressed: flip a byte of the entry's data
    data[offset] ^= 0x20
    archive.write_bytes(bytes(data))
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(archive)
    message = str(caught.value)
    assert message.startswith(f"diary.csv: ZIP file {str(archive)!r} is a damaged ZIP: its entry 'diary.csv'")
    assert "Bad CRC-32" in message


def test_damaged_deflated_entry_is_a_damaged_zip(tmp_path: Path) -> None:
    """A compressed entry whose data is garbled (zlib's error) reads the same way."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("diary.csv", DIARY_HEADER + "".join(f"2020-01-01,Film {i},1995,,,,,\n" for i in range(300)))
    data = bytearray(archive.read_bytes())
    start = data.index(b"diary.csv") + len("diary.csv") + 40
    data[start : start + 60] = bytes(60)
    archive.write_bytes(bytes(data))
    with pytest.raises(LetterboxdFormatError, match=r"is a damaged ZIP: its entry 'diary\.csv' cannot be read"):
        read_letterboxd(archive)


def test_truncated_zip_says_a_damaged_zip(tmp_path: Path) -> None:
    """A ZIP cut short (an interrupted download) is 'a damaged ZIP', not 'neither a folder nor a ZIP file'."""
    archive = make_zip(tmp_path / "export.zip", {"diary.csv": DIARY_HEADER, "reviews.csv": REVIEWS_HEADER})
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(LetterboxdFormatError, match=r"is a damaged ZIP \(.*interrupted download"):
        read_letterboxd(archive)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    """A header without required columns names each one missing."""
    diary = "Date,Name,Year,Rating\n2020-01-01,Heat,1995,4\n"
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert str(caught.value) == (
        "diary.csv: missing columns 'Letterboxd URI', 'Rewatch', 'Tags', 'Watched Date' "
        "(the header has 'Date', 'Name', 'Year', 'Rating'); is this a Letterboxd diary.csv?"
    )
    assert (caught.value.file, caught.value.line) == ("diary.csv", 1)


def test_empty_file(tmp_path: Path) -> None:
    """A zero-byte reviews.csv is an error naming the file."""
    with pytest.raises(LetterboxdFormatError, match=r"^reviews\.csv: the file is empty \(not even a header row\)"):
        read_letterboxd(make_export(tmp_path, {"reviews.csv": b""}))


def test_not_utf8(tmp_path: Path) -> None:
    """A Latin-1 file is refused with the file, the line and the byte."""
    diary = (DIARY_HEADER + "2020-01-01,Amélie,2001,https://boxd.it/x,,,,2019-12-31\n").encode("latin-1")
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert str(caught.value).startswith("diary.csv: the file is not UTF-8 (byte 0xe9 on line 2)")
    assert caught.value.line == 2


def test_semicolon_delimiters(tmp_path: Path) -> None:
    """A file re-saved with ';' delimiters is recognised and the user told to re-export."""
    diary = DIARY_HEADER.replace(",", ";") + "2020-01-01;Heat;1995;https://boxd.it/x;;;;2019-12-31\n"
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert str(caught.value).startswith(
        "diary.csv: the columns are separated by ';', not commas: a spreadsheet program re-saved the file; "
        "export your data again from letterboxd.com"
    )


def test_unquoted_commas(tmp_path: Path) -> None:
    """A file re-saved without quoting (a title's comma splits it) is recognised as such."""
    diary = DIARY_HEADER + "2020-01-01,Paris, Texas,1984,https://boxd.it/x,,,,2019-12-31\n"
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert str(caught.value).startswith(
        "diary.csv: row 1 has 9 fields where the header has 8, and nothing in the file is quoted: "
        "a spreadsheet program probably re-saved it without quoting"
    )


def test_mojibake(tmp_path: Path) -> None:
    """UTF-8 decoded as Windows-1252 and saved again ('AmÃ©lie') is recognised, with the repaired text."""
    diary = DIARY_HEADER + "2020-01-01,AmÃ©lie,2001,https://boxd.it/x,,,,2019-12-31\n"
    with pytest.raises(LetterboxdFormatError) as caught:
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))
    assert str(caught.value).startswith(
        "diary.csv: the file was decoded and re-saved with the wrong encoding ('Ã©' on line 2 should read 'é')"
    )


def test_broken_quoting(tmp_path: Path) -> None:
    """A stray quote that breaks the CSV is reported with its line, not read as garbage."""
    diary = DIARY_HEADER + '2020-01-01,"Heat" 2,1995,https://boxd.it/x,,,,2019-12-31\n'
    with pytest.raises(LetterboxdFormatError, match=r"^diary\.csv: not valid CSV after row 0"):
        read_letterboxd(make_export(tmp_path, {"diary.csv": diary}))


def test_error_is_a_value_error() -> None:
    """LetterboxdFormatError is a ValueError, so callers validating input catch it."""
    assert issubclass(LetterboxdFormatError, ValueError)


# --- a seeded model of the four files -----------------------------------------------------------

_FILMS = [
    ("Heat", "1995"),
    ("Ran", "1985"),
    ("Alien", "1979"),
    ("Alien", "2026"),
    ("Paris, Texas", "1984"),
    ("Léon", ""),
]


@settings(max_examples=80, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    diary=st.lists(st.tuples(st.sampled_from(range(6)), st.booleans(), st.booleans()), max_size=8),
    alone_reviews=st.lists(st.sampled_from(range(6)), max_size=3),
    ratings=st.lists(st.tuples(st.sampled_from(range(6)), st.integers(1, 10)), max_size=6),
    watched=st.lists(st.sampled_from(range(6)), max_size=6),
    present=st.sets(st.sampled_from(["diary.csv", "reviews.csv", "ratings.csv", "watched.csv"]), min_size=1),
    include_watched=st.booleans(),
)
def test_the_four_files_model(
    tmp_path_factory: pytest.TempPathFactory,
    diary: list[tuple[int, bool, bool]],
    alone_reviews: list[int],
    ratings: list[tuple[int, int]],
    watched: list[int],
    present: set[str],
    include_watched: bool,
) -> None:
    """Random exports: every row accounted for; no film logged in diary/reviews is read again from ratings or
    watched; a rated film is never a watched-only entry; watched-only entries only on request; no invented dates."""

    def cell(text: str) -> str:
        return f'"{text}"' if "," in text else text

    rows: dict[str, list[str]] = {name: [] for name in ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv")}
    for i, (film, reviewed, dated) in enumerate(diary):
        name, year = _FILMS[film]
        date = "2020-01-02" if dated else ""
        rows["diary.csv"].append(f"2021-01-01,{cell(name)},{year},https://boxd.it/d{i},3,,,{date}")
        if reviewed:
            rows["reviews.csv"].append(f"2021-01-01,{cell(name)},{year},https://boxd.it/d{i},3,,text {i},,{date}")
    for i, film in enumerate(alone_reviews):
        name, year = _FILMS[film]
        rows["reviews.csv"].append(f"2021-01-01,{cell(name)},{year},https://boxd.it/r{i},,,alone {i},,")
    for film, half_stars in ratings:
        name, year = _FILMS[film]
        rows["ratings.csv"].append(f"2021-02-02,{cell(name)},{year},https://boxd.it/f{film},{half_stars / 2:g}")
    for film in watched:
        name, year = _FILMS[film]
        rows["watched.csv"].append(f"2021-03-03,{cell(name)},{year},https://boxd.it/f{film}")
    headers = {
        "diary.csv": DIARY_HEADER,
        "reviews.csv": REVIEWS_HEADER,
        "ratings.csv": "Date,Name,Year,Letterboxd URI,Rating\n",
        "watched.csv": "Date,Name,Year,Letterboxd URI\n",
    }
    root = tmp_path_factory.mktemp("export")
    for name in present:
        (root / name).write_text(headers[name] + "".join(row + "\n" for row in rows[name]), encoding="utf-8")
    export = read_letterboxd(root, include_watched=include_watched)
    s = export.summary

    def read(name: str) -> int:
        return len(rows[name]) if name in present else 0

    assert export.files == tuple(n for n in ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv") if n in present)
    assert (s.diary_rows, s.review_rows, s.ratings_rows, s.watched_rows) == tuple(map(read, rows))
    accounted = s.entries + s.merged + s.rejected + s.ratings_logged + s.watched_logged + s.watched_not_included
    assert accounted == s.diary_rows + s.review_rows + s.ratings_rows + s.watched_rows
    assert export.rejected == ()
    logged = {(e.name, e.year) for e in export if e.kind in ("diary", "review")}
    rated = {(e.name, e.year) for e in export if e.kind == "rating"}
    rated_rows = {_FILMS[film] for film, _ in ratings} if "ratings.csv" in present else set()
    for e in export:
        if e.kind in ("rating", "watched"):
            assert (e.name, e.year) not in logged
            assert e.watched_date is None
        if e.kind == "watched":
            assert include_watched
            assert (e.name, str(e.year) if e.year else "") not in rated_rows
    assert sum(e.kind == "rating" for e in export) == s.ratings_only
    assert sum(e.kind == "watched" for e in export) == (s.watched_only if include_watched else 0)
    assert len(rated) <= len(rated_rows)
