"""Regenerate `generated/flick_api` from the Flick OpenAPI schema.

    python scripts/regen.py                    # pull the live schema, summarise, regenerate
    python scripts/regen.py --from FILE-OR-URL # the same from another source
    python scripts/regen.py --check            # drift check: generated/ matches openapi.json?

A pull is validated and diffed against the current `openapi.json` before anything is
written; breaking changes stop it (exit 3) unless `--allow-breaking` is given. A failed pull,
an invalid schema or a failed generation leaves `openapi.json` and `generated/` untouched.

Exit codes: 0 done, 1 drift found, 2 could not read/validate/generate, 3 breaking changes.
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
        except httpx.HTTPError as exc:
            raise RegenError(f"could not fetch {source}: {exc}") from exc
        text = response.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise RegenError(f"could not read {source}: {exc.strerror}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegenError(f"{source} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise RegenError(f"{source} is not an OpenAPI document (top level is not an object)")
    validate(document, source)
    return document


def validate(document: Mapping[str, Any], source: str) -> None:
    from openapi_spec_validator import validate as validate_spec

    try:
        validate_spec(document)
    except Exception as exc:  # the validator raises several unrelated classes
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RegenError(f"{source} is not a valid OpenAPI document: {first_line}") from exc


def normalise(document: Mapping[str, Any]) -> str:
    """Stable key order and indentation, so that schema diffs stay small and reviewable."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- change summary ----------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Change:
    kind: str  # "added", "removed", "retyped", "required", "optional"
    what: str  # "operation", "parameter", "schema", "field", "enum value"
    where: str
    breaking: bool
    detail: str = ""

    def __str__(self) -> str:
        flag = "BREAKING " if self.breaking else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{flag}{self.what} {self.kind}: {self.where}{detail}"


def _operations(doc: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    ops = {}
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                ops[f"{method.upper()} {path}"] = item[method]
    return ops


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and seen < 32:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
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


def _enum_values(schema: Any) -> set[str] | None:
    if isinstance(schema, Mapping) and "enum" in schema:
        return {json.dumps(v) for v in schema["enum"]}
    return None


def _request_schemas(doc: Mapping[str, Any]) -> set[str]:
    """Names of component schemas reachable from request bodies or parameters.

    Tightening those (a new required field, a removed enum value) breaks existing callers;
    the same change in a response-only schema does not.
    """
    roots: list[Any] = []
    for op in _operations(doc).values():
        body = _resolve(doc, op.get("requestBody", {}))
        for media in body.get("content", {}).values():
            roots.append(media.get("schema"))
        for param in _parameters(doc, op).values():
            roots.append(param.get("schema"))
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
    for key in sorted(old_ops.keys() & new_ops.keys()):
        old_params, new_params = _parameters(old, old_ops[key]), _parameters(new, new_ops[key])
        for name in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[name].get("required"))
            changes.append(
                Change("added", "parameter", f"{key} {name}", breaking=required, detail="required" if required else "")
            )
        for name in sorted(old_params.keys() - new_params.keys()):
            changes.append(Change("removed", "parameter", f"{key} {name}", breaking=True))
        for name in sorted(old_params.keys() & new_params.keys()):
            before, after = old_params[name], new_params[name]
            old_type, new_type = _type_of(old, before.get("schema")), _type_of(new, after.get("schema"))
            if old_type != new_type:
                changes.append(
                    Change("retyped", "parameter", f"{key} {name}", breaking=True, detail=f"{old_type} -> {new_type}")
                )
            if not before.get("required") and after.get("required"):
                changes.append(Change("required", "parameter", f"{key} {name}", breaking=True))
            changes.extend(
                _enum_changes(
                    f"{key} {name}",
                    _resolve(old, before.get("schema")),
                    _resolve(new, after.get("schema")),
                    in_request=True,
                )
            )

    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    request_schemas = _request_schemas(old) | _request_schemas(new)
    for name in sorted(new_schemas.keys() - old_schemas.keys()):
        changes.append(Change("added", "schema", name, breaking=False))
    for name in sorted(old_schemas.keys() - new_schemas.keys()):
        changes.append(Change("removed", "schema", name, breaking=True))
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        before, after = old_schemas[name], new_schemas[name]
        in_request = name in request_schemas
        changes.extend(_enum_changes(name, before, after, in_request=in_request))
        old_fields, new_fields = before.get("properties", {}), after.get("properties", {})
        old_required, new_required = set(before.get("required", [])), set(after.get("required", []))
        for field in sorted(new_fields.keys() - old_fields.keys()):
            breaking = in_request and field in new_required
            changes.append(
                Change("added", "field", f"{name}.{field}", breaking=breaking, detail="required" if breaking else "")
            )
        for field in sorted(old_fields.keys() - new_fields.keys()):
            changes.append(Change("removed", "field", f"{name}.{field}", breaking=True))
        for field in sorted(old_fields.keys() & new_fields.keys()):
            old_type, new_type = _type_of(old, old_fields[field]), _type_of(new, new_fields[field])
            if old_type != new_type:
                changes.append(
                    Change("retyped", "field", f"{name}.{field}", breaking=True, detail=f"{old_type} -> {new_type}")
                )
            if field in new_required - old_required and in_request:
                changes.append(Change("required", "field", f"{name}.{field}", breaking=True))
            if field in old_required - new_required and not in_request:
                # A response field that may now be missing breaks readers that rely on it.
                changes.append(Change("optional", "field", f"{name}.{field}", breaking=True))
            changes.extend(
                _enum_changes(f"{name}.{field}", old_fields[field], new_fields[field], in_request=in_request)
            )
    return changes


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
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(schema_path, Path(tmp))
        return drift(fresh, generated_dir / PACKAGE)


def regenerate(
    source: str,
    *,
    allow_breaking: bool = False,
    schema_path: Path = SCHEMA_PATH,
    generated_dir: Path = GENERATED_DIR,
    out: Any = sys.stdout,
) -> int:
    """Pull, validate, summarise and regenerate; return the exit code."""
    new = load_schema(source)
    text = normalise(new)
    old = json.loads(schema_path.read_text(encoding="utf-8")) if schema_path.exists() else {}
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
        fresh = generate(staged_schema, Path(tmp) / "out")
        # Swap in only after generation succeeded, so a failure leaves the old tree intact.
        target = generated_dir / PACKAGE
        backup = generated_dir / f".{PACKAGE}.old"
        shutil.rmtree(backup, ignore_errors=True)
        generated_dir.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rename(backup)
        shutil.copytree(fresh, target)
        shutil.rmtree(backup, ignore_errors=True)
        schema_path.write_text(text, encoding="utf-8")
    print(f"regenerated generated/{PACKAGE} from {source}", file=out)
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
            print("generated/ matches openapi.json")
            return 0
        return regenerate(args.source, allow_breaking=args.allow_breaking)
    except RegenError as exc:
        print(f"regen: {exc}; nothing was changed.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
