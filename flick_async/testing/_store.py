"""Accounts, keys and each account's data, kept in memory.

Keys are stored only as their sha256 digest. Every method takes the store's lock and never
awaits, so the HTTP handlers (on the server's event loop) and a test thread driving the
programmatic API see one consistent state.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from ._catalog import Catalog, MediaRef

__all__ = ["Account", "AuthResult", "Collection", "Row", "Store", "hash_key", "iso"]

KEY_PATTERN = re.compile(r"flick_sk_[A-Za-z0-9_]{8,128}")
MAX_ACTIVE_KEYS = 5
Source = Literal["app", "import", "api"]
Collection = Literal["reviews", "watchlist", "lists", "list_items"]


@dataclass(frozen=True)
class Row:
    """One item of a list endpoint as served: its JSON, its store sequence number, and its sort key.

    `key` grows along the served order and never changes while the item exists, whatever is
    inserted or deleted around it: the local server's cursors are built on it.
    """

    seq: int
    key: tuple[float, ...]
    json: dict[str, Any]


def hash_key(key: str) -> str:
    """The digest a key is stored and logged under."""
    return hashlib.sha256(key.encode()).hexdigest()


def iso(unix_time: float) -> str:
    """RFC 3339 UTC, to the second: `2026-06-14T20:31:00Z`."""
    return datetime.datetime.fromtimestamp(int(unix_time), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Account:
    """A Flick account on the local server.

    Attributes:
        id: The account id (the profile's `id`).
        username: The profile's `username`.
        api_key: The key created with the account (None when created without one).
    """

    id: str
    username: str
    api_key: str | None = None


@dataclass
class _Key:
    account_id: str
    revoked_at: float | None = None  # when revocation takes effect


@dataclass
class _Review:
    seq: int
    json: dict[str, Any]
    identity: tuple[Any, ...]
    created_at: float


@dataclass
class _Entry:  # a watchlist entry or a list item
    seq: int
    media: dict[str, Any]
    added_at: float
    note: str | None = None
    order: int = 0  # a ranked list's order: rank 1 has the lowest; an insert at rank 1 goes below it


@dataclass
class _List:
    seq: int
    id: str
    name: str
    description: str | None
    ranked: bool
    created_at: float
    updated_at: float
    items: list[_Entry] = field(default_factory=list)


@dataclass
class _AccountData:
    id: str
    username: str
    display_name: str
    avatar_url: str | None
    pro: bool
    created_at: float
    reviews: list[_Review] = field(default_factory=list)
    by_identity: dict[tuple[Any, ...], _Review] = field(default_factory=dict)
    watchlist: list[_Entry] = field(default_factory=list)
    lists: list[_List] = field(default_factory=list)


_E = TypeVar("_E", _Review, _Entry)


@dataclass(frozen=True)
class AuthResult:
    """The outcome of checking a presented key: an account id, or an error code."""

    account_id: str | None
    key_id: str | None
    error: str | None = None
    message: str = ""


def review_identity(ref: MediaRef, rating: float | None, review: str | None, watched: str | None) -> tuple[Any, ...]:
    """What makes two reviews identical (contract.md): the title, rating, text and watched date; not tags."""
    return (ref.tmdb_id, ref.media_type, ref.season_number, ref.episode_number, rating, review, watched)


class Store:
    """Everything the server stores. Thread-safe; handlers and tests share one instance."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.RLock()
        self._accounts: dict[str, _AccountData] = {}
        self._keys: dict[str, _Key] = {}
        self._seq = itertools.count(1)

    # -- accounts and keys -------------------------------------------------------------------

    def add_account(
        self, username: str | None, *, pro: bool, display_name: str | None, avatar_url: str | None, now: float
    ) -> _AccountData:
        with self._lock:
            n = next(self._seq)
            username = username or f"user{n}"
            if any(a.username == username for a in self._accounts.values()):
                raise ValueError(f"username {username!r} is taken")
            data = _AccountData(
                id=f"usr_{n:06d}",
                username=username,
                display_name=display_name or username.replace("_", " ").title(),
                avatar_url=avatar_url,
                pro=pro,
                created_at=now,
            )
            self._accounts[data.id] = data
            return data

    def account(self, account_id: str) -> _AccountData:
        with self._lock:
            try:
                return self._accounts[account_id]
            except KeyError:
                raise KeyError(f"no account {account_id!r}") from None

    def account_for_key(self, key: str) -> _AccountData:
        with self._lock:
            record = self._keys.get(hash_key(key))
            if record is None:
                raise KeyError("unknown API key")
            return self._accounts[record.account_id]

    def add_key(self, account_id: str, key: str | None, *, now: float) -> str:
        with self._lock:
            self.account(account_id)
            key = key or f"flick_sk_{secrets.token_hex(16)}"
            if not KEY_PATTERN.fullmatch(key):
                raise ValueError("API keys look like flick_sk_ followed by 8-128 letters, digits or underscores")
            digest = hash_key(key)
            if digest in self._keys:
                raise ValueError("that key is already registered")
            active = [k for k in self._keys.values() if k.account_id == account_id and not _revoked(k, now)]
            if len(active) >= MAX_ACTIVE_KEYS:
                raise ValueError(f"an account holds at most {MAX_ACTIVE_KEYS} active keys")
            self._keys[digest] = _Key(account_id)
            return key

    def revoke_key(self, key: str, *, effective_at: float) -> None:
        with self._lock:
            record = self._keys.get(hash_key(key))
            if record is None:
                raise KeyError("unknown API key")
            if record.revoked_at is None or effective_at < record.revoked_at:
                record.revoked_at = effective_at

    def authenticate(self, key: str | None, *, now: float) -> AuthResult:
        if key is None:
            return AuthResult(None, None, "invalid_api_key", "Missing API key: send Authorization: Bearer flick_sk_….")
        if not KEY_PATTERN.fullmatch(key):
            return AuthResult(None, None, "invalid_api_key", "Malformed API key.")
        digest = hash_key(key)
        with self._lock:
            record = self._keys.get(digest)
            if record is None:
                return AuthResult(None, None, "invalid_api_key", "Unknown API key.")
            if _revoked(record, now):
                return AuthResult(record.account_id, digest, "api_key_revoked", "This API key was revoked.")
            if not self._accounts[record.account_id].pro:
                return AuthResult(
                    record.account_id, digest, "pro_required", "API access requires a Flick Pro subscription."
                )
            return AuthResult(record.account_id, digest)

    # -- reads -------------------------------------------------------------------------------

    def profile(self, account_id: str) -> dict[str, Any]:
        with self._lock:
            a = self.account(account_id)
            return {
                "id": a.id,
                "username": a.username,
                "display_name": a.display_name,
                "avatar_url": a.avatar_url,
                "pro": a.pro,
                "created_at": iso(a.created_at),
                "stats": {"reviews": len(a.reviews), "watchlist": len(a.watchlist), "lists": len(a.lists)},
            }

    def reviews(self, account_id: str) -> list[dict[str, Any]]:
        """Newest first (by `created_at`, then by write order)."""
        return [row.json for row in self.rows(account_id, "reviews") or ()]

    def watchlist(self, account_id: str) -> list[dict[str, Any]]:
        """Most recently added first."""
        return [row.json for row in self.rows(account_id, "watchlist") or ()]

    def lists(self, account_id: str) -> list[dict[str, Any]]:
        """Most recently updated first."""
        return [row.json for row in self.rows(account_id, "lists") or ()]

    def list_items(self, account_id: str, list_id: str) -> list[dict[str, Any]] | None:
        """Rank order for ranked lists, most recently added first otherwise; None if not this account's."""
        rows = self.rows(account_id, "list_items", list_id)
        return None if rows is None else [row.json for row in rows]

    def rows(self, account_id: str, collection: Collection, list_id: str | None = None) -> list[Row] | None:
        """A collection in the order its endpoint serves it; None for a list that is not this account's."""
        with self._lock:
            account = self.account(account_id)
            if collection == "reviews":
                return [Row(r.seq, (-r.created_at, -r.seq), r.json) for r in _newest(account.reviews)]
            if collection == "watchlist":
                return [
                    Row(e.seq, (-e.added_at, -e.seq), {"media": e.media, "added_at": iso(e.added_at)})
                    for e in _newest(account.watchlist)
                ]
            if collection == "lists":
                lists = sorted(account.lists, key=lambda x: (x.updated_at, x.seq), reverse=True)
                return [Row(x.seq, (-x.updated_at, -x.seq), _list_json(x)) for x in lists]
            found = self._find_list(account, list_id)
            if found is None:
                return None
            if found.ranked:
                ranked = sorted(found.items, key=lambda e: (e.order, e.seq))
                return [Row(e.seq, (e.order, e.seq), _item_json(e, rank)) for rank, e in enumerate(ranked, start=1)]
            return [Row(e.seq, (-e.added_at, -e.seq), _item_json(e, None)) for e in _newest(found.items)]

    def delete(self, account_id: str, collection: Collection, seq: int, list_id: str | None = None) -> bool:
        """Remove one item by its sequence number; False when it is already gone."""
        with self._lock:
            account = self.account(account_id)
            if collection == "reviews":
                kept = [r for r in account.reviews if r.seq != seq]
                gone = len(kept) < len(account.reviews)
                account.reviews[:] = kept
                account.by_identity = {i: r for i, r in account.by_identity.items() if r.seq != seq}
                return gone
            if collection == "watchlist":
                entries = account.watchlist
            elif collection == "lists":
                before = len(account.lists)
                account.lists[:] = [x for x in account.lists if x.seq != seq]
                return len(account.lists) < before
            else:
                found = self._find_list(account, list_id)
                if found is None:
                    return False
                entries = found.items
            before = len(entries)
            entries[:] = [e for e in entries if e.seq != seq]
            return len(entries) < before

    def insert_first(
        self, account_id: str, collection: Collection, media: dict[str, Any], list_id: str | None = None
    ) -> int | None:
        """Add an item that its endpoint serves first (the newest, or rank 1); its sequence number."""
        with self._lock:
            account = self.account(account_id)
            seq = next(self._seq)
            if collection == "reviews":
                newest = max((r.created_at for r in account.reviews), default=0.0) + 1
                identity = ("inserted", seq)
                body: dict[str, Any] = {
                    "id": f"rev_{seq:08d}",
                    "media": media,
                    "rating": None,
                    "review": f"Inserted between pages ({seq})",
                    "watched_date": None,
                    "tags": [],
                    "source": "app",
                    "created_at": iso(newest),
                }
                stored = _Review(seq, body, identity, newest)
                account.reviews.append(stored)
                account.by_identity[identity] = stored
            elif collection == "watchlist":
                newest = max((e.added_at for e in account.watchlist), default=0.0) + 1
                account.watchlist.append(_Entry(seq, media, newest))
            elif collection == "lists":
                newest = max((x.updated_at for x in account.lists), default=0.0) + 1
                account.lists.append(_List(seq, f"lst_{seq:06d}", f"Inserted {seq}", None, False, newest, newest))
            else:
                found = self._find_list(account, list_id)
                if found is None:
                    return None
                newest = max((e.added_at for e in found.items), default=0.0) + 1
                first = min((e.order for e in found.items), default=1)
                found.items.append(_Entry(seq, media, newest, order=first - 1))
            return seq

    @staticmethod
    def _find_list(account: _AccountData, list_id: str | None) -> _List | None:
        return next((x for x in account.lists if x.id == list_id), None)

    # -- writes ------------------------------------------------------------------------------

    def find_review(self, account_id: str, identity: tuple[Any, ...]) -> dict[str, Any] | None:
        with self._lock:
            found = self.account(account_id).by_identity.get(identity)
            return found.json if found else None

    def write_review(
        self,
        account_id: str,
        ref: MediaRef,
        media: dict[str, Any],
        *,
        rating: float | None,
        review: str | None,
        watched_date: str | None,
        tags: Sequence[str],
        source: Source,
        now: float,
    ) -> tuple[dict[str, Any], bool]:
        """Store a review unless an identical one exists; returns (review, created)."""
        identity = review_identity(ref, rating, review, watched_date)
        with self._lock:
            account = self.account(account_id)
            existing = account.by_identity.get(identity)
            if existing is not None:
                return existing.json, False
            seq = next(self._seq)
            body = {
                "id": f"rev_{seq:08d}",
                "media": media,
                "rating": rating,
                "review": review,
                "watched_date": watched_date,
                "tags": list(tags),
                "source": source,
                "created_at": iso(now),
            }
            stored = _Review(seq, body, identity, now)
            account.reviews.append(stored)
            account.by_identity[identity] = stored
            return body, True

    def add_to_watchlist(self, account_id: str, media: dict[str, Any], *, now: float) -> None:
        with self._lock:
            self.account(account_id).watchlist.append(_Entry(next(self._seq), media, now))

    def add_list(
        self,
        account_id: str,
        name: str,
        *,
        description: str | None,
        ranked: bool,
        items: Sequence[tuple[dict[str, Any], str | None]],
        now: float,
    ) -> str:
        with self._lock:
            account = self.account(account_id)
            seq = next(self._seq)
            list_id = f"lst_{seq:06d}"
            entries = [_Entry(next(self._seq), media, now, note, order) for order, (media, note) in enumerate(items)]
            account.lists.append(_List(seq, list_id, name, description, ranked, now, now, entries))
            return list_id

    def set_pro(self, account_id: str, pro: bool) -> None:
        with self._lock:
            self.account(account_id).pro = pro


def _newest(entries: Sequence[_E]) -> list[_E]:
    return sorted(entries, key=_recency, reverse=True)


def _recency(entry: _Review | _Entry) -> tuple[float, int]:
    return (entry.created_at if isinstance(entry, _Review) else entry.added_at, entry.seq)


def _revoked(record: _Key, now: float) -> bool:
    return record.revoked_at is not None and now >= record.revoked_at


def _list_json(x: _List) -> dict[str, Any]:
    return {
        "id": x.id,
        "name": x.name,
        "description": x.description,
        "ranked": x.ranked,
        "item_count": len(x.items),
        "created_at": iso(x.created_at),
        "updated_at": iso(x.updated_at),
    }


def _item_json(e: _Entry, rank: int | None) -> dict[str, Any]:
    return {"media": e.media, "rank": rank, "note": e.note, "added_at": iso(e.added_at)}
