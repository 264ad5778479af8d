"""The import journal: what was resolved and what the server confirmed, in one SQLite file.

It is what makes `flick import letterboxd` resumable. Every answer is committed as it arrives,
so an interrupted run (Ctrl-C, a crash, the daily quota) loses nothing it was told, and the next
run sends no request whose answer is already known:

- `resolutions`: the full `/resolve` answer per (title, year), per API server. A re-run, or a
  re-run with another `--min-confidence`, costs no resolve request.
- `writes`: the server's verdict per review, keyed by a fingerprint of the review's body, per
  server and API key (sha256, never the key itself). A review is never sent again once the server
  confirmed it (`created` / `deduplicated`) or refused it for good (`media_not_found`,
  `invalid_request`). Keying by content rather than by row means a later, longer export of
  the same account imports only what is new.

A review sent without an answer (the connection died, the run was cancelled) is journaled as
`uncertain` (maybe stored) and sent again by the next run; the server deduplicates identical
reviews, so it is not written twice, and its answer then replaces the record.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any, Literal

import attrs
from flick_api.models import ResolveResult

__all__ = ["Journal", "WriteRecord", "fingerprint"]

WriteStatus = Literal["created", "deduplicated", "failed", "uncertain"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resolutions (
    server TEXT NOT NULL,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,          -- -1 when the export has no year
    result TEXT NOT NULL,           -- the /resolve answer as JSON
    PRIMARY KEY (server, title, year)
);
CREATE TABLE IF NOT EXISTS writes (
    account TEXT NOT NULL,          -- sha256 of base URL and API key
    fingerprint TEXT NOT NULL,      -- sha256 of the review's request body
    status TEXT NOT NULL,           -- created | deduplicated | failed | uncertain (maybe stored: re-sent)
    review_id TEXT,
    error TEXT,
    PRIMARY KEY (account, fingerprint)
);
"""


def fingerprint(body: dict[str, Any]) -> str:
    """A stable digest of a review's request body."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@attrs.frozen
class WriteRecord:
    """What the server said about one review."""

    status: WriteStatus
    review_id: str | None
    error: str | None


class Journal:
    """The SQLite journal of one export's imports.

    Args:
        path: The database file (created with its folder if missing).
        base_url: The API server; resolutions are kept per server.
        api_key: The key; confirmed writes are kept per server and key (as a digest).
    """

    def __init__(self, path: Path, *, base_url: str, api_key: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: we commit explicitly, after each answer.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a crash of this process (not a power cut): enough here,
        # since losing the last answers only costs a re-send the server deduplicates.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._server = base_url.rstrip("/")
        self._account = hashlib.sha256(f"{self._server}\n{api_key}".encode()).hexdigest()

    def resolution(self, title: str, year: int | None) -> ResolveResult | None:
        """The cached `/resolve` answer for (title, year), or None."""
        row = self._db.execute(
            "SELECT result FROM resolutions WHERE server = ? AND title = ? AND year = ?",
            (self._server, title, -1 if year is None else year),
        ).fetchone()
        return None if row is None else ResolveResult.from_dict(json.loads(row[0]))

    def save_resolution(self, title: str, year: int | None, result: ResolveResult) -> None:
        """Record a `/resolve` answer (committed at once)."""
        self._db.execute(
            "INSERT OR REPLACE INTO resolutions VALUES (?, ?, ?, ?)",
            (self._server, title, -1 if year is None else year, json.dumps(result.to_dict(), ensure_ascii=False)),
        )

    def write(self, key: str) -> WriteRecord | None:
        """The server's verdict on the review with fingerprint `key`, or None when unknown."""
        row = self._db.execute(
            "SELECT status, review_id, error FROM writes WHERE account = ? AND fingerprint = ?", (self._account, key)
        ).fetchone()
        return None if row is None else WriteRecord(row[0], row[1], row[2])

    def save_write(self, key: str, record: WriteRecord) -> None:
        """Record the server's verdict on one review (committed at once)."""
        self._db.execute(
            "INSERT OR REPLACE INTO writes VALUES (?, ?, ?, ?, ?)",
            (self._account, key, record.status, record.review_id, record.error),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
