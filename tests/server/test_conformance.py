"""Conformance: schemathesis drives every operation of the in-process app and finds no schema violation.

Response conformance only — status codes, content types, headers and bodies as openapi.json
describes them, and never a 5xx. Deterministic (derandomized Hypothesis) and bounded in examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from flick_async.testing import DEMO_API_KEY, FlickServer, InternalError, RateLimitBurst

# One server for the whole run, limits raised so the fuzzing never meets a 429.
SERVER = FlickServer(rate_limit=1_000_000, daily_limit=1_000_000)
schema = schemathesis.openapi.from_asgi("/api/beta/openapi.json", SERVER.app)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_the_schema(case: schemathesis.Case[Any]) -> None:
    """Every response the server gives to generated requests matches openapi.json."""
    case.call_and_validate(headers={"Authorization": f"Bearer {DEMO_API_KEY}"}, checks=CHECKS)


GOOD: dict[str, Any] = {
    "tmdb_id": "1396",
    "media_type": "tv_episode",
    "season_number": 1,
    "episode_number": 1,
    "rating": 9,
}
SCENARIOS: dict[str, tuple[str, str, dict[str, Any], Callable[[FlickServer], object]]] = {
    "ranked-list-items": ("GET", "/me/lists/{list_id}/items", {}, lambda s: None),
    "resolve-hit": ("GET", "/resolve", {"query": {"title": "breaking bad", "year": 2008}}, lambda s: None),
    "resolve-miss": ("GET", "/resolve", {"query": {"title": "zzzzqqqq"}}, lambda s: None),
    "review-created": ("POST", "/me/reviews", {"body": GOOD}, lambda s: None),
    "review-deduplicated": ("POST", "/me/reviews", {"body": GOOD}, lambda s: s.add_review(DEMO_API_KEY, **GOOD)),
    "batch-mixed": (
        "POST",
        "/me/reviews/batch",
        {"body": {"reviews": [GOOD, GOOD, {"tmdb_id": "1", "media_type": "tv"}, {"tmdb_id": "1396"}]}},
        lambda s: None,
    ),
    "unauthorised": ("GET", "/me", {"headers": {"Authorization": "Bearer flick_sk_nobody_000000"}}, lambda s: None),
    "revoked": ("GET", "/me", {}, lambda s: s.revoke_key(DEMO_API_KEY, delay=0)),
    "pro-required": ("GET", "/me/reviews", {}, lambda s: s.set_pro(DEMO_API_KEY, False)),
    "rate-limited": ("GET", "/me/watchlist", {}, lambda s: s.faults.add("*", RateLimitBurst(count=1))),
    "internal-error": (
        "POST",
        "/me/reviews/batch",
        {"body": {"reviews": [GOOD]}},
        lambda s: s.faults.add("*", InternalError()),
    ),
    "api-disabled": ("GET", "/me/lists", {}, lambda s: setattr(s, "api_disabled", True)),
    "media-not-found": ("POST", "/me/reviews", {"body": {"tmdb_id": "0", "media_type": "movie"}}, lambda s: None),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_known_scenarios_conform(name: str) -> None:
    """Answers the fuzzer rarely reaches (real ids, dedup, every error status) match openapi.json too."""
    method, path, data, prepare = SCENARIOS[name]
    server = FlickServer()
    prepare(server)
    if "{list_id}" in path:
        data = {"path_parameters": {"list_id": server.lists(DEMO_API_KEY)[-1]["id"]}}
    headers = {"Authorization": f"Bearer {DEMO_API_KEY}", **data.pop("headers", {})}
    case = schema[path][method].Case(**data)
    response = case.call(headers=headers, app=server.app)
    server_error = name in ("internal-error", "api-disabled")
    checks = [c for c in CHECKS if c is not not_a_server_error] if server_error else CHECKS
    case.validate_response(response, checks=checks, headers=headers, transport_kwargs={"app": server.app})
    assert (response.status_code >= 500) is server_error
