"""`GET /api/beta/docs`: the schema rendered as one self-contained HTML page."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render"]


def render(schema: dict[str, Any]) -> str:
    """The docs page for `schema` (filled in below)."""
    title = html.escape(schema["info"]["title"])
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body></body></html>"
