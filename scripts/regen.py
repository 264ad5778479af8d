"""Regenerate `generated/flick_api` from the Flick OpenAPI schema.

    python scripts/regen.py                    # pull the live schema, summarise, regenerate
    python scripts/regen.py --from FILE-OR-URL # the same from another source
    python scripts/regen.py --dry-run          # summarise and report the facade gap only
    python scripts/regen.py --summary-file F   # also write the summary as Markdown (PR, CHANGELOG)
    python scripts/regen.py --check            # drift check: generated/ matches openapi.json?

A pull is validated and diffed against the current `openapi.json` before anything is
written; breaking changes stop it (exit 3) unless `--allow-breaking` is given. A failed pull,
an invalid schema or a failed generation leaves `openapi.json` and `generated/` untouched.
After the summary comes the facade gap: operations, parameters and request fields of the new
schema that `flick_async` does not expose yet.

Exit codes (this script is the CI entry point; `make regen` names the code on its last line):
0 no change, or only compatible changes and notes (regenerated unless --dry-run);
3 breaking changes, nothing written; 2 could not read, validate, generate or write;
1 (`--check` only) generated/ has drifted.

How each change is judged. A schema reached from a request describes what the server accepts:
a change that admits fewer values ("tightened") breaks callers whose values it now refuses. A
schema reached from a response describes what the SDK must read: one that admits more values
("loosened") breaks readers that relied on the old shape. "Changed" is neither (integer ->
string, one pattern for another) and breaks on either side. A component used on both sides
gets the stricter verdict; an unused one counts as both (anyone may import its model). $refs
are followed, so a shared component is judged by every place it is used, and reported once.

| Change                                          | Request side | Response side |
|-------------------------------------------------|--------------|---------------|
| maximum, maxLength, maxItems, maxProperties, exclusiveMaximum lowered or added | BREAKING | compatible |
| ... raised or removed                           | compatible   | BREAKING      |
| minimum, minLength, minItems, minProperties, exclusiveMinimum raised or added | BREAKING | compatible |
| ... lowered or removed                          | compatible   | BREAKING      |
| multipleOf a multiple of the old (or added), uniqueItems true | BREAKING | compatible |
| pattern, const, not, format, dependentRequired, ... added | BREAKING | compatible |
| a format the generator types (date, date-time, uuid, binary) added, removed or replaced | BREAKING | BREAKING |
| ... removed                                     | compatible   | BREAKING      |
| ... replaced by another value                   | BREAKING     | BREAKING      |
| type narrowed (number -> integer, null dropped) | BREAKING     | compatible    |
| type widened (integer -> number, made nullable, anyOf variant added) | compatible | BREAKING |
| (keywords beside anyOf/oneOf constrain every variant and are compared like any other) |  |  |
| (keywords beside a $ref apply with it, OpenAPI 3.1, and are compared like any other) |  |  |
| type changed otherwise (string -> integer)      | BREAKING     | BREAKING      |
| enum value added                                | compatible   | NOTE (the SDK parses unknown values) |
| enum value removed                              | BREAKING     | compatible    |
| field added, optional                           | compatible   | compatible    |
| field added to a closed object (additionalProperties: false) | compatible | BREAKING |
| field added, required                           | BREAKING     | compatible    |
| field removed (the generated attribute goes)    | BREAKING     | BREAKING      |
| schema made `false` (admits nothing) / no longer `false` | BREAKING / compatible | compatible / BREAKING |
| field made required / made optional            | BREAKING / compatible | compatible / BREAKING |
| additionalProperties closed / opened            | BREAKING / compatible | compatible / BREAKING |
| (keywords in an inline allOf part constrain the whole value: compared like any other) |  |  |
| if/then rule added, or its `then` tightened     | BREAKING     | compatible    |
| if/then rule removed, or its `then` loosened    | compatible   | BREAKING      |
| default added, changed or removed               | NOTE         | compatible    |
| made readOnly / made writeOnly                  | BREAKING / compatible | compatible / BREAKING |
| deprecated (operation, parameter, schema)       | NOTE         | NOTE          |
| $ref to another component, same values          | NOTE (the generated class changes) | NOTE |

| Change outside schemas                                   | Verdict    |
|----------------------------------------------------------|------------|
| operation added                                          | compatible |
| operation removed; operationId or first tag changed (the generated module moves) | BREAKING |
| operation deprecated                                     | NOTE       |
| parameter added optional / made optional                 | compatible |
| parameter added required, made required, removed, moved (in), style/explode changed | BREAKING |
| request body added optional, made optional, media type added | compatible |
| request body added required, made required, removed, media type removed | BREAKING |
| response status added: an error (4xx, 5xx)               | NOTE (raised through the error tree) |
| response status added: a success with a body an existing success has | NOTE |
| response status added: a success with a new body         | BREAKING   |
| response status removed                                  | compatible |
| response media type added / removed                      | NOTE / BREAKING |
| response header added, or made required                  | compatible |
| response header removed (required, or Retry-After / X-RateLimit-* the SDK reads), made optional | BREAKING |
| response header removed (optional, not read by the SDK)  | NOTE       |
| security scheme added                                    | compatible |
| security scheme removed or changed that the SDK offers (auth="bearer", auth="x-api-key") | BREAKING |
| security scheme removed or changed that the SDK does not offer | NOTE |
| security requirement alternative added, or the operation opened to anyone | compatible |
| security requirement alternative removed (incl. "no credentials") | BREAKING |
| first server URL changed (the SDK's DEFAULT_BASE_URL)    | BREAKING   |
| another server added / removed                           | compatible / NOTE |
| component schema added / removed (`flick_api.models.X` goes) | compatible / BREAKING |

Every row is a case of the mutation corpus, tests/fixtures/regen/mutations/.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "openapi.json"
# The local Flick server serves the schema at /api/beta/openapi.json, also from an installed
# wheel, so it ships a byte-identical copy as package data; regen writes it, --check guards it.
SERVED_SCHEMA_PATH = ROOT / "flick_async" / "testing" / "openapi.json"
GENERATED_DIR = ROOT / "generated"
PACKAGE = "flick_api"
CONFIG_PATH = ROOT / "scripts" / "generator.yaml"
TEMPLATES_DIR = ROOT / "scripts" / "templates"
LIVE_SCHEMA_URL = "https://flickmovies.com/api/beta/openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class RegenError(Exception):
    """A step failed; nothing was written."""


# --- reading and normalising -------------------------------------------------------------


def load_schema(source: str, *, timeout: float = 30.0) -> dict[str, Any]:
    """Read a schema from a URL or a file and check it is a valid OpenAPI document."""
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
            response.raise_for_status()
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is not an HTTPError
            raise RegenError(f"could not fetch {source}: {exc}") from exc
        text = response.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise RegenError(f"could not read {source}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise RegenError(f"{source} is not JSON: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegenError(f"{source} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise RegenError(f"{source} is not an OpenAPI document (top level is not an object)")
    validate(document, source)
    return document


def validate(document: Mapping[str, Any], source: str) -> None:
    """Raise RegenError unless `document` is a valid OpenAPI 3.x document."""
    from openapi_spec_validator import validate as validate_spec

    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        # Checked first: the validator's own message for this case is a bare class name.
        found = f"declares openapi {version!r}" if "openapi" in document else "has no `openapi` version field"
        raise RegenError(f"{source} is not a valid OpenAPI document: it {found}; expected OpenAPI 3.0 or 3.1")
    try:
        validate_spec(document)
    except Exception as exc:  # the validator raises several unrelated classes
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if len(first_line) > 300:  # an unresolvable $ref quotes the whole document
            first_line = first_line[:300] + "…"
        raise RegenError(f"{source} is not a valid OpenAPI document: {first_line}") from exc


def normalise(document: Mapping[str, Any]) -> str:
    """Stable key order and indentation, so that schema diffs stay small and reviewable."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- change summary ----------------------------------------------------------------------
#
# The rules (the table in the module docstring, and tests/fixtures/regen/mutations/ as data):
# a schema reachable from requests is what the server accepts, so tightening it breaks the
# callers whose values it now rejects; a schema reachable from responses is what the SDK must
# read, so loosening it breaks the readers that relied on the old shape. A component used on
# both sides gets the stricter verdict of the two.

Level = Literal["breaking", "note", "compatible"]
Side = Literal["request", "response"]
# How a change moves the set of values a schema admits. "changed" is neither a superset nor a
# subset (a new pattern replacing another, integer -> string): it breaks on either side.
Effect = Literal["tightened", "loosened", "changed", "neutral"]
_RANK: dict[Level, int] = {"compatible": 0, "note": 1, "breaking": 2}
BOTH: frozenset[Side] = frozenset({"request", "response"})
REQUEST: frozenset[Side] = frozenset({"request"})
RESPONSE: frozenset[Side] = frozenset({"response"})


