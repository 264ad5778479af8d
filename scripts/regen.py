"""Regenerate `generated/flick_api` from the Flick OpenAPI schema.

    python scripts/regen.py                    # pull the live schema, summarise, regenerate
    python scripts/regen.py --from FILE-OR-URL # the same from another source
    python scripts/regen.py --check            # drift check: generated/ matches openapi.json?

A pull is validated and diffed against the current `openapi.json` before anything is
written; breaking changes stop it (exit 3) unless `--allow-breaking` is given. A failed pull,
an invalid schema or a failed generation leaves `openapi.json` and `generated/` untouched.

Exit codes: 0 done, 1 drift found, 2 could not read/validate/generate/write, 3 breaking changes.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True, order=True)
class Change:
    """One difference between the current schema and a pulled one, as the summary prints it."""

    kind: str  # "added", "removed", "retyped", "renamed", "required", "optional"
    what: str  # "operation", "parameter", "body", "schema", "field", "enum value"
    where: str
    breaking: bool
    detail: str = ""

    def __str__(self) -> str:
        flag = "BREAKING " if self.breaking else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{flag}{self.what} {self.kind}: {self.where}{detail}"


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


def _type_of(doc: Mapping[str, Any], schema: Any) -> str:
    """A short, comparable description of a schema's type."""
    if not isinstance(schema, Mapping):
        return "any"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            parts = sorted(_type_of(doc, s) for s in schema[combinator])
            return f"{combinator}[{', '.join(parts)}]"
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = "|".join(sorted(kind))
    if "array" in str(kind):
        kind = f"{kind}[{_type_of(doc, schema.get('items'))}]"
    fmt = schema.get("format")
    return f"{kind}<{fmt}>" if fmt else str(kind)


