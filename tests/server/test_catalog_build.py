"""The demo catalog is built from data by scripts/build_catalog.py, and the build reproduces it exactly."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "flick_async" / "testing" / "data"
EXPORT = ROOT / "tests" / "fixtures" / "letterboxd" / "patrickmjones"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "scripts" / "build_catalog.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_catalog", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["catalog.csv", "episodes.csv"])
def test_the_build_reproduces_the_committed_catalog_byte_for_byte(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rebuilding from curated_titles.csv, curated_tv.json and the export gives the shipped files' exact bytes."""
    _builder().main([str(EXPORT), "--out", str(tmp_path)])
    assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes()
    assert capsys.readouterr().out.startswith("2298 catalog rows; 2087 export titles, 100 left out:")


def test_the_builder_is_a_short_script_and_the_titles_are_data() -> None:
    """No titles are kept as Python: the builder is short, the package holds no builder."""
    assert len((ROOT / "scripts" / "build_catalog.py").read_text(encoding="utf-8").splitlines()) < 150
    assert not (DATA / "build_catalog.py").exists()
    assert (
        (DATA / "curated_titles.csv").read_text(encoding="utf-8").startswith("tmdb_id,media_type,title,year,aliases\n")
    )
