"""Client-side rules follow the schema: scripts/regen.py writes them, the facade enforces them.

`flick_api/_rules.py` holds every limit, request enum and the default base URL the facade
checks, read from `openapi.json` at regeneration time (issue #15, item 3). These tests show
that a regenerated schema changes what the SDK enforces with no hand edit, in both directions.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))


def _load_regen() -> ModuleType:
    if "regen" in sys.modules:  # tests/test_regen.py loaded it already: one module, one RegenError
        return sys.modules["regen"]
    spec = importlib.util.spec_from_file_location("regen", ROOT / "scripts" / "regen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["regen"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


regen = _load_regen()


def _rules(schema: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(regen.schema_rules(schema), "_rules.py", "exec"), namespace)
    return namespace


def test_the_rules_module_is_read_from_the_schema() -> None:
    """Today's schema gives the reference's numbers; the module in generated/ is exactly what regen writes."""
    rules = _rules(SCHEMA)
    assert rules["DEFAULT_BASE_URL"] == SCHEMA["servers"][0]["url"]
    assert rules["MEDIA_TYPES"] == tuple(SCHEMA["components"]["schemas"]["MediaType"]["enum"])
    assert (rules["REVIEW_MAX_LENGTH"], rules["TAGS_MAX_ITEMS"], rules["TAG_MAX_LENGTH"]) == (10_000, 20, 64)
    assert (rules["LIMIT_MAXIMUM"], rules["BATCH_MAX_ITEMS"], rules["TITLE_MAX_LENGTH"]) == (100, 50, 200)
    assert (rules["YEAR_MINIMUM"], rules["YEAR_MAXIMUM"]) == (None, None)  # the schema bounds no year
    written = (ROOT / "generated" / "flick_api" / "_rules.py").read_text(encoding="utf-8")
    assert written == regen.schema_rules(SCHEMA)


def test_a_dropped_limit_becomes_none_and_a_missing_server_is_an_error() -> None:
    """No limit in the schema means none enforced; no server URL means no default: regen refuses."""
    loose = copy.deepcopy(SCHEMA)
    del loose["components"]["schemas"]["ReviewCreate"]["properties"]["review"]["maxLength"]
    del loose["components"]["schemas"]["ReviewCreate"]["properties"]["tags"]
    assert (_rules(loose)["REVIEW_MAX_LENGTH"], _rules(loose)["TAGS_MAX_ITEMS"]) == (None, None)
    del loose["servers"]
    with pytest.raises(regen.RegenError, match="no server URL"):
        regen.schema_rules(loose)


CHECK = """
import json
import flick_api
from flick_async import DEFAULT_BASE_URL, ReviewInput, ValidationError
from flick_async._validation import check_page, check_resolve

def judged(call):
    try:
        call()
    except ValidationError as error:
        return f"{error.field}: {error.rule}"
    return "ok"

def review(**fields):
    return lambda: ReviewInput(**{"tmdb_id": "1", "media_type": "movie", **fields}).to_body()

print(json.dumps({
    "package": flick_api.__file__,
    "base_url": DEFAULT_BASE_URL,
    "review 5000": judged(review(review="x" * 5000)),
    "review 5001": judged(review(review="x" * 5001)),
    "11 tags": judged(review(tags=["t"] * 11)),
    "rating 11": judged(review(rating=11)),
    "media_type short": judged(review(media_type="short")),
    "limit 51": judged(lambda: check_page(1, 51)),
    "title 250": judged(lambda: check_resolve("x" * 250, None, None)),
    "title 301": judged(lambda: check_resolve("x" * 301, None, None)),
}))
"""


def test_a_regenerated_schema_changes_what_the_sdk_enforces(tmp_path: Path) -> None:
    """Tightened, loosened and dropped limits, a new enum value and a new server URL reach the
    facade through regeneration alone: the SDK's own sources are the same files throughout."""
    changed = copy.deepcopy(SCHEMA)
    review = changed["components"]["schemas"]["ReviewCreate"]["properties"]
    review["review"]["maxLength"] = 5_000  # tightened
    review["tags"]["maxItems"] = 10  # tightened
    del review["rating"]["maximum"]  # dropped
    changed["components"]["schemas"]["MediaType"]["enum"].append("short")  # a new value
    changed["components"]["parameters"]["limit"]["schema"]["maximum"] = 50  # tightened
    title = next(p for p in changed["paths"]["/resolve"]["get"]["parameters"] if p.get("name") == "title")
    title["schema"]["maxLength"] = 300  # loosened
    changed["servers"][0]["url"] = "https://api.flick.example/v2"
    schema_path = tmp_path / "openapi.json"
    schema_path.write_text(json.dumps(changed), encoding="utf-8")
    package = regen.generate(schema_path, tmp_path / "out")

    env = {**os.environ, "PYTHONPATH": str(package.parent)}  # ahead of the installed generated/
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    judged = json.loads(result.stdout)
    assert judged.pop("package").startswith(str(package))
    assert judged == {
        "base_url": "https://api.flick.example/v2",
        "review 5000": "ok",
        "review 5001": "review: must be at most 5,000 characters",
        "11 tags": "tags: must hold at most 10 tags",
        "rating 11": "ok",
        "media_type short": "ok",
        "limit 51": "limit: must be at most 50",
        "title 250": "ok",
        "title 301": "title: must be 1–300 characters long",
    }
