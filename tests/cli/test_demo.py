"""`python -m flick_async.cli.demo` end to end, on a small export (the full one is `make demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flick_async.cli import demo

DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
REVIEWS = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"


def test_demo_tells_its_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Imported, already on the account, left for the user and why, then the reviews newest watched first.

    No `Error:` in a run that worked (a partial import is exit 5, not an error), and every line
    of the tables fits 120 columns.
    """
    export = tmp_path / "export"
    export.mkdir()
    (export / "diary.csv").write_text(
        DIARY + "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n"
        "2024-01-04,Aliens,1986,https://boxd.it/a2,,,,2024-03-04\n"
        "2024-01-05,Dune,2021,https://boxd.it/a3,4.5,,,2024-02-05\n"
        "2024-01-06,Qwzx Nonexistent Picture,1999,https://boxd.it/a4,3,,,2024-01-06\n"
        "2024-01-07,Alien,1980,https://boxd.it/a5,3,,,2024-01-07\n",
        encoding="utf-8",
    )
    (export / "reviews.csv").write_text(
        REVIEWS + "2024-01-03,Alien,1979,https://boxd.it/a1,4,,In space no one can hear you scream.,,2024-01-02\n"
        "2024-01-04,Aliens,1986,https://boxd.it/a2,,,Game over man.,,2024-03-04\n"
        "2024-01-05,Dune,2021,https://boxd.it/a3,4.5,," + "Sand. " * 60 + ",,2024-02-05\n",
        encoding="utf-8",
    )
    (export / "watched.csv").write_text(
        "Date,Name,Year,Letterboxd URI\n2023-01-01,Heat,1995,https://boxd.it/f1\n", encoding="utf-8"
    )
    assert demo.main(["--export", str(export)]) == 0
    captured = capsys.readouterr()
    err, out = " ".join(captured.err.split()), " ".join(captured.out.split())
    assert "Error:" not in captured.err + captured.out
    assert "the window is 1 s instead of 60 s" in err
    assert "$ flick import letterboxd" in err
    assert "│ Created │ 3 │" in out
    assert "The demo account already has" in err
    assert "Imported 3 reviews. The demo account had" in err
    assert "1 films of watched.csv were never logged or rated" in err
    assert "Left for you: 2 entries in unmatched.csv" in out
    assert "not in the demo catalog (no plausible match) │ 1 │ Qwzx Nonexistent Picture (1999) → nothing" in out
    assert "year guard: the match is of another year │ 1 │ Alien (1980) → Alien (1979)" in out
    assert "(That is why `flick import` exited 5" in err
    table = captured.out[captured.out.index("Imported reviews with text, newest watched first") :]
    rows = [line for line in table.splitlines() if line.startswith("│")]
    # Rated first in the selection, then text only; shown newest watched first, ratings filled in.
    assert [row.split("│")[1].strip() for row in rows] == ["2024-03-04", "2024-02-05", "2024-01-02"]
    assert "9/10" in rows[1]
    assert "8/10" in rows[2]
    assert "Game over man." in rows[0]
    assert all(len(line) <= 120 for line in captured.out.splitlines())


def test_demo_without_an_export_says_so(tmp_path: Path) -> None:
    """A missing export is exit code 2, not a traceback."""
    assert demo.main(["--export", str(tmp_path / "nope")]) == 2