def _parameters(doc: Mapping[str, Any], op: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    params = {}
    for raw in op.get("parameters", []):
        param = _resolve(doc, raw)
        params[f"{param.get('in')}:{param.get('name')}"] = param
    return params


def _fields(doc: Mapping[str, Any], schema: Any) -> tuple[dict[str, Any], set[str]]:
    """An object schema's properties and required names, including those its `allOf` parts add."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, Mapping):
        return {}, set()
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", []))
    for part in schema.get("allOf", []):
        more, more_required = _fields(doc, part)
        properties = {**more, **properties}
        required |= more_required
    return properties, required


def _enum_values(schema: Any) -> set[str] | None:
    if isinstance(schema, Mapping) and "enum" in schema:
        return {json.dumps(v) for v in schema["enum"]}
    return None


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
    return schemas


def _reachable(doc: Mapping[str, Any], *, request: bool) -> set[str]:
    """Names of component schemas reachable from requests (bodies, parameters) or from responses.

    Tightening a request schema (a new required field, a removed enum value) breaks existing
    callers; loosening a response schema (a required field made optional) breaks readers. A
    schema reachable from both sides is held to both rules.
    """
    roots: list[Any] = []
    for op in _operations(doc).values():
        roots.extend(_body_schemas(doc, op, request=request).values())
        if request:
            roots.extend(param.get("schema") for param in _parameters(doc, op).values())
    names: set[str] = set()
    while roots:
        node = roots.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in names:
                    names.add(name)
                    roots.append(doc.get("components", {}).get("schemas", {}).get(name))
            roots.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            roots.extend(node)
    return names


def summarise_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every operation, parameter, schema, field and enum value added, removed or retyped."""
    changes: list[Change] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for key in sorted(new_ops.keys() - old_ops.keys()):
        changes.append(Change("added", "operation", key, breaking=False))
    for key in sorted(old_ops.keys() - new_ops.keys()):
        changes.append(Change("removed", "operation", key, breaking=True))
    # Schemas compared field by field: the components, plus request and response bodies that
    # are written inline rather than by $ref. Each maps to (before, after, in_request, in_response).
    objects: dict[str, tuple[Any, Any, bool, bool]] = {}
    for key in sorted(old_ops.keys() & new_ops.keys()):
        old_op, new_op = old_ops[key], new_ops[key]
        changes.extend(_operation_changes(key, old_op, new_op))
        changes.extend(_parameter_changes(key, old, new, _parameters(old, old_op), _parameters(new, new_op)))
        for request in (True, False):
            old_bodies = _body_schemas(old, old_op, request=request)
            new_bodies = _body_schemas(new, new_op, request=request)
            for name in sorted(old_bodies.keys() & new_bodies.keys()):
                before, after = old_bodies[name], new_bodies[name]
                inline = all(isinstance(s, Mapping) and "$ref" not in s for s in (before, after))
                if inline:
                    objects[f"{key} {name}"] = (before, after, request, not request)
                elif _type_of(old, before) != _type_of(new, after):
                    detail = f"{_type_of(old, before)} -> {_type_of(new, after)}"
                    changes.append(Change("retyped", "body", f"{key} {name}", breaking=True, detail=detail))

    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    request_schemas = _reachable(old, request=True) | _reachable(new, request=True)
    response_schemas = _reachable(old, request=False) | _reachable(new, request=False)
    for name in sorted(new_schemas.keys() - old_schemas.keys()):
        changes.append(Change("added", "schema", name, breaking=False))
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        changes.append(Change("removed", "schema", name, breaking=True))
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        objects[name] = (old_schemas[name], new_schemas[name], name in request_schemas, name in response_schemas)
    for name, (before, after, in_request, in_response) in sorted(objects.items()):
        changes.extend(_enum_changes(name, before, after, in_request=in_request))
        changes.extend(_field_changes(name, old, new, before, after, in_request=in_request, in_response=in_response))
    return changes


def _operation_changes(key: str, old_op: Mapping[str, Any], new_op: Mapping[str, Any]) -> Iterator[Change]:
    # The generator names each function after its operationId, in a module per first tag:
    # changing either moves `flick_api.api.<tag>.<operation_id>` out from under its importers.
    for label, field in (("operationId", "operationId"), ("tag", "tags")):
        before, after = old_op.get(field), new_op.get(field)
        if field == "tags":
            before, after = (before or [None])[0], (after or [None])[0]
        if before != after:
            yield Change("renamed", "operation", key, breaking=True, detail=f"{label} {before} -> {after}")


def _parameter_changes(
    key: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_params: Mapping[str, Mapping[str, Any]],
    new_params: Mapping[str, Mapping[str, Any]],
) -> Iterator[Change]:
    for name in sorted(new_params.keys() - old_params.keys()):
        required = bool(new_params[name].get("required"))
        yield Change("added", "parameter", f"{key} {name}", breaking=required, detail="required" if required else "")
    for name in sorted(old_params.keys() - new_params.keys()):
        yield Change("removed", "parameter", f"{key} {name}", breaking=True)
    for name in sorted(old_params.keys() & new_params.keys()):
        before, after = old_params[name], new_params[name]
        old_type, new_type = _type_of(old, before.get("schema")), _type_of(new, after.get("schema"))
        if old_type != new_type:
            yield Change("retyped", "parameter", f"{key} {name}", breaking=True, detail=f"{old_type} -> {new_type}")
        if not before.get("required") and after.get("required"):
            yield Change("required", "parameter", f"{key} {name}", breaking=True)
        # Only inline enums here: one behind a $ref is reported once, under its component schema.
        yield from _enum_changes(f"{key} {name}", before.get("schema"), after.get("schema"), in_request=True)


def _field_changes(
    name: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    before: Any,
    after: Any,
    *,
    in_request: bool,
    in_response: bool,
) -> Iterator[Change]:
    old_fields, old_required = _fields(old, before)
    new_fields, new_required = _fields(new, after)
    for field in sorted(new_fields.keys() - old_fields.keys()):
        breaking = in_request and field in new_required
        yield Change("added", "field", f"{name}.{field}", breaking=breaking, detail="required" if breaking else "")
    for field in sorted(old_fields.keys() - new_fields.keys()):
        yield Change("removed", "field", f"{name}.{field}", breaking=True)
    for field in sorted(old_fields.keys() & new_fields.keys()):
        old_type, new_type = _type_of(old, old_fields[field]), _type_of(new, new_fields[field])
        if old_type != new_type:
            yield Change("retyped", "field", f"{name}.{field}", breaking=True, detail=f"{old_type} -> {new_type}")
        if field in new_required - old_required:
            # A request field callers may have left out is now demanded.
            yield Change("required", "field", f"{name}.{field}", breaking=in_request)
        if field in old_required - new_required:
            # A response field that may now be missing breaks readers that rely on it.
            yield Change("optional", "field", f"{name}.{field}", breaking=in_response)
        yield from _enum_changes(f"{name}.{field}", old_fields[field], new_fields[field], in_request=in_request)


def _enum_changes(where: str, before: Any, after: Any, *, in_request: bool) -> Iterator[Change]:
    old_values, new_values = _enum_values(before), _enum_values(after)
    if old_values is None or new_values is None:
        return
    for value in sorted(new_values - old_values):
        yield Change("added", "enum value", f"{where} {value}", breaking=False)
    for value in sorted(old_values - new_values):
        # Removing a value breaks callers that send it; readers tolerate unknown values anyway.
        yield Change("removed", "enum value", f"{where} {value}", breaking=in_request)


# --- generation --------------------------------------------------------------------------


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


def regenerate(
    source: str,
    *,
    allow_breaking: bool = False,
    schema_path: Path = SCHEMA_PATH,
    generated_dir: Path = GENERATED_DIR,
    out: Any = sys.stdout,
) -> int:
    """Pull, validate, summarise and regenerate; return the exit code (0, or 3 on breaking changes).

    Raises:
        RegenError: the pull, validation or generation failed; nothing was written.
    """
    new = load_schema(source)
    text = normalise(new)
    old = _read_current(schema_path)
    changes = sorted(summarise_changes(old, new), key=lambda c: (not c.breaking, c.what, c.where))
    if changes:
        print(f"{len(changes)} change(s) against {schema_path.name}:", file=out)
        for change in changes:
            print(f"  {change}", file=out)
    else:
        print(f"no schema changes against {schema_path.name}", file=out)
    breaking = [c for c in changes if c.breaking]
    if breaking and not allow_breaking:
        print(f"{len(breaking)} breaking change(s); nothing written. Re-run with --allow-breaking.", file=out)
        return 3

    with tempfile.TemporaryDirectory() as tmp:
        staged_schema = Path(tmp) / "openapi.json"
        staged_schema.write_text(text, encoding="utf-8")
        # Generate from the staged copy, so a failure leaves the old schema and tree intact.
        fresh = generate(staged_schema, Path(tmp) / "out")
        _install(fresh, generated_dir, schema_path, text)
    print(f"regenerated {_display(generated_dir / PACKAGE)} and {_display(schema_path)} from {source}", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--from", dest="source", default=LIVE_SCHEMA_URL, help="schema URL or file (default: the live schema)"
    )
    parser.add_argument("--allow-breaking", action="store_true", help="regenerate even when changes are breaking")
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
        code = regenerate(args.source, allow_breaking=args.allow_breaking, out=sys.stdout)
        if code == 0:
            try:
                shutil.copyfile(SCHEMA_PATH, SERVED_SCHEMA_PATH)
            except OSError as exc:
                print(
                    f"regen: regenerated, but could not update {_display(SERVED_SCHEMA_PATH)} ({exc.strerror}); "
                    "`make check-generated` fails until `make regen FROM=openapi.json` succeeds.",
                    file=sys.stderr,
                )
                return 2
        return code
    except RegenError as exc:
        print(f"regen: {exc}; nothing was changed.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