@dataclass(frozen=True)
class Change:
    """One difference between the current schema and a pulled one, as the summary prints it."""

    kind: str  # "added", "removed", "renamed", "required", "optional", "tightened", "loosened", ...
    what: str  # "operation", "parameter", "field", "enum value", "constraint", "server", ...
    where: str
    level: Level = "compatible"
    detail: str = ""

    @property
    def breaking(self) -> bool:
        """Whether the change can break a caller of this SDK (the run stops, exit 3)."""
        return self.level == "breaking"

    def __str__(self) -> str:
        flag = {"breaking": "BREAKING ", "note": "NOTE ", "compatible": ""}[self.level]
        detail = f" ({self.detail})" if self.detail else ""
        return f"{flag}{self.what} {self.kind}: {self.where}{detail}"


def verdict(effect: Effect, sides: frozenset[Side], *, response_loosened: Level = "breaking") -> Level:
    """The level of a change to a schema used on `sides`: the stricter of each side's verdict.

    Args:
        effect: How the change moves the set of admitted values.
        sides: Where the schema is used; empty (an unused component) counts as both, since any
            importer of `flick_api.models` may rely on it.
        response_loosened: The level of response-side loosening; a new enum value is a "note",
            because the SDK parses values it does not know.
    """
    levels: list[Level] = ["compatible"]
    for side in sides or BOTH:
        if effect == "changed" or (effect == "tightened" and side == "request"):
            levels.append("breaking")
        elif effect == "loosened" and side == "response":
            levels.append(response_loosened)
    return max(levels, key=_RANK.__getitem__)


def _sides_label(sides: frozenset[Side]) -> str:
    if sides == REQUEST:
        return "request"
    if sides == RESPONSE:
        return "response"
    return "request and response" if sides else "unused"


def _operations(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every operation by "METHOD /path", with its path item's shared parameters merged in."""
    ops: dict[str, Mapping[str, Any]] = {}
    for path, raw_item in doc.get("paths", {}).items():
        item = _resolve(doc, raw_item)
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                # Path-level parameters apply to every operation below them; an operation's own
                # parameter of the same name and location wins (see _parameters).
                ops[f"{method.upper()} {path}"] = {**op, "parameters": [*shared, *op.get("parameters", [])]}
    return ops


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (JSON pointers, with their ~0 / ~1 escapes) to the node they name."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
        ref: str = node["$ref"]
        if not ref.startswith("#"):
            return {}  # an external reference: nothing to compare
        target: Any = doc
        for part in ref[1:].split("/")[1:]:
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key, {}) if isinstance(target, Mapping) else {}
        node, seen = target, seen + 1
    return node


def _component_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return ref.rsplit("/", 1)[-1]
    return None


def _type_of(doc: Mapping[str, Any], schema: Any) -> str:
    """A short, comparable description of a schema's type."""
    if not isinstance(schema, Mapping):
        return "any"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " | ".join(sorted(_type_of(doc, s) for s in schema[combinator]))
    kinds = _types(schema)
    kind = "|".join(sorted(kinds)) if kinds is not None else "any"
    if "array" in str(kind):
        kind = f"{kind}[{_type_of(doc, schema.get('items'))}]"
    fmt = schema.get("format")
    return f"{kind}<{fmt}>" if fmt else str(kind)


def _types(schema: Mapping[str, Any]) -> set[str] | None:
    """The JSON types a schema admits (None: any), `nullable: true` (OpenAPI 3.0) included."""
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = {kind} if isinstance(kind, str) else set(kind)
    if schema.get("nullable") is True:
        kinds.add("null")
    return kinds


def _admits(kinds: set[str] | None, kind: str) -> bool:
    return kinds is None or kind in kinds or (kind == "integer" and "number" in kinds)


def _type_effect(before: set[str] | None, after: set[str] | None) -> Effect:
    if before == after:
        return "neutral"
    wider = all(_admits(after, k) for k in before) if before is not None else after is None
    narrower = all(_admits(before, k) for k in after) if after is not None else before is None
    if wider and not narrower:
        return "loosened"
    if narrower and not wider:
        return "tightened"
    return "changed" if not (wider and narrower) else "neutral"


def _parameter_refs(doc: Mapping[str, Any], op: Mapping[str, Any]) -> dict[str, str]:
    """The `$ref` of each parameter given as one, by "in:name"."""
    refs = {}
    for raw in op.get("parameters", []):
        if isinstance(raw, Mapping) and isinstance(raw.get("$ref"), str):
            param = _resolve(doc, raw)
            refs[f"{param.get('in')}:{param.get('name')}"] = str(raw["$ref"])
    return refs


