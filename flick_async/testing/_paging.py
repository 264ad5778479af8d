"""How the local server pages its list endpoints, and the knobs that make it page like a worse server.

Two styles (`FlickServer(pagination=...)`):

- `"page"` (the API today): `?page=N&limit=L` → `{data, page, limit, total, has_more}`, by offset.
- `"cursor"` (what the reference warns may come before GA): `?limit=L&cursor=C` →
  `{data, limit, total, next_cursor}`; `next_cursor` is null on the last page.

**The cursor design.** A cursor names the sort key of the last item served (`Row.key`: newest
first by time and write order, or a ranked list's order), never an offset, so inserts and
deletes anywhere cannot shift what the next page holds: the next page is "the items after that
key", whether or not that item still exists. A cursor is opaque: base64url of a small JSON
payload (scope, key binding, sort key) and an HMAC over it under a per-server secret. It is
bound to the API key it was issued to and to the list it walks (a cursor of another key or
another list, or an edited one, is a 400 `invalid_request` naming `cursor`).

**Knobs** (`server.paging`), each the way a real server can break a client's walk:

- `max_limit`: clamp `limit` to at most this; the answer says so in its `limit`.
- `between_pages(route, mutation, on=None)`: run `mutation` before a later page is served (a
  request with `page` ≥ 2 or with a cursor is a page boundary); on every boundary, or on the
  numbered ones. `DeleteServed()` deletes an item this walk was already served, `InsertFirst()`
  adds an item the list serves first (the newest, or rank 1 of a ranked list); any callable
  taking a `PageBoundary` works.
- Odd `total`s are a fault: `server.faults.add("GET /me/reviews", OddTotal(None))`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._catalog import MediaRef
from ._store import Collection, Row
from ._validation import Invalid, page_params

if TYPE_CHECKING:
    from ._server import FlickServer

__all__ = ["DeleteServed", "InsertFirst", "Mutation", "PageBoundary", "PaginationStyle", "Paging"]

PaginationStyle = Literal["page", "cursor"]
_STYLES = ("page", "cursor")
_MAC_BYTES = 16


@dataclass(frozen=True)
class PageBoundary:
    """The moment between two pages of one walk, handed to each mutation.

    Attributes:
        server: The server.
        account_id: Whose list is being walked.
        route: The route, as in `Faults` (`"GET /me/lists/{list_id}/items"`).
        list_id: The list, for list items; None otherwise.
        served: Store sequence numbers of the items this walk was served so far, in order.
    """

    server: FlickServer
    account_id: str
    route: str
    collection: Collection
    list_id: str | None
    served: tuple[int, ...]

    def rows(self) -> list[Row]:
        """The collection as it stands, in served order."""
        return self.server.store.rows(self.account_id, self.collection, self.list_id) or []

    def delete(self, seq: int) -> bool:
        """Delete the item with store sequence number `seq`; False if it is already gone."""
        return self.server.store.delete(self.account_id, self.collection, seq, self.list_id)

    def insert_first(self) -> int | None:
        """Add an item the endpoint serves first (newest, or rank 1); its sequence number."""
        title = next(iter(self.server.catalog))
        media = self.server.catalog.media(MediaRef(title.tmdb_id, title.media_type))
        assert media is not None
        return self.server.store.insert_first(self.account_id, self.collection, media, self.list_id)


Mutation = Callable[[PageBoundary], None]


@dataclass(frozen=True)
class DeleteServed:
    """Delete an item the walk was already served: the first one served still stored, by default.

    Deleting from the part already walked pulls every later item one place earlier, so an
    offset-paged walk that does not notice skips one item at the boundary.

    Args:
        which: `"first"` or `"last"` of the items served so far (still stored).
        count: How many to delete at each boundary.
    """

    which: Literal["first", "last"] = "first"
    count: int = 1

    def __call__(self, boundary: PageBoundary) -> None:
        stored = {row.seq for row in boundary.rows()}
        candidates = [seq for seq in boundary.served if seq in stored]
        if self.which == "last":
            candidates.reverse()
        for seq in candidates[: self.count]:
            boundary.delete(seq)


@dataclass(frozen=True)
class InsertFirst:
    """Add `count` items the endpoint serves first (the newest; rank 1 of a ranked list).

    That pushes every item one place later: the next page starts with items already served.
    """

    count: int = 1

    def __call__(self, boundary: PageBoundary) -> None:
        for _ in range(self.count):
            boundary.insert_first()


@dataclass
class _Rule:
    route: str
    mutation: Mutation
    on: frozenset[int] | None
    seen: int = 0


@dataclass
class Paging:
    """Pagination of one server (`FlickServer.paging`): its style, clamp and mutations between pages.

    Args:
        style: `"page"` (the API today) or `"cursor"`.
        max_limit: Serve at most this many items a page whatever `limit` asks (None: no clamp).

    Example:
        server.paging.max_limit = 50
        server.paging.between_pages("GET /me/reviews", DeleteServed())
        server.paging.between_pages("*", InsertFirst(), on=[2])
    """

    style: PaginationStyle = "page"
    max_limit: int | None = None
    _secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    _rules: list[_Rule] = field(default_factory=list, repr=False)
    _served: dict[str, list[int]] = field(default_factory=dict, repr=False)  # per account and list
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.style not in _STYLES:
            raise ValueError(f"pagination is 'page' or 'cursor', not {self.style!r}")
        if self.max_limit is not None and self.max_limit < 1:
            raise ValueError("max_limit must be at least 1")

    def between_pages(self, route: str, mutation: Mutation, *, on: Iterable[int] | None = None) -> None:
        """Run `mutation` at page boundaries of `route` (`"GET /me/reviews"`, or `"*"`).

        Args:
            route: A list route as in `Faults.add`, or `"*"` for every list route.
            mutation: Called with a `PageBoundary` before the later page is read.
            on: 1-based numbers of the matching boundaries; every boundary when None.
        """
        from ._faults import _normalize_route

        with self._lock:
            self._rules.append(_Rule(_normalize_route(route), mutation, frozenset(on) if on is not None else None))

    def clear(self) -> None:
        """Remove every mutation rule (the style and clamp stay)."""
        with self._lock:
            self._rules.clear()

    # -- serving -----------------------------------------------------------------------------------

    def serve(
        self,
        server: FlickServer,
        query: Mapping[str, str],
        *,
        account_id: str,
        key_id: str,
        route: str,
        collection: Collection,
        list_id: str | None = None,
    ) -> dict[str, Any] | None:
        """One page's envelope in this server's style; None when the list is not the account's."""
        page, limit = page_params(query)
        if self.max_limit is not None:
            limit = min(limit, self.max_limit)
        scope = f"{account_id}:{collection}:{list_id or ''}"
        after: tuple[float, ...] | None = None
        if self.style == "cursor":
            raw = query.get("cursor")
            boundary = raw is not None and raw != ""
            if boundary:
                after = self._decode(raw or "", scope=scope, key_id=key_id)
        else:
            boundary = page > 1
        if boundary:
            self._run_mutations(server, account_id, route, collection, list_id, scope)
        rows = server.store.rows(account_id, collection, list_id)
        if rows is None:
            return None
        if self.style == "cursor":
            rest = [row for row in rows if after is None or row.key > after]
            chunk = rest[:limit]
            more = len(rest) > limit
            body: dict[str, Any] = {
                "data": [row.json for row in chunk],
                "limit": limit,
                "total": len(rows),
                "next_cursor": self._encode(chunk[-1].key, scope=scope, key_id=key_id) if more else None,
            }
        else:
            start = (page - 1) * limit
            chunk = rows[start : start + limit]
            body = {
                "data": [row.json for row in chunk],
                "page": page,
                "limit": limit,
                "total": len(rows),
                "has_more": start + limit < len(rows),
            }
        with self._lock:
            served = self._served.setdefault(scope, [])
            if not boundary:  # a first page starts a new walk
                served.clear()
            served.extend(row.seq for row in chunk)
        return body

    def _run_mutations(
        self, server: FlickServer, account_id: str, route: str, collection: Collection, list_id: str | None, scope: str
    ) -> None:
        with self._lock:
            due = []
            for rule in self._rules:
                if rule.route not in ("*", route):
                    continue
                rule.seen += 1
                if rule.on is None or rule.seen in rule.on:
                    due.append(rule.mutation)
            served = tuple(self._served.get(scope, ()))
        boundary = PageBoundary(server, account_id, route, collection, list_id, served)
        for mutation in due:
            mutation(boundary)

    # -- cursors -------------------------------------------------------------------------------------

    def _encode(self, key: tuple[float, ...], *, scope: str, key_id: str) -> str:
        payload = json.dumps({"s": scope, "b": key_id[:16], "k": list(key)}, separators=(",", ":")).encode()
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def _decode(self, cursor: str, *, scope: str, key_id: str) -> tuple[float, ...]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        expected = hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
        if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, expected):
            raise Invalid({"cursor": "is not a cursor this server issued"}, "Invalid cursor.")
        decoded = json.loads(payload)
        if decoded["b"] != key_id[:16]:
            raise Invalid({"cursor": "was issued to another API key"}, "Invalid cursor.")
        if decoded["s"] != scope:
            raise Invalid({"cursor": "was issued for another list"}, "Invalid cursor.")
        return tuple(decoded["k"])
