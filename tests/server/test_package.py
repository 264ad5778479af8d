"""The package surface: exports, the served schema and docs, the pytest plugin, import isolation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

import flick_async.testing
from flick_async.testing import DEMO_API_KEY, FlickServer, FlickTransport

REPO = Path(__file__).resolve().parents[2]


def test_exported_members() -> None:
    """__all__ is sorted, every name in it resolves (lazily) to an object of this package, and dir() shows it."""
    exported = flick_async.testing.__all__
    assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
    for name in exported:
        value = getattr(flick_async.testing, name)
        assert getattr(value, "__module__", "flick_async.testing").startswith("flick_async.testing"), name
    assert set(exported) <= set(dir(flick_async.testing))
    assert not hasattr(flick_async.testing, "Store")


def test_shipped_schema_is_the_projects() -> None:
    """The copy inside the package equals the repository's openapi.json."""
    shipped = (REPO / "flick_async" / "testing" / "openapi.json").read_bytes()
    assert json.loads(shipped) == json.loads((REPO / "openapi.json").read_bytes())


async def test_openapi_json_is_served(http: httpx.AsyncClient) -> None:
    """GET /api/beta/openapi.json serves the repository's openapi.json, no key needed."""
    response = await http.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads((REPO / "openapi.json").read_text(encoding="utf-8"))


async def test_docs_page_renders_the_schema_offline(http: httpx.AsyncClient) -> None:
    """GET /api/beta/docs is self-contained HTML naming every operation, parameter and error status."""
    response = await http.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    schema = json.loads((REPO / "openapi.json").read_text(encoding="utf-8"))
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert f'id="{operation["operationId"]}"' in page
            assert f"<code>{path}</code>" in page
            assert f">{method.upper()}</span>" in page
    for name in ("page", "limit", "title", "year", "media_type", "list_id", "X-RateLimit-Reset", "Retry-After"):
        assert f"<code>{name}</code>" in page
    assert "<script" not in page
    assert "src=" not in page
    assert "<td>429</td>" in page


async def test_unknown_routes_and_methods_are_not_found(http: httpx.AsyncClient) -> None:
    """Unknown paths and unsupported methods get 404 not_found in the envelope."""
    for method, path in [("GET", "/nope"), ("DELETE", "/me"), ("PUT", "/me/reviews"), ("GET", "/me/reviews/batch")]:
        response = await http.request(method, path)
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": f"No such operation: {method} /api/beta{path}."}
        }


def test_plugin_fixtures(flick_server: FlickServer, flick_api_key: str, flick_transport: FlickTransport) -> None:
    """The pytest plugin provides a fresh server, the demo key and a transport into that server."""
    assert flick_api_key == DEMO_API_KEY
    assert flick_server.demo_account is not None
    assert isinstance(flick_transport, httpx.AsyncBaseTransport)


def test_core_sdk_does_not_import_the_server() -> None:
    """`import flick_async` loads neither flick_async.testing nor starlette, uvicorn or rapidfuzz."""
    code = (
        "import sys, flick_async; "
        "print([m for m in ('flick_async.testing', 'starlette', 'uvicorn', 'rapidfuzz') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"


def test_plugin_import_is_free() -> None:
    """Loading the pytest plugin imports none of the server's dependencies."""
    code = (
        "import sys, flick_async.testing.pytest_plugin; "
        "print([m for m in ('starlette', 'uvicorn', 'rapidfuzz') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == "[]"
