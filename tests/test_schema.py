"""openapi.json against the API reference (flick-api-reference.md) and the project contract (contract.md).

Each table row is one fact of those documents, checked in the schema with every `$ref` resolved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate as validate_spec

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
DOC: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BASE_PATH = "/api/beta"  # the reference writes paths in full; the schema's servers end in it


# --- resolving ---------------------------------------------------------------------------


def resolve(node: Any) -> Any:
    """Follow local `$ref`s until the node is not a reference."""
    for _ in range(32):
        if not (isinstance(node, dict) and "$ref" in node):
            return node
        ref: str = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected, got {ref}"
        node = DOC
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    raise AssertionError("a $ref cycle")


def inline(node: Any) -> Any:
    """The node with every `$ref` in it replaced by its target (the schema has no cycles)."""
    node = resolve(node)
    if isinstance(node, dict):
        return {key: inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(value) for value in node]
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def operation(operation_id: str) -> dict[str, Any]:
    found = [op for _, _, op in operations() if op.get("operationId") == operation_id]
    assert len(found) == 1, f"{operation_id}: {len(found)} operations carry this operationId"
    return found[0]


def parameter(operation_id: str, location: str, name: str) -> dict[str, Any]:
    params: list[dict[str, Any]] = [resolve(p) for p in operation(operation_id).get("parameters", [])]
    found = [p for p in params if (p["in"], p["name"]) == (location, name)]
    assert len(found) == 1, f"{operation_id}: {len(found)} {location} parameters named {name}"
    return found[0]


def json_content(node: Any) -> dict[str, Any]:
    content: dict[str, Any] = resolve(node)["content"]
    assert list(content) == ["application/json"], "the API accepts and returns JSON only"
    media: dict[str, Any] = content["application/json"]
    return media


def body_schema(operation_id: str) -> dict[str, Any]:
    body = resolve(operation(operation_id)["requestBody"])
    assert body["required"] is True
    schema: dict[str, Any] = inline(json_content(body)["schema"])
    return schema


def response(operation_id: str, status: str) -> dict[str, Any]:
    responses = operation(operation_id)["responses"]
    assert status in responses, f"{operation_id} documents no {status} response"
    found: dict[str, Any] = resolve(responses[status])
    return found


def assert_subset(actual: Any, expected: Any, where: str = "") -> None:
    """Every key of `expected` is in `actual` with an equal value (recursively for objects)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: no {key!r}"
            assert_subset(actual[key], value, f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def validator(schema: dict[str, Any]) -> Any:
    """A validator in OpenAPI 3.1's JSON Schema dialect that also checks formats, e.g. `date`."""
    return OAS31Validator(schema, format_checker=oas31_format_checker)


# --- the document as a whole -------------------------------------------------------------


def test_schema_is_valid_openapi() -> None:
    """openapi.json passes openapi-spec-validator and declares OpenAPI 3.1."""
    validate_spec(DOC)
    assert DOC["openapi"].startswith("3.1.")


def test_schema_file_is_normalised() -> None:
    """openapi.json is stored as regen.py writes it: sorted keys, two-space indent, UTF-8, final newline."""
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(DOC, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_no_schema_reference_dangles() -> None:
    """Every `$ref` in the document points at something that exists."""

    def refs(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "$ref" in node:
                yield node
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(DOC):
        resolve(ref)  # raises KeyError if the target is missing


# --- operations --------------------------------------------------------------------------

# (method, path as the reference writes it, operationId, tag)
OPERATIONS = [
    ("GET", "/api/beta/me", "getProfile", "profile"),
    ("GET", "/api/beta/resolve", "resolveTitle", "resolve"),
    ("GET", "/api/beta/me/reviews", "listReviews", "reviews"),
    ("POST", "/api/beta/me/reviews", "createReview", "reviews"),
    ("POST", "/api/beta/me/reviews/batch", "createReviewsBatch", "reviews"),
    ("GET", "/api/beta/me/watchlist", "listWatchlist", "watchlist"),
    ("GET", "/api/beta/me/lists", "listLists", "lists"),
    ("GET", "/api/beta/me/lists/{list_id}/items", "listListItems", "lists"),
]
OPERATION_IDS = [row[2] for row in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "operation_id", "tag"), OPERATIONS, ids=OPERATION_IDS)
def test_operation(method: str, path: str, operation_id: str, tag: str) -> None:
    """The reference's endpoint exists under the server base path with its operationId and one tag."""
    assert path.startswith(BASE_PATH)
    item = DOC["paths"][path.removeprefix(BASE_PATH)]
    op = item[method.lower()]
    assert op["operationId"] == operation_id
    assert op["tags"] == [tag]
    assert tag in {t["name"] for t in DOC["tags"]}


def test_no_undocumented_operation() -> None:
    """The schema has exactly the reference's eight operations."""
    found = {(method, BASE_PATH + path) for method, path, _ in operations()}
    assert found == {(method, path) for method, path, _, _ in OPERATIONS}


# (operationId, statuses a success can come back with)
SUCCESS_STATUSES = [
    ("getProfile", {"200"}),
    ("resolveTitle", {"200"}),  # nothing plausible is `match: null`, not a 404 (contract)
    ("listReviews", {"200"}),
    ("createReview", {"200", "201"}),  # 201 created, 200 deduplicated
    ("createReviewsBatch", {"200"}),  # always 200 for a well-formed request
    ("listWatchlist", {"200"}),
    ("listLists", {"200"}),
    ("listListItems", {"200"}),
]


@pytest.mark.parametrize(("operation_id", "statuses"), SUCCESS_STATUSES, ids=[r[0] for r in SUCCESS_STATUSES])
def test_success_statuses(operation_id: str, statuses: set[str]) -> None:
    """Each operation documents exactly the success statuses of the contract, each with a JSON body."""
    documented = {s for s in operation(operation_id)["responses"] if s.startswith("2")}
    assert documented == statuses
    for status in statuses:
        assert "schema" in json_content(response(operation_id, status))


# --- parameters --------------------------------------------------------------------------

PAGE = {"type": "integer", "minimum": 1, "default": 1}
LIMIT = {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
PAGINATED = ["listReviews", "listWatchlist", "listLists", "listListItems"]

# (operationId, in, name, required, schema constraints)
PARAMETERS = [
    ("resolveTitle", "query", "title", True, {"type": "string", "minLength": 1, "maxLength": 200}),
    ("resolveTitle", "query", "year", False, {"type": "integer"}),
    ("resolveTitle", "query", "media_type", False, {"type": "string", "enum": ["movie", "tv"]}),
    ("listListItems", "path", "list_id", True, {"type": "string"}),
    *[(op, "query", "page", False, PAGE) for op in PAGINATED],
    *[(op, "query", "limit", False, LIMIT) for op in PAGINATED],
]


@pytest.mark.parametrize(
    ("operation_id", "location", "name", "required", "constraints"),
    PARAMETERS,
    ids=[f"{op}-{name}" for op, _, name, _, _ in PARAMETERS],
)
def test_parameter(operation_id: str, location: str, name: str, required: bool, constraints: dict[str, Any]) -> None:
    """A documented parameter has its location, requiredness, type and limits."""
    param = parameter(operation_id, location, name)
    assert param.get("required", False) is required
    assert_subset(inline(param["schema"]), constraints, f"{operation_id} {name}")


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_no_undocumented_parameter(operation_id: str) -> None:
    """An operation takes exactly the parameters the reference lists (none for the others)."""
    found = {(p["in"], p["name"]) for p in map(resolve, operation(operation_id).get("parameters", []))}
    assert found == {(loc, name) for op, loc, name, _, _ in PARAMETERS if op == operation_id}


# --- request bodies ----------------------------------------------------------------------

MEDIA_TYPES = ["movie", "tv", "tv_season", "tv_episode"]

# (field of the single-create body, required, schema constraints)
BODY_FIELDS = [
    ("tmdb_id", True, {"type": "string"}),
    ("media_type", True, {"type": "string", "enum": MEDIA_TYPES}),
    ("season_number", False, {"type": "integer"}),
    ("episode_number", False, {"type": "integer"}),
    ("rating", False, {"type": "number", "minimum": 0, "maximum": 10}),
    ("review", False, {"type": "string", "maxLength": 10000}),
    ("watched_date", False, {"type": "string", "format": "date"}),
    ("tags", False, {"type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 64}}),
]


@pytest.mark.parametrize(("field", "required", "constraints"), BODY_FIELDS, ids=[r[0] for r in BODY_FIELDS])
def test_review_body_field(field: str, required: bool, constraints: dict[str, Any]) -> None:
    """A field of the create-review body has its requiredness, type and limits."""
    schema = body_schema("createReview")
    assert (field in schema["required"]) is required
    assert_subset(schema["properties"][field], constraints, f"ReviewCreate.{field}")


def test_review_body_has_only_documented_fields() -> None:
    """The create-review body has exactly the reference's eight fields."""
    assert set(body_schema("createReview")["properties"]) == {field for field, _, _ in BODY_FIELDS}


def test_batch_body_is_one_to_fifty_single_bodies() -> None:
    """The batch body is `{"reviews": [...]}`, 1–50 items, each the single-create body."""
    schema = body_schema("createReviewsBatch")
    assert schema["required"] == ["reviews"]
    assert set(schema["properties"]) == {"reviews"}
    reviews = schema["properties"]["reviews"]
    assert_subset(reviews, {"type": "array", "minItems": 1, "maxItems": 50}, "reviews")
    assert reviews["items"] == body_schema("createReview")


EPISODE = {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 1, "episode_number": 1}
MOVIE = {"tmdb_id": "27205", "media_type": "movie"}

# (id, body, accepted): the reference's body rules, checked by validating sample bodies
BODIES = [
    ("movie-minimal", MOVIE, True),
    ("full-episode", {**EPISODE, "rating": 9, "review": "A perfect pilot.", "watched_date": "2026-06-14"}, True),
    ("no-tmdb_id", {"media_type": "movie"}, False),
    ("no-media_type", {"tmdb_id": "27205"}, False),
    ("tmdb_id-as-integer", {**MOVIE, "tmdb_id": 27205}, False),
    ("unknown-media_type", {**MOVIE, "media_type": "anime"}, False),
    ("season-without-season_number", {"tmdb_id": "1396", "media_type": "tv_season"}, False),
    ("season-with-season_number", {"tmdb_id": "1396", "media_type": "tv_season", "season_number": 2}, True),
    ("episode-without-episode_number", {"tmdb_id": "1396", "media_type": "tv_episode", "season_number": 1}, False),
    ("episode-without-season_number", {"tmdb_id": "1396", "media_type": "tv_episode", "episode_number": 1}, False),
    ("episode-with-both", EPISODE, True),
    ("season_number-not-integer", {**EPISODE, "season_number": "1"}, False),
    ("episode_number-not-integer", {**EPISODE, "episode_number": 1.5}, False),
    ("rating-0", {**MOVIE, "rating": 0}, True),
    ("rating-10", {**MOVIE, "rating": 10}, True),
    ("rating-7.5", {**MOVIE, "rating": 7.5}, True),
    ("rating-below-0", {**MOVIE, "rating": -0.5}, False),
    ("rating-above-10", {**MOVIE, "rating": 10.5}, False),
    ("review-10000-chars", {**MOVIE, "review": "x" * 10_000}, True),
    ("review-10001-chars", {**MOVIE, "review": "x" * 10_001}, False),
    ("watched_date-YYYY-MM-DD", {**MOVIE, "watched_date": "2026-05-01"}, True),
    ("watched_date-not-a-date", {**MOVIE, "watched_date": "2026-13-01"}, False),
    ("watched_date-with-time", {**MOVIE, "watched_date": "2026-05-01T20:00:00Z"}, False),
    ("20-tags", {**MOVIE, "tags": [f"t{i}" for i in range(20)]}, True),
    ("21-tags", {**MOVIE, "tags": [f"t{i}" for i in range(21)]}, False),
    ("tag-64-chars", {**MOVIE, "tags": ["x" * 64]}, True),
    ("tag-65-chars", {**MOVIE, "tags": ["x" * 65]}, False),
]


@pytest.mark.parametrize(("body", "accepted"), [r[1:] for r in BODIES], ids=[r[0] for r in BODIES])
def test_review_body_rules(body: dict[str, Any], accepted: bool) -> None:
    """A sample create-review body is accepted or rejected as the reference's rules say (if/then included)."""
    assert validator(body_schema("createReview")).is_valid(body) is accepted


# (id, number of items, accepted)
BATCHES = [("0-items", 0, False), ("1-item", 1, True), ("50-items", 50, True), ("51-items", 51, False)]


@pytest.mark.parametrize(("count", "accepted"), [r[1:] for r in BATCHES], ids=[r[0] for r in BATCHES])
def test_batch_body_size(count: int, accepted: bool) -> None:
    """A batch body is accepted only with 1–50 reviews."""
    assert validator(body_schema("createReviewsBatch")).is_valid({"reviews": [MOVIE] * count}) is accepted


def test_batch_item_is_validated_as_a_single_body() -> None:
    """An invalid item makes the batch body invalid, as the single-create rules apply per item."""
    assert not validator(body_schema("createReviewsBatch")).is_valid({"reviews": [MOVIE, {"media_type": "tv_season"}]})


# --- response objects --------------------------------------------------------------------

PAGE_FIELDS = {"data", "page", "limit", "total", "has_more"}

# (schema, field, required, constraints): the reference's media object, resolve and review writes
RESPONSE_FIELDS = [
    ("Media", "tmdb_id", True, {"type": "string"}),
    ("Media", "type", True, {"type": "string", "enum": MEDIA_TYPES}),
    ("Media", "title", True, {"type": "string"}),
    ("Media", "year", True, {"type": ["integer", "null"]}),
    ("Media", "poster_url", True, {"type": ["string", "null"]}),
    ("Media", "season_number", False, {"type": "integer"}),
    ("Media", "episode_number", False, {"type": "integer"}),
    ("Media", "show_title", False, {"type": "string"}),
    ("Review", "source", True, {"type": "string", "enum": ["app", "import", "api"]}),
    ("Review", "media", True, {"required": ["tmdb_id", "type", "title", "year", "poster_url"]}),
    ("Review", "rating", True, {"type": ["number", "null"], "minimum": 0, "maximum": 10}),
    ("Candidate", "media_type", True, {"type": "string", "enum": ["movie", "tv"]}),
    ("Candidate", "score", True, {"type": "number", "minimum": 0, "maximum": 1}),
    ("Candidate", "confidence", True, {"type": "string", "enum": ["high", "medium", "low"]}),
    ("ResolveResult", "candidates", True, {"type": "array", "maxItems": 5}),
    ("ReviewWriteResult", "deduplicated", True, {"type": "boolean"}),
    ("ReviewBatchResult", "deduplicated_count", True, {"type": "integer"}),
    ("ReviewBatchItemResult", "created", True, {"type": "boolean"}),
    ("Error", "code", True, {"type": "string"}),
    ("Error", "message", True, {"type": "string"}),
    ("Error", "details", False, {"type": "object"}),  # optional: clients must not require it (contract)
]


@pytest.mark.parametrize(
    ("schema_name", "field", "required", "constraints"),
    RESPONSE_FIELDS,
    ids=[f"{s}.{f}" for s, f, _, _ in RESPONSE_FIELDS],
)
def test_response_field(schema_name: str, field: str, required: bool, constraints: dict[str, Any]) -> None:
    """A response object's field has its requiredness, type and limits."""
    schema = inline(DOC["components"]["schemas"][schema_name])
    assert (field in schema["required"]) is required
    assert_subset(schema["properties"][field], constraints, f"{schema_name}.{field}")


def test_resolve_match_is_a_candidate_or_null() -> None:
    """`match` is the strongest candidate, or null when nothing plausible turns up."""
    match = inline(DOC["components"]["schemas"]["ResolveResult"])["properties"]["match"]
    candidate = inline(DOC["components"]["schemas"]["Candidate"])
    assert sorted(match["anyOf"], key=json.dumps) == sorted([candidate, {"type": "null"}], key=json.dumps)


@pytest.mark.parametrize("operation_id", PAGINATED)
def test_paginated_response(operation_id: str) -> None:
    """A list endpoint returns `{data: [...], page, limit, total, has_more}`."""
    schema = inline(json_content(response(operation_id, "200"))["schema"])
    assert set(schema["required"]) == PAGE_FIELDS
    assert_subset(
        schema["properties"],
        {"data": {"type": "array"}, "page": {"type": "integer"}, "limit": {"type": "integer"}},
        operation_id,
    )
    assert_subset(schema["properties"], {"total": {"type": "integer"}, "has_more": {"type": "boolean"}}, operation_id)


def test_batch_reports_media_not_found_per_item() -> None:
    """The batch endpoint has no top-level 404: each result carries an `error` envelope or null."""
    assert "404" not in operation("createReviewsBatch")["responses"]
    item = inline(DOC["components"]["schemas"]["ReviewBatchItemResult"])
    error = inline(DOC["components"]["schemas"]["Error"])
    assert sorted(item["properties"]["error"]["anyOf"], key=json.dumps) == sorted(
        [error, {"type": "null"}], key=json.dumps
    )


# --- errors ------------------------------------------------------------------------------

ALL = OPERATION_IDS
WITH_INPUT = [op for op in OPERATION_IDS if op != "getProfile"]  # invalid_request: bad body or params

# (code, status from contract.md, operations that must document it)
ERROR_CODES = [
    ("invalid_request", "400", WITH_INPUT),
    ("invalid_api_key", "401", ALL),
    ("api_key_revoked", "401", ALL),
    ("pro_required", "403", ALL),
    ("not_found", "404", ["listListItems"]),
    ("media_not_found", "404", ["createReview"]),
    ("rate_limited", "429", ALL),
    ("internal_error", "500", ALL),
    ("api_disabled", "503", ALL),
]


def test_error_codes_are_the_references() -> None:
    """The ErrorCode enum lists exactly the reference's nine codes."""
    assert sorted(DOC["components"]["schemas"]["ErrorCode"]["enum"]) == sorted(code for code, _, _ in ERROR_CODES)


@pytest.mark.parametrize(
    ("code", "status", "operation_id"),
    [(code, status, op) for code, status, ops in ERROR_CODES for op in ops],
    ids=[f"{code}-{status}-{op}" for code, status, ops in ERROR_CODES for op in ops],
)
def test_error_code_is_documented(code: str, status: str, operation_id: str) -> None:
    """The operation documents the code's status, naming the code, with the error envelope as body."""
    found = response(operation_id, status)
    assert f"`{code}`" in found["description"]
    envelope = inline(json_content(found)["schema"])
    assert envelope["required"] == ["error"]
    error = envelope["properties"]["error"]
    assert {"code", "message"} <= set(error["required"])
    assert code in error["properties"]["code"]["enum"]


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_error_statuses_use_the_envelope(operation_id: str) -> None:
    """Every 4xx/5xx response of the operation carries the one error envelope and names its codes."""
    for status, raw in operation(operation_id)["responses"].items():
        if status[0] in "45":
            found = resolve(raw)
            assert json_content(found)["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, status
            codes = [code for code, code_status, _ in ERROR_CODES if code_status == status]
            assert codes, f"{operation_id} documents {status}, which no error code of the contract uses"
            assert any(f"`{code}`" in found["description"] for code in codes), status


# --- headers -----------------------------------------------------------------------------

# (header, example value from the reference)
RATE_LIMIT_HEADERS = [
    ("X-RateLimit-Limit", 60),
    ("X-RateLimit-Remaining", 41),
    ("X-RateLimit-Reset", 1781200560),
    ("X-RateLimit-Limit-Day", 5000),
    ("X-RateLimit-Remaining-Day", 4817),
]


@pytest.mark.parametrize(
    ("header", "example", "operation_id"),
    [(h, e, op) for h, e in RATE_LIMIT_HEADERS for op in OPERATION_IDS],
    ids=[f"{h}-{op}" for h, _ in RATE_LIMIT_HEADERS for op in OPERATION_IDS],
)
def test_rate_limit_header_on_every_response(header: str, example: int, operation_id: str) -> None:
    """Every response of the operation, errors included, carries the required integer rate-limit header."""
    for status, raw in operation(operation_id)["responses"].items():
        headers = resolve(raw).get("headers", {})
        assert header in headers, f"{operation_id} {status} has no {header}"
        found = resolve(headers[header])
        assert found["required"] is True
        assert found["schema"]["type"] == "integer"
        assert found["example"] == example


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_retry_after_on_429_only(operation_id: str) -> None:
    """The 429 response carries a required integer `Retry-After` (seconds); no other response does."""
    for status, raw in operation(operation_id)["responses"].items():
        headers = resolve(raw).get("headers", {})
        assert ("Retry-After" in headers) is (status == "429"), f"{operation_id} {status}"
    retry_after = resolve(response(operation_id, "429")["headers"]["Retry-After"])
    assert retry_after["required"] is True
    assert_subset(retry_after["schema"], {"type": "integer", "minimum": 0}, "Retry-After")


# --- security and servers ----------------------------------------------------------------

# (scheme name, definition)
SECURITY_SCHEMES = [
    ("bearerAuth", {"type": "http", "scheme": "bearer"}),  # Authorization: Bearer flick_sk_…
    ("apiKeyAuth", {"type": "apiKey", "in": "header", "name": "X-API-Key"}),
]


@pytest.mark.parametrize(("name", "definition"), SECURITY_SCHEMES, ids=[r[0] for r in SECURITY_SCHEMES])
def test_security_scheme(name: str, definition: dict[str, Any]) -> None:
    """The scheme is defined and, on its own, authorises every operation."""
    assert_subset(DOC["components"]["securitySchemes"][name], definition, name)
    assert {name: []} in DOC["security"]
    for _, _, op in operations():
        assert "security" not in op, f"{op['operationId']} overrides the document's security"


def test_security_is_either_scheme() -> None:
    """Either the bearer token or the X-API-Key header suffices: two alternatives, one scheme each."""
    assert sorted(DOC["security"], key=json.dumps) == [{"apiKeyAuth": []}, {"bearerAuth": []}]


@pytest.mark.parametrize("url", ["https://flickmovies.com/api/beta", "http://localhost:8080/api/beta"])
def test_server(url: str) -> None:
    """The production base URL and the docs' "Try it" target are both servers."""
    assert url in [server["url"] for server in DOC["servers"]]
    assert url.endswith(BASE_PATH)


def test_production_server_comes_first() -> None:
    """Generated clients default to the first server: it is production."""
    assert DOC["servers"][0]["url"] == "https://flickmovies.com/api/beta"


# --- the reference's examples ------------------------------------------------------------

MEDIA_NOT_FOUND = {"error": {"code": "media_not_found", "message": "No movie found on TMDB for tmdb_id 999999999."}}
RATE_LIMITED = {
    "error": {"code": "rate_limited", "message": "Rate limit exceeded for the minute window. Retry after 12 seconds."}
}
MEDIA = {
    "tmdb_id": "1396",
    "type": "tv_episode",
    "title": "Pilot",
    "year": 2008,
    "poster_url": "https://image.tmdb.org/t/p/w500/…",  # the reference elides the file name
    "season_number": 1,
    "episode_number": 1,
    "show_title": "Breaking Bad",
}


def test_example_media_not_found() -> None:
    """The create-review 404 shows the reference's media_not_found example, whole."""
    assert json_content(response("createReview", "404"))["example"] == MEDIA_NOT_FOUND


def test_example_rate_limited() -> None:
    """Every 429 shows the reference's rate_limited example, whole."""
    for operation_id in OPERATION_IDS:
        assert json_content(response(operation_id, "429"))["example"] == RATE_LIMITED, operation_id


def test_example_media_object() -> None:
    """The Media schema's example is the reference's media object (its elided poster file aside)."""
    example = dict(DOC["components"]["schemas"]["Media"]["example"])
    poster_url = example.pop("poster_url")
    expected = dict(MEDIA)
    prefix = str(expected.pop("poster_url")).removesuffix("…")
    assert example == expected
    assert poster_url.startswith(prefix)


def test_example_pagination_defaults() -> None:
    """The reference's `?page=1&limit=50` is what an omitted page and limit mean."""
    for operation_id in PAGINATED:
        assert inline(parameter(operation_id, "query", "page")["schema"])["default"] == 1
        assert inline(parameter(operation_id, "query", "limit")["schema"])["default"] == 50


def _examples() -> Iterator[tuple[str, Any, Any]]:
    """(where, example, schema) for every example in the document that sits beside a schema."""

    def walk(node: Any, where: str) -> Iterator[tuple[str, Any, Any]]:
        if isinstance(node, dict):
            if "example" in node and "schema" in node and isinstance(node["schema"], dict):
                yield where, node["example"], node["schema"]
            if "example" in node and ("properties" in node or "enum" in node):
                yield where, node["example"], node
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")

    yield from walk(DOC["paths"], "paths")
    yield from walk(DOC["components"], "components")


EXAMPLES = list(_examples())


@pytest.mark.parametrize(("example", "schema"), [e[1:] for e in EXAMPLES], ids=[e[0] for e in EXAMPLES])
def test_example_matches_its_schema(example: Any, schema: dict[str, Any]) -> None:
    """Every example in the document is valid against the schema beside it."""
    validator(inline(schema)).validate(example)


def test_examples_were_found() -> None:
    """The example walk sees the examples this file relies on (so the check above cannot pass empty)."""
    wheres = {where for where, _, _ in EXAMPLES}
    assert "components/schemas/Media" in wheres
    assert "components/responses/TooManyRequests/content/application/json" in wheres
    assert "paths//me/reviews/post/requestBody/content/application/json" in wheres
