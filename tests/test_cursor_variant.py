"""The cursor-pagination variant of the schema: regenerating from it leaves the facade's public API as it is.

The reference warns that pagination "may change to cursors before GA". `tests/fixtures/cursor/`
holds `openapi.json` as it would read then (`page` → an opaque `cursor` parameter; pages carry
`next_cursor` instead of `page`/`has_more`, and `total` becomes optional). The project's
`openapi.json` stays the API as it is. These tests regenerate the low-level client from the
variant into a temporary folder and check, in a fresh interpreter, that `flick_async` exports
the same names with the same signatures and still walks a cursor server to the end.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "cursor" / "openapi.json"

CURSOR_PARAMETER = {
    "description": "Opaque position: the `next_cursor` of the previous page; omit it for the first page.",
    "in": "query",
    "name": "cursor",
    "required": False,
    "schema": {"minLength": 1, "type": "string"},
}
NEXT_CURSOR = {
    "description": "Fetches the next page; null on the last page.",
    "type": ["string", "null"],
}


def cursor_variant(document: dict[str, Any]) -> dict[str, Any]:
    """`openapi.json` with cursor pagination in place of page numbers (how the fixture is made)."""
    variant = copy.deepcopy(document)
    parameters = variant["components"]["parameters"]
    del parameters["page"]
    parameters["cursor"] = CURSOR_PARAMETER
    for operations in variant["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("$ref") == "#/components/parameters/page":
                    parameter["$ref"] = "#/components/parameters/cursor"
    for name, schema in variant["components"]["schemas"].items():
        if name.endswith("Page"):
            del schema["properties"]["page"], schema["properties"]["has_more"]
            schema["properties"]["next_cursor"] = NEXT_CURSOR
            schema["required"] = ["data", "limit", "next_cursor"]
    return variant


def _regen() -> Any:
    spec = importlib.util.spec_from_file_location("regen", ROOT / "scripts" / "regen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("regen", module)
    spec.loader.exec_module(module)
    return module


# Printed by a fresh interpreter: every export of flick_async with its signature (classes: each
# public member's), then the result of walking a cursor-style local server with iter().
_SNAPSHOT = r"""
import inspect, json, re, sys
import anyio
import httpx
import flick_async
from flick_async import AsyncFlick
from flick_async.testing import DEMO_API_KEY, DeleteServed, FlickServer

def describe(value):
    if inspect.isclass(value):
        members = {}
        for name, member in sorted(vars(value).items()):
            if name.startswith("_") and name != "__init__":
                continue
            target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            try:
                members[name] = str(inspect.signature(target)) if callable(target) else type(member).__name__
            except (TypeError, ValueError):
                members[name] = type(member).__name__
        return {"class": members, "bases": [base.__name__ for base in value.__mro__[1:]]}
    try:
        return str(inspect.signature(value)) if callable(value) else type(value).__name__
    except (TypeError, ValueError):  # a type alias such as Hook
        return repr(value)

api = {name: describe(getattr(flick_async, name)) for name in flick_async.__all__}

async def walk():
    server = FlickServer(pagination="cursor", max_page_size=3)
    server.paging.between_pages("GET /me/reviews", DeleteServed())
    async with httpx.AsyncClient(transport=server.transport()) as http:
        async with AsyncFlick(DEMO_API_KEY, base_url=server.base_url, http_client=http, throttle=False) as flick:
            pages = flick.reviews.iter()
            ids = [review.id async for review in pages]
    survivors = [review["id"] for review in server.reviews(DEMO_API_KEY)]
    return {"style": pages.style, "complete": pages.complete, "survivors_yielded": set(survivors) <= set(ids),
            "unique": len(ids) == len(set(ids))}

api = json.loads(re.sub(r" at 0x[0-9a-f]+", "", json.dumps(api)))  # default values print their address
print(json.dumps({"api": api, "walk": anyio.run(walk), "flick_api": sys.modules["flick_api"].__file__}))
"""


def _snapshot(generated_root: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(generated_root), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", _SNAPSHOT], capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    snapshot: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    assert Path(snapshot.pop("flick_api")).is_relative_to(generated_root)
    return snapshot


def test_the_fixture_is_openapi_json_with_cursor_pagination() -> None:
    """The fixture is exactly `openapi.json` with the cursor change, so it cannot drift from the API."""
    document = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == cursor_variant(document)


@pytest.mark.timeout(300)
def test_regenerating_for_cursors_keeps_the_public_api(tmp_path: Path) -> None:
    """Generated from the cursor variant: the same exports and signatures, and iter() still walks to the end."""
    regen = _regen()
    cursor_package = regen.generate(FIXTURE, tmp_path / "cursor")
    assert (cursor_package / "models" / "review_page.py").read_text(encoding="utf-8").count("next_cursor") > 0
    today = _snapshot(ROOT / "generated")
    after = _snapshot(cursor_package.parent)
    assert after["api"] == today["api"]
    assert after["walk"] == {"style": "cursor", "complete": True, "survivors_yielded": True, "unique": True}
