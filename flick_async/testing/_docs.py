"""`GET /api/beta/docs`: the schema rendered server-side as one self-contained HTML page.

No scripts, no CDN: the page works offline. It lists every operation (parameters, request
body, responses with their headers) and every schema, all taken from the served openapi.json.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render"]

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{margin-bottom:.2rem} h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
section.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{font-weight:700;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#2f6fdf}
.post{background:#1a8754} code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0} td,th{border:1px solid #e3e3e3;padding:.2rem .5rem;
text-align:left;vertical-align:top} th{background:#fafafa}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, _, name = node["$ref"].removeprefix("#/components/").partition("/")
        node = schema["components"][section][name]
    return node


def _type(node: dict[str, Any]) -> str:
    """A short, readable type: `string`, `integer | null`, `array of Review`, `Media`."""
    if "$ref" in node:
        name = _ref_name(node["$ref"])
        return f'<a href="#schema-{_e(name)}">{_e(name)}</a>'
    if "anyOf" in node:
        return " | ".join(_type(n) for n in node["anyOf"])
    kind = node.get("type", "object" if "properties" in node else "any")
    if kind == "array":
        return f"array of {_type(node.get('items', {}))}"
    text = " | ".join(kind) if isinstance(kind, list) else kind
    if node.get("format"):
        text += f" ({node['format']})"
    return _e(text)


def _constraints(node: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("default", "default"),
    ):
        if key in node:
            parts.append(f"{label} {node[key]}")
    if "enum" in node:
        parts.append("one of " + ", ".join(f"<code>{_e(v)}</code>" for v in node["enum"]))
    if "items" in node and "maxLength" in node["items"]:
        parts.append(f"items max length {node['items']['maxLength']}")
    return "; ".join(p if p.startswith("one of") else _e(p) for p in parts)


def _properties(schema: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(schema, node)
    required = set(node.get("required", ()))
    rows = "".join(
        f"<tr><td><code>{_e(name)}</code>{' (required)' if name in required else ''}</td>"
        f"<td>{_type(prop)}</td><td>{_constraints(_resolve(schema, prop) if '$ref' in prop else prop)}</td>"
        f"<td>{_e(prop.get('description', ''))}</td></tr>"
        for name, prop in node.get("properties", {}).items()
    )
    if not rows:
        return ""
    return f"<table><tr><th>field</th><th>type</th><th>constraints</th><th>notes</th></tr>{rows}</table>"


def _operation(schema: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> str:
    out = [
        f'<section class="op" id="{_e(op.get("operationId", ""))}">',
        f'<h3><span class="method {method}">{method.upper()}</span> <code>{_e(path)}</code> — '
        f"{_e(op.get('summary', ''))}</h3>",
        f"<p>{_e(op.get('description', ''))}</p>",
    ]
    params = [_resolve(schema, p) for p in op.get("parameters", [])]
    if params:
        rows = "".join(
            f"<tr><td><code>{_e(p['name'])}</code>{' (required)' if p.get('required') else ''}</td>"
            f"<td>{_e(p['in'])}</td><td>{_type(p.get('schema', {}))}</td>"
            f"<td>{_constraints(_resolve(schema, p.get('schema', {})))}</td>"
            f"<td>{_e(p.get('description', ''))}</td></tr>"
            for p in params
        )
        out.append(
            "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>constraints</th>"
            f"<th>notes</th></tr>{rows}</table>"
        )
    body = op.get("requestBody")
    if body:
        media = body["content"].get("application/json", {})
        out.append(f"<h4>Request body (application/json)</h4><p>{_type(media.get('schema', {}))}</p>")
        out.append(_properties(schema, media.get("schema", {})))
    statuses = []
    for status, response in op.get("responses", {}).items():
        response = _resolve(schema, response)
        content = response.get("content", {}).get("application/json", {})
        headers = ", ".join(f"<code>{_e(h)}</code>" for h in response.get("headers", {}))
        statuses.append(
            f"<tr><td>{_e(status)}</td><td>{_e(response.get('description', ''))}</td>"
            f"<td>{_type(content['schema']) if 'schema' in content else ''}</td><td>{headers}</td></tr>"
        )
    out.append(
        "<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th><th>headers</th></tr>"
        + "".join(statuses)
        + "</table></section>"
    )
    return "\n".join(out)


def render(schema: dict[str, Any]) -> str:
    """The docs page for an OpenAPI document."""
    info = schema.get("info", {})
    description = "".join(f"<p>{_e(p)}</p>" for p in info.get("description", "").split("\n\n"))
    auth = "".join(
        f"<li><code>{_e(name)}</code>: {_e(s.get('description', ''))}</li>"
        for name, s in schema.get("components", {}).get("securitySchemes", {}).items()
    )
    servers = "".join(
        f"<li><code>{_e(s['url'])}</code> — {_e(s.get('description', ''))}</li>" for s in schema.get("servers", [])
    )
    operations = "".join(
        _operation(schema, path, method, op)
        for path, ops in schema.get("paths", {}).items()
        for method, op in ops.items()
        if isinstance(op, dict) and "responses" in op
    )
    schemas = "".join(
        f'<h3 id="schema-{_e(name)}">{_e(name)}</h3><p>{_e(node.get("description", ""))}</p>'
        + (f"<p>{_constraints(node)}</p>" if "enum" in node else _properties(schema, node))
        for name, node in schema.get("components", {}).get("schemas", {}).items()
    )
    title = _e(info.get("title", "API"))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} — docs</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title} <small>{_e(info.get('version', ''))}</small></h1>"
        f"<p><em>{_e(info.get('summary', ''))}</em></p>{description}"
        f'<p>Schema: <a href="openapi.json">openapi.json</a></p>'
        f"<h2>Servers</h2><ul>{servers}</ul><h2>Authentication</h2><ul>{auth}</ul>"
        f"<h2>Operations</h2>{operations}<h2>Schemas</h2>{schemas}</body></html>"
    )