def _parameters(doc: Mapping[str, Any], op: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    params = {}
    for raw in op.get("parameters", []):
        param = _resolve(doc, raw)
        params[f"{param.get('in')}:{param.get('name')}"] = param
    return params


def _body_schemas(doc: Mapping[str, Any], op: Mapping[str, Any], *, request: bool) -> dict[str, Any]:
    """The schemas of an operation's request body, or of each of its responses, by a readable name."""
    if request:
        body = _resolve(doc, op.get("requestBody", {}))
        return {f"{media} request body": m.get("schema") for media, m in body.get("content", {}).items()}
    schemas = {}
    for status, raw in op.get("responses", {}).items():
        response = _resolve(doc, raw)
        for media, m in response.get("content", {}).items():
            schemas[f"{status} {media} response"] = m.get("schema")
        for name, header in response.get("headers", {}).items():
            schemas[f"{status} {name} header"] = _resolve(doc, header).get("schema")
    return schemas


def _reachable(doc: Mapping[str, Any], *, request: bool) -> set[str]:
    """Names of component schemas reachable from requests (bodies, parameters) or from responses."""
    roots: list[Any] = []
    for op in _operations(doc).values():
        roots.extend(_body_schemas(doc, op, request=request).values())
        if request:
            roots.extend(param.get("schema") for param in _parameters(doc, op).values())
    names: set[str] = set()
    while roots:
        node = roots.pop()
        if isinstance(node, Mapping):
            name = _component_name(node)
            if name is not None and name not in names:
                names.add(name)
                roots.append(doc.get("components", {}).get("schemas", {}).get(name))
            roots.extend(v for k, v in node.items() if k not in ("$ref", "example", "examples", "default"))
        elif isinstance(node, list):
            roots.extend(node)
    return names


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _short(value: Any, limit: int = 60) -> str:
    text = _json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# JSON Schema keywords compared by direction. An upper bound that falls, or a lower bound that
# rises, admits fewer values; a bound that appears is a tightening, one that goes a loosening.
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
# Validation keywords whose direction cannot be read off their values: appearing tightens,
# going loosens, any other change is "changed" (breaking on either side).
OPAQUE_KEYWORDS = (
    "pattern",
    "const",
    "not",
    "contains",
    "propertyNames",
    "patternProperties",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentEncoding",
    "contentMediaType",
)
# String formats the generator parses into their own Python type (datetime, date, File, UUID);
# any other format stays a str.
TYPED_FORMATS = frozenset({"date-time", "date", "binary", "uuid"})
# SDK auth options by the scheme they send: a scheme removed or changed that one of them uses
# breaks every caller who picked it.
SDK_AUTH = {("http", "bearer", ""): 'auth="bearer"', ("apikey", "header", "x-api-key"): 'auth="x-api-key"'}


def _sdk_auth(scheme: Mapping[str, Any]) -> str | None:
    kind = str(scheme.get("type", "")).lower()
    if kind == "http":
        return SDK_AUTH.get(("http", str(scheme.get("scheme", "")).lower(), ""))
    return SDK_AUTH.get((kind, str(scheme.get("in", "")).lower(), str(scheme.get("name", "")).lower()))


class _Differ:
    """Collects the changes between two documents (see summarise_changes)."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._visiting: set[tuple[int, int]] = set()

    def add(self, kind: str, what: str, where: str, level: Level, detail: str = "") -> None:
        self.changes.append(Change(kind, what, where, level, detail))

    def schema_change(
        self,
        kind: str,
        what: str,
        where: str,
        effect: Effect,
        sides: frozenset[Side],
        detail: str = "",
        *,
        response_loosened: Level = "breaking",
    ) -> None:
        level = verdict(effect, sides, response_loosened=response_loosened)
        label = _sides_label(sides)
        self.add(kind, what, where, level, f"{detail}; {label}" if detail else label)

    # -- schemas --------------------------------------------------------------------------

    def schema(self, where: str, before: Any, after: Any, sides: frozenset[Side], what: str = "field") -> None:
        """Compare two schemas found at the same place; a shared component is compared once, by name."""
        old_name, new_name = _component_name(before), _component_name(after)
        if old_name is not None and old_name == new_name:
            # The component is compared under components/schemas, with every side it is used on;
            # keywords beside the $ref (OpenAPI 3.1 applies them too) are this place's own.
            self._plain(where, _beside_ref(before), _beside_ref(after), sides, what)
            return
        a, b = _resolve(self.old, before), _resolve(self.new, after)
        key = (id(a), id(b))  # the resolved nodes: a merged copy below is new on every visit
        if isinstance(a, Mapping) and isinstance(b, Mapping) and (_beside_ref(before) or _beside_ref(after)):
            # Another component (or none): its keywords and those beside the $ref together.
            a, b = {**a, **_beside_ref(before)}, {**b, **_beside_ref(after)}
        if (a is False) != (b is False):
            # The boolean schema `false` (OpenAPI 3.1) admits no value at all.
            effect: Effect = "tightened" if b is False else "loosened"
            kind = "refuses every value" if b is False else "no longer refuses every value"
            self.schema_change(kind, what, where, effect, sides, "schema false" if b is False else "was schema false")
            return
        a, b = ({} if a is True else a), ({} if b is True else b)  # `true` admits anything, as {} does
        if not isinstance(a, Mapping) or not isinstance(b, Mapping):
            return
        if key in self._visiting:  # a recursive schema: this pair is being compared already
            return
        self._visiting.add(key)
        try:
            if any(c in s for s in (a, b) for c in ("anyOf", "oneOf")):
                self._variants(where, before, after, sides, what)
                # Keywords beside anyOf/oneOf constrain every variant. A schema without a
                # combinator is itself the one variant, so it has none beside it.
                self._plain(where, _beside_variants(a), _beside_variants(b), sides, what)
                return
            if old_name != new_name:
                # A note: what it admits is compared below, but code naming the old class needs a look.
                detail = f"{old_name or 'inline'} -> {new_name or 'inline'}; {_sides_label(sides)}"
                self.add("retyped", what, where, "note", detail)
            self._plain(where, a, b, sides, what)
        finally:
            self._visiting.discard(key)

    def _variant_key(self, doc: Mapping[str, Any], schema: Any) -> str:
        name = _component_name(schema)
        if name is not None:
            return name
        resolved = _resolve(doc, schema)
        if isinstance(resolved, Mapping) and "type" in resolved:
            kinds = _types(resolved) or set()
            return "|".join(sorted(kinds))
        return _short(resolved)

    def _variants(self, where: str, a: Any, b: Any, sides: frozenset[Side], what: str) -> None:
        # A schema without anyOf/oneOf is one variant of itself: {"$ref": X} made
        # {"anyOf": [{"$ref": X}, {"type": "null"}]} is one variant (null) added.
        def variants(doc: Mapping[str, Any], raw: Any) -> dict[str, Any]:
            resolved = _resolve(doc, raw)
            parts = resolved.get("anyOf", resolved.get("oneOf"))
            parts = parts if isinstance(parts, list) else [raw]
            keys = [self._variant_key(doc, p) for p in parts]
            # Two variants of one type (two strings, two objects) are told apart by their whole
            # text: matched by type alone, one would hide the other's change.
            return {
                key if keys.count(key) == 1 else f"{key} {_short(_resolve(doc, p), 200)}": p
                for key, p in zip(keys, parts, strict=True)
            }

        old_v, new_v = variants(self.old, a), variants(self.new, b)
        for name in sorted(new_v.keys() - old_v.keys()):
            self.schema_change("widened", what, where, "loosened", sides, f"now also {name}")
        for name in sorted(old_v.keys() - new_v.keys()):
            self.schema_change("narrowed", what, where, "tightened", sides, f"no longer {name}")
        for name in sorted(old_v.keys() & new_v.keys()):
            self.schema(where, old_v[name], new_v[name], sides, what)

    def _plain(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side], what: str) -> None:
        old_types, new_types = _types(a), _types(b)
        effect = _type_effect(old_types, new_types)
        if effect != "neutral":
            kind = {"loosened": "widened", "tightened": "narrowed"}.get(effect, "retyped")
            detail = f"{_type_of(self.old, a)} -> {_type_of(self.new, b)}"
            self.schema_change(kind, what, where, effect, sides, detail)
            if effect == "changed":
                return  # breaking on either side already; the old type's constraints say no more
        self._format(where, a, b, sides, what)
        self._enum(where, a, b, sides)
        self._bounds(where, a, b, sides)
        self._opaque(where, a, b, sides)
        self._default(where, a, b, sides)
        if a.get("deprecated") is not True and b.get("deprecated") is True:
            self.add("deprecated", what, where, "note")
        # readOnly: callers must stop sending it (request tightening); writeOnly: it stops
        # arriving (response loosening). Dropping either flag is the reverse.
        for flag, effect in (("readOnly", "tightened"), ("writeOnly", "loosened")):
            if (a.get(flag) is True) != (b.get(flag) is True):
                reverse: Effect = "loosened" if effect == "tightened" else "tightened"
                kind = f"made {flag}" if b.get(flag) is True else f"no longer {flag}"
                self.schema_change(kind, what, where, effect if b.get(flag) is True else reverse, sides)
        if "items" in a or "items" in b:
            self.schema(f"{where}[]", a.get("items", {}), b.get("items", {}), sides, "item")
        self._object(where, a, b, sides)
        self._all_of(where, a, b, sides, what)
        self._rules(where, a, b, sides)

    def _format(
        self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side], what: str
    ) -> None:
        before, after = a.get("format"), b.get("format")
        if before == after:
            return
        effect: Effect = "tightened" if before is None else "loosened" if after is None else "changed"
        detail = f"format {_display_value(a, 'format')} -> {_display_value(b, 'format')}"
        if before in TYPED_FORMATS or after in TYPED_FORMATS:
            # Whatever the direction, the generated attribute's Python type changes (str <-> date).
            effect, detail = "changed", f"{detail}; the generated type changes"
        self.schema_change("reformatted", what, where, effect, sides, detail)

    def _enum(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        before, after = a.get("enum"), b.get("enum")
        if before is None and after is None:
            return
        if before is None or after is None:
            effect: Effect = "tightened" if before is None else "loosened"
            self.schema_change("added" if before is None else "removed", "enum", where, effect, sides)
            return
        old_values, new_values = {_json(v) for v in before}, {_json(v) for v in after}
        for value in sorted(new_values - old_values):
            # The SDK parses values it does not list, so a new response value breaks nobody;
            # it is a note because a caller's own exhaustive match may need a new arm.
            self.schema_change("added", "enum value", f"{where} {value}", "loosened", sides, response_loosened="note")
        for value in sorted(old_values - new_values):
            self.schema_change("removed", "enum value", f"{where} {value}", "tightened", sides)

    def _bounds(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        for keyword in (*UPPER_BOUNDS, *LOWER_BOUNDS, "multipleOf", "uniqueItems"):
            # uniqueItems: false, and OpenAPI 3.0's exclusiveMaximum: false, say what absence says.
            before = None if a.get(keyword) is False else a.get(keyword)
            after = None if b.get(keyword) is False else b.get(keyword)
            if before == after:
                continue
            effect: Effect
            if isinstance(before, bool) or isinstance(after, bool):
                # uniqueItems, and OpenAPI 3.0's boolean exclusiveMaximum/Minimum: true is tighter.
                effect = "tightened" if after is True else "loosened"
            elif before is None:
                effect = "tightened"
            elif after is None:
                effect = "loosened"
            elif keyword == "multipleOf":
                ratio_up, ratio_down = after / before, before / after
                effect = (
                    "tightened"
                    if float(ratio_up).is_integer()
                    else "loosened"
                    if float(ratio_down).is_integer()
                    else "changed"
                )
            elif keyword in UPPER_BOUNDS:
                effect = "tightened" if after < before else "loosened"
            else:
                effect = "tightened" if after > before else "loosened"
            detail = f"{keyword} {_short(before) if before is not None else 'none'} -> "
            detail += _short(after) if after is not None else "none"
            self.schema_change(effect, "constraint", where, effect, sides, detail)

    def _opaque(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        for keyword in OPAQUE_KEYWORDS:
            before, after = a.get(keyword), b.get(keyword)
            if _json(before) == _json(after):
                continue
            effect: Effect = "tightened" if before is None else "loosened" if after is None else "changed"
            kind = {"tightened": "added", "loosened": "removed"}.get(effect, "changed")
            detail = f"{keyword} {_short(before) if before is not None else 'none'} -> "
            detail += _short(after) if after is not None else "none"
            self.schema_change(kind, "constraint", where, effect, sides, detail)

    def _default(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        if ("default" in a) == ("default" in b) and _json(a.get("default")) == _json(b.get("default")):
            return
        # What an omitted value means changes without any error: worth a look, never a stop.
        level: Level = "note" if "request" in (sides or BOTH) else "compatible"
        old_text = _short(a["default"]) if "default" in a else "none"
        new_text = _short(b["default"]) if "default" in b else "none"
        self.add("changed", "default", where, level, f"{old_text} -> {new_text}; {_sides_label(sides)}")

    def _fields(self, doc: Mapping[str, Any], schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """An object's properties and required names, with those its allOf parts add (rules aside)."""
        properties = dict(schema.get("properties", {}))
        required = set(schema.get("required", []))
        for raw in schema.get("allOf", []):
            part = _resolve(doc, raw)
            if isinstance(part, Mapping) and "if" not in part:
                more, more_required = self._fields(doc, part)
                properties = {**more, **properties}
                required |= more_required
        return properties, required

    def _object(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        old_fields, old_required = self._fields(self.old, a)
        new_fields, new_required = self._fields(self.new, b)
        # Where the old object refused unknown fields, a new one admits values it refused.
        closed = _openness(a.get("additionalProperties"))
        for field in sorted(new_fields.keys() - old_fields.keys()):
            required = field in new_required
            # An optional field is new to both sides alike; a required one is demanded of callers.
            added: Effect = "tightened" if required else "neutral"
            if closed < 2:
                added = "changed" if required or closed == 1 else "loosened"
            detail = ", ".join(["required"] * required + ["to a closed object"] * (closed < 2))
            self.schema_change("added", "field", f"{where}.{field}", added, sides, detail)
        for field in sorted(old_fields.keys() - new_fields.keys()):
            # Readers lose the value, writers the attribute on the generated model.
            self.schema_change("removed", "field", f"{where}.{field}", "changed", sides)
        for field in sorted(old_fields.keys() & new_fields.keys()):
            self.schema(f"{where}.{field}", old_fields[field], new_fields[field], sides)
        for field in sorted(new_required - old_required):
            if field in old_fields or field not in new_fields:
                self.schema_change("required", "field", f"{where}.{field}", "tightened", sides)
        for field in sorted(old_required - new_required):
            if field in new_fields or field not in old_fields:
                self.schema_change("optional", "field", f"{where}.{field}", "loosened", sides)
        before, after = a.get("additionalProperties"), b.get("additionalProperties")
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            self.schema(f"{where}.*", before, after, sides)
        elif _openness(before) != _openness(after):
            effect: Effect = "tightened" if _openness(after) < _openness(before) else "loosened"
            detail = f"additionalProperties {_display_value(a, 'additionalProperties')} -> "
            detail += _display_value(b, "additionalProperties")
            self.schema_change(effect, "constraint", where, effect, sides, detail)

    def _all_of(
        self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side], what: str
    ) -> None:
        """What inline allOf parts add beyond the fields `_fields` merges: each constrains the whole value.

        Parts are matched by position (rules and $refs aside: `_rules` and components/schemas
        compare those). A part's own keywords are compared like a schema's; so is its schema for
        a field the object itself declares, which `_fields` keeps in place of the part's.
        """

        def parts(s: Mapping[str, Any]) -> list[Mapping[str, Any]]:
            return [p for p in s.get("allOf", []) if isinstance(p, Mapping) and "$ref" not in p and "if" not in p]

        old_parts, new_parts = parts(a), parts(b)
        declared = a.get("properties", {}).keys() | b.get("properties", {}).keys()
        for i in range(max(len(old_parts), len(new_parts))):
            before = old_parts[i] if i < len(old_parts) else {}
            after = new_parts[i] if i < len(new_parts) else {}
            own = [{k: v for k, v in part.items() if k not in ("properties", "required")} for part in (before, after)]
            self.schema(f"{where} allOf", own[0], own[1], sides, what)
            old_props, new_props = before.get("properties", {}), after.get("properties", {})
            for field in sorted((old_props.keys() | new_props.keys()) & declared):
                self.schema(f"{where} allOf.{field}", old_props.get(field, {}), new_props.get(field, {}), sides)

    def _rules(self, where: str, a: Mapping[str, Any], b: Mapping[str, Any], sides: frozenset[Side]) -> None:
        """`if`/`then`/`else` rules, at the top level or as allOf parts, matched by their `if`."""

        def rules(doc: Mapping[str, Any], s: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
            parts = [s, *(_resolve(doc, p) for p in s.get("allOf", []))]
            return {_json(p["if"]): p for p in parts if isinstance(p, Mapping) and "if" in p}

        old_rules, new_rules = rules(self.old, a), rules(self.new, b)
        for key in sorted(new_rules.keys() - old_rules.keys()):
            self.schema_change("added", "rule", where, "tightened", sides, _rule_text(new_rules[key]))
        for key in sorted(old_rules.keys() - new_rules.keys()):
            self.schema_change("removed", "rule", where, "loosened", sides, _rule_text(old_rules[key]))
        for key in sorted(old_rules.keys() & new_rules.keys()):
            label = f"{where} ({_condition_text(json.loads(key))})"
            for branch in ("then", "else"):
                before, after = old_rules[key].get(branch), new_rules[key].get(branch)
                if _json(before) == _json(after):
                    continue
                if before is None or after is None:
                    effect: Effect = "tightened" if before is None else "loosened"
                    self.schema_change("added" if before is None else "removed", "rule", label, effect, sides, branch)
                else:
                    self.schema(f"{label} {branch}", before, after, sides, "rule")

    # -- operations -----------------------------------------------------------------------

    def operations(self) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        for key in sorted(new_ops.keys() - old_ops.keys()):
            self.add("added", "operation", key, "compatible")
        for key in sorted(old_ops.keys() - new_ops.keys()):
            self.add("removed", "operation", key, "breaking")
        return {key: (old_ops[key], new_ops[key]) for key in sorted(old_ops.keys() & new_ops.keys())}

    def operation(self, key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        # The generator names each function after its operationId, in a module per first tag:
        # changing either moves `flick_api.api.<tag>.<operation_id>` out from under its importers.
        for label, field in (("operationId", "operationId"), ("tag", "tags")):
            before, after = old_op.get(field), new_op.get(field)
            if field == "tags":
                before, after = (before or [None])[0], (after or [None])[0]
            if before != after:
                self.add("renamed", "operation", key, "breaking", f"{label} {before} -> {after}")
        if old_op.get("deprecated") is not True and new_op.get("deprecated") is True:
            self.add("deprecated", "operation", key, "note")
        self.parameters(key, old_op, new_op)
        self.request_body(key, old_op, new_op)
        self.responses(key, old_op, new_op)
        self.operation_security(key, old_op, new_op)

    def parameters(self, key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        old_params, new_params = _parameters(self.old, old_op), _parameters(self.new, new_op)
        for name in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[name].get("required"))
            level: Level = "breaking" if required else "compatible"
            self.add("added", "parameter", f"{key} {name}", level, "required" if required else "")
        for name in sorted(old_params.keys() - new_params.keys()):
            # The generated function loses the keyword: every call that passes it fails.
            self.add("removed", "parameter", f"{key} {name}", "breaking")
        old_refs, new_refs = _parameter_refs(self.old, old_op), _parameter_refs(self.new, new_op)
        for name in sorted(old_params.keys() & new_params.keys()):
            ref = old_refs.get(name)
            if ref is not None and ref == new_refs.get(name):
                continue  # a shared components/parameters entry: compared once (shared_components)
            self.parameter(f"{key} {name}", old_params[name], new_params[name])

    def parameter(self, where: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        if not before.get("required") and after.get("required"):
            self.add("required", "parameter", where, "breaking")
        if before.get("required") and not after.get("required"):
            self.add("optional", "parameter", where, "compatible")
        if before.get("deprecated") is not True and after.get("deprecated") is True:
            self.add("deprecated", "parameter", where, "note")
        for field in ("style", "explode", "allowReserved"):
            if before.get(field) != after.get(field):
                detail = f"{field} {_display_value(before, field)} -> {_display_value(after, field)}"
                self.add("reserialised", "parameter", where, "breaking", detail)
        self.schema(where, before.get("schema", {}), after.get("schema", {}), REQUEST, "parameter")

    def shared_components(self) -> None:
        """Parameters and headers defined once under components: each change reported once."""
        for kind in ("parameters", "headers"):
            old_c = self.old.get("components", {}).get(kind, {})
            new_c = self.new.get("components", {}).get(kind, {})
            for name in sorted(old_c.keys() & new_c.keys()):
                before, after = _resolve(self.old, old_c[name]), _resolve(self.new, new_c[name])
                mark = len(self.changes)
                if kind == "parameters":
                    self.parameter(f"components/parameters/{name}", before, after)
                else:
                    self.header(f"components/headers/{name}", before, after)
                # Say how far the change reaches: the operations whose requests or responses use it.
                users = _users(self.new, f"#/components/{kind}/{name}")
                if users and len(self.changes) > mark:
                    reach = users[0] if len(users) == 1 else f"{len(users)} operations"
                    self.changes[mark:] = [
                        Change(
                            c.kind, c.what, c.where, c.level, "; ".join(filter(None, [c.detail, f"used by {reach}"]))
                        )
                        for c in self.changes[mark:]
                    ]

    def request_body(self, key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        before = _resolve(self.old, old_op.get("requestBody"))
        after = _resolve(self.new, new_op.get("requestBody"))
        where = f"{key} request body"
        if not before and not after:
            return
        if not before or not after:
            required = bool(after and after.get("required"))
            level: Level = "breaking" if not after or required else "compatible"
            self.add("added" if after else "removed", "body", where, level, "required" if required else "")
            return
        if not before.get("required") and after.get("required"):
            self.add("required", "body", where, "breaking")
        if before.get("required") and not after.get("required"):
            self.add("optional", "body", where, "compatible")
        old_media, new_media = before.get("content", {}), after.get("content", {})
        for media in sorted(new_media.keys() - old_media.keys()):
            self.add("added", "media type", f"{where} {media}", "compatible")
        for media in sorted(old_media.keys() - new_media.keys()):
            self.add("removed", "media type", f"{where} {media}", "breaking")
        for media in sorted(old_media.keys() & new_media.keys()):
            label = where if media == "application/json" else f"{where} {media}"
            self.schema(label, old_media[media].get("schema", {}), new_media[media].get("schema", {}), REQUEST, "body")

    def responses(self, key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        old_responses = {s: _resolve(self.old, r) for s, r in old_op.get("responses", {}).items()}
        new_responses = {s: _resolve(self.new, r) for s, r in new_op.get("responses", {}).items()}
        old_success = {
            _json(m.get("schema"))
            for s, r in old_responses.items()
            if _success(s)
            for m in r.get("content", {}).values()
        }
        for status in sorted(new_responses.keys() - old_responses.keys()):
            schemas = {_json(m.get("schema")) for m in new_responses[status].get("content", {}).values()}
            if not _success(status):
                # Any error status becomes the error tree's exception by status and code.
                self.add("added", "response", f"{key} {status}", "note", "an error status the SDK raises as APIError")
            elif schemas <= old_success:
                self.add("added", "response", f"{key} {status}", "note", "same body as an existing success status")
            else:
                self.add("added", "response", f"{key} {status}", "breaking", "a success the SDK does not parse")
        for status in sorted(old_responses.keys() - new_responses.keys()):
            self.add("removed", "response", f"{key} {status}", "compatible")
        # One line per change, with the statuses it happens on: a header dropped from all seven
        # responses of an operation is one change, not seven.
        start, tagged = len(self.changes), list[tuple[str, Change]]()
        for status in sorted(old_responses.keys() & new_responses.keys()):
            mark = len(self.changes)
            self._response(f"{key} {status} response", old_responses[status], new_responses[status])
            tagged.extend((status, change) for change in self.changes[mark:])
        del self.changes[start:]
        groups: dict[tuple[str, str, str, Level, str], list[str]] = {}
        for status, change in tagged:
            rest = change.where[len(f"{key} {status} response") :]
            groups.setdefault((change.kind, change.what, rest, change.level, change.detail), []).append(status)
        for (kind, what, rest, level, detail), statuses in groups.items():
            label = f"{key} {', '.join(statuses)} response{'s' if len(statuses) > 1 else ''}{rest}"
            self.add(kind, what, label, level, detail)

    def _response(self, where: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        old_media, new_media = before.get("content", {}), after.get("content", {})
        for media in sorted(new_media.keys() - old_media.keys()):
            self.add("added", "media type", f"{where} {media}", "note")
        for media in sorted(old_media.keys() - new_media.keys()):
            self.add("removed", "media type", f"{where} {media}", "breaking")
        for media in sorted(old_media.keys() & new_media.keys()):
            label = where if media == "application/json" else f"{where} {media}"
            self.schema(label, old_media[media].get("schema", {}), new_media[media].get("schema", {}), RESPONSE, "body")
        self.headers(where, before.get("headers", {}), after.get("headers", {}))

    def headers(self, where: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        # Header names are case-insensitive; the SDK reads Retry-After and the X-RateLimit-* five.
        old_h = {n.lower(): (n, _resolve(self.old, h)) for n, h in before.items()}
        new_h = {n.lower(): (n, _resolve(self.new, h)) for n, h in after.items()}
        for name in sorted(new_h.keys() - old_h.keys()):
            self.add("added", "response header", f"{where} {new_h[name][0]}", "compatible")
        for name in sorted(old_h.keys() - new_h.keys()):
            display, header = old_h[name]
            required = header.get("required") is True
            level: Level = "breaking" if required or name in SDK_HEADERS else "note"
            detail = "the SDK reads it" if name in SDK_HEADERS else "was required" if required else "was optional"
            self.add("removed", "response header", f"{where} {display}", level, detail)
        old_refs = {n.lower(): h.get("$ref") for n, h in before.items() if isinstance(h, Mapping)}
        new_refs = {n.lower(): h.get("$ref") for n, h in after.items() if isinstance(h, Mapping)}
        for name in sorted(old_h.keys() & new_h.keys()):
            if old_refs.get(name) is not None and old_refs.get(name) == new_refs.get(name):
                continue  # a shared components/headers entry: compared once (shared_components)
            (display, a), (_, b) = old_h[name], new_h[name]
            self.header(f"{where} {display}", a, b)

    def header(self, label: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> None:
        if a.get("required") is True and b.get("required") is not True:
            self.add("optional", "response header", label, "breaking")
        if a.get("required") is not True and b.get("required") is True:
            self.add("required", "response header", label, "compatible")
        self.schema(label, a.get("schema", {}), b.get("schema", {}), RESPONSE, "response header")

    # -- security and servers -------------------------------------------------------------

    def security_schemes(self) -> None:
        old_s = self.old.get("components", {}).get("securitySchemes", {})
        new_s = self.new.get("components", {}).get("securitySchemes", {})
        for name in sorted(new_s.keys() - old_s.keys()):
            offered = _sdk_auth(_resolve(self.new, new_s[name]))
            detail = f"the SDK's {offered}" if offered else "the SDK does not offer it"
            self.add("added", "security scheme", name, "compatible", detail)
        for name in sorted(old_s.keys() - new_s.keys()):
            offered = _sdk_auth(_resolve(self.old, old_s[name]))
            if offered:
                self.add("removed", "security scheme", name, "breaking", f"the SDK offers {offered}")
            else:
                self.add("removed", "security scheme", name, "note", "the SDK does not offer it")
        for name in sorted(old_s.keys() & new_s.keys()):
            a, b = _resolve(self.old, old_s[name]), _resolve(self.new, new_s[name])
            # bearerFormat is documentation only: nothing a client sends depends on it.
            fields = ("type", "scheme", "in", "name", "flows", "openIdConnectUrl")
            changed = [f for f in fields if _scheme_field(a, f) != _scheme_field(b, f)]
            if changed:
                offered = _sdk_auth(a)
                level: Level = "breaking" if offered else "note"
                detail = ", ".join(
                    f"{f} changed" if isinstance(a.get(f), Mapping) else f"{f} {_short(a.get(f))} -> {_short(b.get(f))}"
                    for f in changed
                )
                self.add(
                    "changed",
                    "security scheme",
                    name,
                    level,
                    detail + (f"; the SDK offers {offered}" if offered else ""),
                )

    def security(self, where: str, before: Any, after: Any) -> None:
        """A requirement is a list of alternatives: dropping one refuses the callers who used it."""

        def alternatives(requirement: Any) -> set[str]:
            items = requirement if isinstance(requirement, list) else []
            # No requirement, or an empty alternative `{}`, means a call may go unauthenticated.
            found = {" + ".join(sorted(alt)) or ANONYMOUS for alt in items if isinstance(alt, Mapping)}
            return found or {ANONYMOUS}

        old_alt, new_alt = alternatives(before), alternatives(after)
        for alt in sorted(new_alt - old_alt):
            self.add("added", "security requirement", f"{where} {alt}", "compatible")
        for alt in sorted(old_alt - new_alt):
            # Callers who used this way in (or none: authentication became mandatory) are refused,
            # unless the operation is now open to anyone: a key it ignores harms nobody.
            level: Level = "compatible" if ANONYMOUS in new_alt else "breaking"
            self.add("removed", "security requirement", f"{where} {alt}", level)

    def operation_security(self, key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> None:
        if "security" not in old_op and "security" not in new_op:
            return  # both follow the document's requirement, compared once
        self.security(
            key, old_op.get("security", self.old.get("security")), new_op.get("security", self.new.get("security"))
        )

    def servers(self) -> None:
        old_urls = [str(s.get("url")) for s in self.old.get("servers", []) if isinstance(s, Mapping)]
        new_urls = [str(s.get("url")) for s in self.new.get("servers", []) if isinstance(s, Mapping)]
        if old_urls[:1] != new_urls[:1]:
            before, after = (old_urls or ["none"])[0], (new_urls or ["none"])[0]
            # The first server is the SDK's DEFAULT_BASE_URL: every default client goes stale.
            self.add("changed", "default server", after, "breaking", f"was {before}; the SDK's DEFAULT_BASE_URL")
        for url in sorted(set(new_urls) - set(old_urls)):
            if url != new_urls[0]:
                self.add("added", "server", url, "compatible")
        for url in sorted(set(old_urls) - set(new_urls)):
            if url != old_urls[0]:
                self.add("removed", "server", url, "note", "callers pointed at it lose it")


ANONYMOUS = "(no credentials)"
SDK_HEADERS = frozenset(
    {
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-limit-day",
        "x-ratelimit-remaining",
        "x-ratelimit-remaining-day",
        "x-ratelimit-reset",
    }
)


def _users(doc: Mapping[str, Any], ref: str) -> list[str]:
    """The operations ("METHOD /path") whose definition mentions `ref`, directly or via a response."""
    users = []
    responses = doc.get("components", {}).get("responses", {})
    quoted = f'"{ref}"'  # quoted: #/components/headers/X-Limit is inside .../X-Limit-Day
    via = {f"#/components/responses/{n}" for n, r in responses.items() if quoted in _json(r)}
    for key, op in _operations(doc).items():
        text = _json(op)
        if quoted in text or any(f'"{r}"' in text for r in via):
            users.append(key)
    return users


def _scheme_field(scheme: Mapping[str, Any], field: str) -> str:
    """A security scheme's field as a client sends it: HTTP auth schemes and header names ignore case."""
    value = scheme.get(field)
    if isinstance(value, str) and (field == "scheme" or (field == "name" and scheme.get("in") == "header")):
        return value.lower()
    return _json(value)


def _beside_ref(schema: Any) -> Mapping[str, Any]:
    """The keywords beside a schema's `$ref` (none for a schema that is not a $ref)."""
    if not isinstance(schema, Mapping) or "$ref" not in schema:
        return {}
    return {k: v for k, v in schema.items() if k != "$ref"}


def _beside_variants(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if "anyOf" not in schema and "oneOf" not in schema:
        return {}
    return {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}


def _display_value(schema: Mapping[str, Any], keyword: str) -> str:
    return _short(schema[keyword]) if keyword in schema else "none"


def _openness(value: Any) -> int:
    """additionalProperties: false admits no extra property, a schema some, true or absent any."""
    return 0 if value is False else 1 if isinstance(value, Mapping) else 2


def _success(status: str) -> bool:
    # "default" is the catch-all, in practice the error envelope: the SDK raises for non-2xx.
    return status.startswith(("1", "2", "3"))


def _condition_text(condition: Any) -> str:
    if isinstance(condition, Mapping) and isinstance(condition.get("properties"), Mapping):
        parts = []
        for name, sub in sorted(condition["properties"].items()):
            if isinstance(sub, Mapping) and "const" in sub:
                parts.append(f"{name} = {_json(sub['const'])}")
            elif isinstance(sub, Mapping) and "enum" in sub:
                parts.append(f"{name} in {_json(sub['enum'])}")
            else:
                parts.append(f"{name} {_short(sub, 30)}")
        return "if " + " and ".join(parts)
    return f"if {_short(condition)}"


def _rule_text(rule: Mapping[str, Any]) -> str:
    text = _condition_text(rule.get("if"))
    for branch in ("then", "else"):
        part = rule.get(branch)
        if isinstance(part, Mapping) and set(part) == {"required"}:
            text += f" {branch} required {', '.join(part['required'])}"
        elif part is not None:
            text += f" {branch} {_short(part, 40)}"
    return text


def summarise_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference a client of this SDK depends on, each with its level (see the table above).

    Returns:
        The changes, breaking first, then notes, then compatible ones.
    """
    differ = _Differ(old, new)
    differ.servers()
    differ.security_schemes()
    differ.security("every operation", old.get("security"), new.get("security"))
    differ.shared_components()
    for key, (old_op, new_op) in differ.operations().items():
        differ.operation(key, old_op, new_op)

    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    in_request = _reachable(old, request=True) | _reachable(new, request=True)
    in_response = _reachable(old, request=False) | _reachable(new, request=False)
    for name in sorted(new_schemas.keys() - old_schemas.keys()):
        differ.add("added", "schema", name, "compatible")
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        # `from flick_api.models import <name>` stops working.
        differ.add("removed", "schema", name, "breaking")
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        used: set[Side] = set()
        if name in in_request:
            used.add("request")
        if name in in_response:
            used.add("response")
        differ.schema(name, old_schemas[name], new_schemas[name], frozenset(used), "schema")
    return sorted(differ.changes, key=lambda c: (-_RANK[c.level], c.what, c.where, c.kind, c.detail))


# @@FACADE@@

# --- the facade gap -----------------------------------------------------------------------
#
# The hand-written layer (`flick_async`) exposes each operation through named methods and each
# request model through a facade class. After a regeneration, what the schema offers and the
# facade does not is listed, so the gap is seen the day it opens. Keep these two tables in step
# with the facade: tests/test_facade_gap.py fails when they name something that does not exist.

# operationId -> the facade callables ("Class.method" on flick_async's exports) that together
# take its parameters.
FACADE_METHODS: dict[str, tuple[str, ...]] = {
    "getProfile": ("AsyncFlick.me",),
    "resolveTitle": ("AsyncFlick.resolve",),
    "listReviews": ("Reviews.list",),
    "createReview": ("Reviews.create",),
    "createReviewsBatch": ("Reviews.create_many",),
    "listWatchlist": ("Watchlist.list",),
    "listLists": ("Lists.list",),
    "listListItems": ("Lists.items", "ListItems.list"),
}
# Request schema -> the facade class whose fields mirror it (an array of these, like the batch
# body's `reviews`, is what the method's first argument takes).
FACADE_INPUTS: dict[str, str] = {"ReviewCreate": "ReviewInput"}


def _snake_case(name: str) -> str:
    """The generator's own Python name for a schema name (field, parameter, operationId)."""
    try:
        from openapi_python_client.strings import snake_case
    except ImportError:  # pragma: no cover - the generator is a dev dependency
        return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[^a-zA-Z0-9]+", "_", name).strip("_").lower()
    return str(snake_case(name))


def _facade_names(qualname: str) -> set[str] | None:
    """The parameter names a facade callable ("Reviews.create") takes; None when it does not exist."""
    import flick_async

    owner, _, method = qualname.partition(".")
    target = getattr(getattr(flick_async, owner, None), method, None)
    if target is None:
        return None
    if isinstance(target, property):
        return set()
    return {name for name in inspect.signature(target).parameters if name != "self"}


def _input_fields(class_name: str) -> set[str] | None:
    """The fields of a facade input class (an attrs class exported by flick_async)."""
    import attrs

    import flick_async

    cls = getattr(flick_async, class_name, None)
    if cls is None or not attrs.has(cls):
        return None
    return {field.name for field in attrs.fields(cls)}


def _object_fields(doc: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    properties, _ = _Differ(doc, doc)._fields(doc, _resolve(doc, schema))
    return properties


def facade_gap(doc: Mapping[str, Any]) -> list[str]:
    """What `doc` offers that the facade does not expose yet: operations, parameters, body fields.

    Returns:
        One line per missing piece; empty when the facade covers the schema.
    """
    try:
        import flick_async  # noqa: F401  (a facade that fails to import is reported, not raised)
    except Exception as exc:
        return [f"the facade (flick_async) does not import: {type(exc).__name__}: {exc}"]
    gaps: list[str] = []
    schemas = doc.get("components", {}).get("schemas", {})
    for name, class_name in sorted(FACADE_INPUTS.items()):
        fields = _input_fields(class_name)
        if name not in schemas:
            continue
        if fields is None:
            gaps.append(f"schema {name}: the facade has no {class_name} class")
            continue
        for field in sorted(_object_fields(doc, schemas[name])):
            if _snake_case(field) not in fields:
                gaps.append(f"field {name}.{field}: {class_name} has no `{_snake_case(field)}`")
    for key, op in sorted(_operations(doc).items()):
        operation_id = str(op.get("operationId", key))
        methods = FACADE_METHODS.get(operation_id)
        if methods is None:
            tag = (op.get("tags") or ["default"])[0]
            module = f"flick_api.api.{_snake_case(str(tag))}.{_snake_case(operation_id)}"
            gaps.append(f"operation {operation_id} ({key}): no facade method; reach it with flick.call({module}, …)")
            continue
        taken: set[str] = set()
        for qualname in methods:
            names = _facade_names(qualname)
            if names is None:
                gaps.append(f"operation {operation_id} ({key}): the facade has no {qualname}")
            else:
                taken |= names
        for param in _parameters(doc, op).values():
            name = _snake_case(str(param.get("name")))
            if name not in taken:
                where = f"{param.get('in')}:{param.get('name')}"
                gaps.append(f"parameter {key} {where}: {' / '.join(methods)} takes no `{name}`")
        gaps.extend(_body_gaps(doc, key, op, methods, taken))
    return gaps


def _body_gaps(
    doc: Mapping[str, Any], key: str, op: Mapping[str, Any], methods: tuple[str, ...], taken: set[str]
) -> list[str]:
    body = _resolve(doc, op.get("requestBody", {}))
    schema = body.get("content", {}).get("application/json", {}).get("schema") if isinstance(body, Mapping) else None
    if schema is None or _component_name(schema) in FACADE_INPUTS:
        return []  # a body the facade builds from its input class, compared field by field above
    gaps = []
    for field, sub in sorted(_object_fields(doc, schema).items()):
        resolved = _resolve(doc, sub)
        if isinstance(resolved, Mapping) and _component_name(resolved.get("items")) in FACADE_INPUTS:
            continue  # the list of inputs the method takes as its first argument
        if _snake_case(field) not in taken:
            gaps.append(f"field {key} request body.{field}: {' / '.join(methods)} takes no `{_snake_case(field)}`")
    return gaps


# --- the summary, as text or Markdown ------------------------------------------------------

HEADINGS: dict[Level, str] = {"breaking": "Breaking changes", "note": "Notes", "compatible": "Compatible changes"}


def render(changes: list[Change], gaps: list[str], *, against: str, fmt: str = "text") -> str:
    """The change summary and the facade gap: plain lines, or Markdown for a PR body or CHANGELOG.

    Breaking changes come first in both forms.
    """
    lines: list[str] = []
    if fmt == "markdown":
        lines.append(f"### Schema changes against `{against}`")
        if not changes:
            lines += ["", "No schema changes."]
        for level in ("breaking", "note", "compatible"):
            group = [c for c in changes if c.level == level]
            if group:
                lines += ["", f"#### {HEADINGS[level]} ({len(group)})", ""]
                lines += [f"- {c.what} {c.kind}: `{c.where}`" + (f" ({c.detail})" if c.detail else "") for c in group]
        if gaps:
            lines += ["", f"#### Not exposed by the facade yet ({len(gaps)})", ""]
            lines += [f"- {gap}" for gap in gaps]
        return "\n".join(lines) + "\n"
    if changes:
        lines.append(f"{len(changes)} change(s) against {against}:")
        lines += [f"  {change}" for change in changes]
    else:
        lines.append(f"no schema changes against {against}")
    if gaps:
        lines.append(f"{len(gaps)} thing(s) the facade (flick_async) does not expose yet:")
        lines += [f"  {gap}" for gap in gaps]
    return "\n".join(lines) + "\n"


# --- generation --------------------------------------------------------------------------


# Steps run on every freshly generated package, before it is installed or compared by --check,
# so what they write is covered by `make check-generated` like the generator's own output.
# Each takes the schema and the package folder: append one to add a generated file.
GenerationStep = Callable[[Mapping[str, Any], Path], None]
GENERATION_STEPS: list[GenerationStep] = []


# --- steps of flick-async's own: py.typed ---------------------------------------------------


def write_py_typed(schema: Mapping[str, Any], package_dir: Path) -> None:
    """Mark the package typed (PEP 561), so that a user's mypy reads its annotations.

    openapi-python-client writes `py.typed` only with project metadata (`--meta` other than
    `none`), which we do not generate; without it a user's `mypy --strict` sees every model
    the facade returns as `Any`.
    """
    (package_dir / "py.typed").write_text("", encoding="utf-8")


GENERATION_STEPS.append(write_py_typed)


# --- steps of flick-async's own: the client-side rules module -------------------------------

RULES_MODULE = "_rules.py"
_REVIEW = "/components/schemas/ReviewCreate/properties"
# (constant, where in the schema, keyword, type): every number the facade checks before
# sending. A keyword the schema drops becomes None, which the facade reads as "no limit".
SCHEMA_RULES: list[tuple[str, str, str, str]] = [
    ("TMDB_ID_MIN_LENGTH", f"{_REVIEW}/tmdb_id", "minLength", "int"),
    ("SEASON_MINIMUM", f"{_REVIEW}/season_number", "minimum", "int"),
    ("EPISODE_MINIMUM", f"{_REVIEW}/episode_number", "minimum", "int"),
    ("RATING_MINIMUM", f"{_REVIEW}/rating", "minimum", "float"),
    ("RATING_MAXIMUM", f"{_REVIEW}/rating", "maximum", "float"),
    ("REVIEW_MAX_LENGTH", f"{_REVIEW}/review", "maxLength", "int"),
    ("TAGS_MAX_ITEMS", f"{_REVIEW}/tags", "maxItems", "int"),
    ("TAG_MAX_LENGTH", f"{_REVIEW}/tags/items", "maxLength", "int"),
    ("BATCH_MAX_ITEMS", "/components/schemas/ReviewBatchCreate/properties/reviews", "maxItems", "int"),
    ("PAGE_MINIMUM", "/components/parameters/page/schema", "minimum", "int"),
    ("LIMIT_MINIMUM", "/components/parameters/limit/schema", "minimum", "int"),
    ("LIMIT_MAXIMUM", "/components/parameters/limit/schema", "maximum", "int"),
    ("LIMIT_DEFAULT", "/components/parameters/limit/schema", "default", "int"),
    ("TITLE_MIN_LENGTH", "/paths/~1resolve/get/parameters/title/schema", "minLength", "int"),
    ("TITLE_MAX_LENGTH", "/paths/~1resolve/get/parameters/title/schema", "maxLength", "int"),
    ("YEAR_MINIMUM", "/paths/~1resolve/get/parameters/year/schema", "minimum", "int"),
    ("YEAR_MAXIMUM", "/paths/~1resolve/get/parameters/year/schema", "maximum", "int"),
]
# (alias, the enum schema): request-side enums, as Literal types and tuples of values.
SCHEMA_ENUMS: list[tuple[str, str]] = [
    ("MediaTypeValue", "/components/schemas/MediaType"),
    ("ResolvableMediaTypeValue", "/components/schemas/ResolvableMediaType"),
]


def _rule_node(schema: Mapping[str, Any], pointer: str) -> Any:
    """The node at a JSON pointer, following $refs; a parameters list is indexed by name."""
    node: Any = schema
    for raw in pointer.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = _resolve(schema, node)
        if isinstance(node, list):  # parameters: [{"name": ...}, ...]
            node = next((_resolve(schema, p) for p in node if _resolve(schema, p).get("name") == part), None)
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return _resolve(schema, node)


def schema_rules(schema: Mapping[str, Any]) -> str:
    """The source of `flick_api/_rules.py`: the limits, enums and base URL the facade enforces."""
    servers = schema.get("servers") or [{}]
    base_url = servers[0].get("url") if isinstance(servers[0], Mapping) else None
    if not isinstance(base_url, str) or not base_url:
        raise RegenError("the schema names no server URL, so the SDK would have no default base URL")
    lines = [
        '"""Client-side rules of the Flick API, read from openapi.json by scripts/regen.py: do not edit.',
        "",
        "flick_async checks requests against these before sending; a regenerated schema changes them.",
        '"""',
        "",
        "from typing import Final, Literal, TypeAlias",
        "",
        f"DEFAULT_BASE_URL: Final[str] = {json.dumps(base_url)}",
        "",
    ]
    for name, pointer in SCHEMA_ENUMS:
        node = _rule_node(schema, pointer)
        values = node.get("enum") if isinstance(node, Mapping) else None
        if not values or not all(isinstance(v, str) for v in values):
            raise RegenError(f"{pointer} is no longer an enum of strings; the facade's {name} needs one")
        literal = ", ".join(json.dumps(v) for v in values)
        values_tuple = f"({literal}{',' if len(values) == 1 else ''})"
        constant = re.sub(r"(?<!^)(?=[A-Z])", "_", name.removesuffix("Value")).upper() + "S"
        lines += [f"{name}: TypeAlias = Literal[{literal}]", f"{constant}: Final[tuple[str, ...]] = {values_tuple}", ""]
    for name, pointer, keyword, kind in SCHEMA_RULES:
        node = _rule_node(schema, pointer)
        value = node.get(keyword) if isinstance(node, Mapping) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = None
        elif kind == "int" and not float(value).is_integer():
            raise RegenError(f"{pointer} {keyword} is {value!r}; the facade expects an integer there")
        else:
            value = int(value) if kind == "int" else value
        lines.append(f"{name}: Final[{kind} | None] = {value!r}  # {pointer} {keyword}")
    return "\n".join(lines) + "\n"


def write_schema_rules(schema: Mapping[str, Any], package_dir: Path) -> None:
    """Write `_rules.py` into the generated package, so it ships, swaps and drifts with it."""
    (package_dir / RULES_MODULE).write_text(schema_rules(schema), encoding="utf-8")


GENERATION_STEPS.append(write_schema_rules)


def generate(schema_path: Path, output_dir: Path) -> Path:
    """Run openapi-python-client; return the generated package folder inside output_dir."""
    package_dir = output_dir / PACKAGE
    output_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # The post-hooks call `ruff`: use the pinned one installed beside this interpreter.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(schema_path),
        "--meta",
        "none",
        "--config",
        str(CONFIG_PATH),
        "--custom-template-path",
        str(TEMPLATES_DIR),
        "--output-path",
        str(package_dir),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=output_dir, check=False)
    if result.returncode != 0 or not (package_dir / "__init__.py").exists():
        output = (result.stdout + result.stderr).strip()
        raise RegenError(f"openapi-python-client failed:\n{output}")
    if GENERATION_STEPS:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        for step in GENERATION_STEPS:
            step(schema, package_dir)
    return package_dir


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def drift(expected: Path, actual: Path) -> list[str]:
    """Unified diff lines between two generated trees (empty when they match)."""
    want, have = _tree(expected), _tree(actual)
    lines: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if want.get(name) == have.get(name):
            continue
        if name not in have:
            lines.append(f"missing file: generated/{PACKAGE}/{name}\n")
            continue
        if name not in want:
            lines.append(f"unexpected file: generated/{PACKAGE}/{name}\n")
            continue
        before = have[name].decode("utf-8", "replace").splitlines(keepends=True)
        after = want[name].decode("utf-8", "replace").splitlines(keepends=True)
        lines.extend(
            difflib.unified_diff(before, after, f"generated/{PACKAGE}/{name}", f"regenerated/{PACKAGE}/{name}")
        )
    return lines


def check(*, schema_path: Path = SCHEMA_PATH, generated_dir: Path = GENERATED_DIR) -> list[str]:
    """Regenerate from `schema_path` into a temp dir; return the drift from `generated_dir`."""
    if not schema_path.is_file():
        raise RegenError(f"could not read {schema_path}: no such file")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(schema_path, Path(tmp))
        return drift(fresh, generated_dir / PACKAGE)


def _read_current(schema_path: Path) -> dict[str, Any]:
    if not schema_path.exists():
        return {}
    try:
        current = json.loads(schema_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError covers both JSON and UTF-8 decoding
        raise RegenError(f"the current {schema_path} is unreadable, so no change summary is possible: {exc}") from exc
    return current if isinstance(current, dict) else {}


def _install(fresh: Path, generated_dir: Path, schema_path: Path, text: str) -> None:
    """Swap the freshly generated package and the new schema in; on any failure put both back."""
    target = generated_dir / PACKAGE
    backup = generated_dir / f".{PACKAGE}.old"  # git-ignored, in case a crash leaves it behind
    staged_schema = schema_path.with_name(f".{schema_path.name}.new")
    shutil.rmtree(backup, ignore_errors=True)
    try:
        generated_dir.mkdir(parents=True, exist_ok=True)
        staged_schema.write_text(text, encoding="utf-8")
        if target.exists():
            target.rename(backup)
        try:
            shutil.copytree(fresh, target)
            os.replace(staged_schema, schema_path)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            if backup.exists():
                backup.rename(target)
            raise
    except OSError as exc:
        raise RegenError(f"could not write {target} and {schema_path}: {exc}") from exc
    finally:
        staged_schema.unlink(missing_ok=True)
        if target.exists():  # never drop the backup while it is the only copy
            shutil.rmtree(backup, ignore_errors=True)


def _display(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@dataclass
class Outcome:
    """What a run found: its exit code, the changes and the facade gap (for --summary-file)."""

    code: int
    changes: list[Change]
    gaps: list[str]


def regenerate(
    source: str,
    *,
    allow_breaking: bool = False,
    dry_run: bool = False,
    fmt: str = "text",
    summary_file: str | None = None,
    schema_path: Path = SCHEMA_PATH,
    generated_dir: Path = GENERATED_DIR,
    out: Any = sys.stdout,
) -> Outcome:
    """Pull, validate, summarise and regenerate.

    Args:
        source: The new schema, a URL or a file.
        allow_breaking: Regenerate even when a change is breaking.
        dry_run: Summarise only; write nothing.
        fmt: The summary's form on `out`: "text" or "markdown".
        summary_file: Where to write the summary as Markdown too, before anything else is written.

    Returns:
        The outcome; its code is 0 (written, or nothing to write) or 3 (breaking, nothing written).

    Raises:
        RegenError: the pull, validation or generation failed; nothing was written.
    """
    new = load_schema(source)
    text = normalise(new)
    old = _read_current(schema_path)
    changes = summarise_changes(old, new)
    gaps = facade_gap(new)
    out.write(render(changes, gaps, against=schema_path.name, fmt=fmt))
    if summary_file:
        _write_summary(summary_file, render(changes, gaps, against=schema_path.name, fmt="markdown"))
    breaking = [c for c in changes if c.breaking]
    if breaking and not allow_breaking:
        print(f"{len(breaking)} breaking change(s); nothing written. Re-run with --allow-breaking.", file=out)
        return Outcome(3, changes, gaps)
    if dry_run:
        print("dry run: nothing written.", file=out)
        return Outcome(0, changes, gaps)

    with tempfile.TemporaryDirectory() as tmp:
        staged_schema = Path(tmp) / "openapi.json"
        staged_schema.write_text(text, encoding="utf-8")
        # Generate from the staged copy, so a failure leaves the old schema and tree intact.
        fresh = generate(staged_schema, Path(tmp) / "out")
        _install(fresh, generated_dir, schema_path, text)
    print(f"regenerated {_display(generated_dir / PACKAGE)} and {_display(schema_path)} from {source}", file=out)
    return Outcome(0, changes, gaps)


def _write_summary(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise RegenError(f"could not write the summary to {path}: {exc.strerror or exc}") from exc


def main(argv: list[str] | None = None) -> int:
    """The CLI (and CI) entry point; returns the exit code the module docstring lists."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--from", dest="source", default=LIVE_SCHEMA_URL, help="schema URL or file (default: the live schema)"
    )
    parser.add_argument("--allow-breaking", action="store_true", help="regenerate even when changes are breaking")
    parser.add_argument("--dry-run", action="store_true", help="summarise and report the facade gap; write nothing")
    parser.add_argument("--format", dest="fmt", choices=("text", "markdown"), default="text", help="summary format")
    parser.add_argument("--summary-file", help="also write the summary as Markdown here (PR body, CHANGELOG)")
    parser.add_argument("--check", action="store_true", help="fail if generated/ differs from openapi.json")
    args = parser.parse_args(argv)
    try:
        if args.check:
            lines = check()
            if lines:
                sys.stdout.writelines(lines)
                print("generated/ has drifted from openapi.json: run `make regen FROM=openapi.json`.", file=sys.stderr)
                return 1
            if SERVED_SCHEMA_PATH.read_bytes() != SCHEMA_PATH.read_bytes():
                print(
                    f"{_display(SERVED_SCHEMA_PATH)} differs from openapi.json: run `make regen FROM=openapi.json`.",
                    file=sys.stderr,
                )
                return 1
            print("generated/ matches openapi.json")
            return 0
        # sys.stdout looked up now, not when regenerate() was defined, so redirection reaches it.
        outcome = regenerate(
            args.source,
            allow_breaking=args.allow_breaking,
            dry_run=args.dry_run,
            fmt=args.fmt,
            summary_file=args.summary_file,
            out=sys.stdout,
        )
        if outcome.code == 0 and not args.dry_run:
            try:
                shutil.copyfile(SCHEMA_PATH, SERVED_SCHEMA_PATH)
            except OSError as exc:
                print(
                    f"regen: regenerated, but could not update {_display(SERVED_SCHEMA_PATH)} ({exc.strerror}); "
                    "`make check-generated` fails until `make regen FROM=openapi.json` succeeds.",
                    file=sys.stderr,
                )
                return 2
        return outcome.code
    except RegenError as exc:
        print(f"regen: {exc}; nothing was changed.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
