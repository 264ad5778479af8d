"""`python -m flick_async.cli.demo` end to end, on a small export (the full one is `make demo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flick_async.cli import demo


def test_demo_imports_lists_and_says_the_window_is_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo serves, imports, lists the reviews, and exits 0."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "diary.csv").write_text(
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n2024-01-03,Alien,1979,,4,,,2024-01-02\n",
        encoding="utf-8",
    )
    (export / "reviews.csv").write_text(
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n", encoding="utf-8"
    )
    assert demo.main(["--export", str(export)]) == 0
    captured = capsys.readouterr()
    err, out = " ".join(captured.err.split()), " ".join(captured.out.split())
    assert "the window is 1 s instead of 60 s" in err
    assert "$ flick import letterboxd" in err
    assert "│ Created │ 1 │" in out
    assert "Alien (1979)" in out


def test_demo_without_an_export_says_so(tmp_path: Path) -> None:
    """A missing export is exit code 2, not a traceback."""
    assert demo.main(["--export", str(tmp_path / "nope")]) == 2
