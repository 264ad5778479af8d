"""Every request the server answered, for assertions such as "no 429s, at most 60 per window"."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ._store import hash_key

__all__ = ["LoggedRequest", "RequestLog"]


@dataclass(frozen=True, slots=True)  # slots: a server answering millions keeps one per request
class LoggedRequest:
    """One answered request.

    Attributes:
        time: Unix time (the server clock's) when the request arrived.
        key_id: sha256 of the presented API key, or None when none was presented.
        account_id: The key's account, or None for an unknown key.
        route: `"METHOD /path"` as in openapi.json (`"GET /me/lists/{list_id}/items"`);
            unknown routes keep their literal path.
        path: The literal request path.
        status: The status sent (for a dropped connection: the status that was lost).
        fault: The injected fault's class name, or None.
    """

    time: float
    key_id: str | None
    account_id: str | None
    route: str
    path: str
    status: int
    fault: str | None = None


class RequestLog:
    """The request log of one server (`FlickServer.request_log`); iterate it or filter it.

    Args:
        max_entries: Keep only the newest this many (`dropped` counts the rest); None keeps
            every one. A server that runs for hours (`python -m flick_async.testing serve`)
            would otherwise hold every request it ever answered.
    """

    def __init__(self, max_entries: int | None = None) -> None:
        if max_entries is not None and (
            isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 0
        ):
            raise ValueError(f"max_entries must be a whole number >= 0 or None, not {max_entries!r}")
        self.max_entries = max_entries
        self._entries: deque[LoggedRequest] = deque(maxlen=max_entries)
        self._dropped = 0
        self._lock = threading.Lock()

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            if len(self._entries) == self.max_entries:
                self._dropped += 1
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry (and the count of dropped ones)."""
        with self._lock:
            self._entries.clear()
            self._dropped = 0

    @property
    def dropped(self) -> int:
        """How many older entries a bounded log let go (always 0 when it keeps every one)."""
        with self._lock:
            return self._dropped

    @property
    def entries(self) -> list[LoggedRequest]:
        """A copy of every entry, oldest first."""
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def for_key(self, api_key: str) -> list[LoggedRequest]:
        """The entries of requests that presented `api_key`."""
        digest = hash_key(api_key)
        return [e for e in self.entries if e.key_id == digest]

    def statuses(self, api_key: str | None = None) -> list[int]:
        """The statuses sent, oldest first (for one key, or all)."""
        entries = self.for_key(api_key) if api_key is not None else self.entries
        return [e.status for e in entries]

    def max_per_window(
        self,
        window_seconds: float,
        *,
        api_key: str | None = None,
        exclude_statuses: Iterable[int] = (429,),
        sliding: bool = False,
    ) -> int:
        """The most requests in any one window (excluding, by default, the 429s).

        Args:
            window_seconds: The window length.
            api_key: Count only this key's requests.
            exclude_statuses: Statuses not counted (429s spend no quota on this server).
            sliding: Any interval of that length, rather than the server's aligned windows.
        """
        skip = set(exclude_statuses)
        entries = self.for_key(api_key) if api_key is not None else self.entries
        times = sorted(e.time for e in entries if e.status not in skip)
        if not sliding:
            counts: dict[int, int] = {}
            for t in times:
                w = math.floor(t / window_seconds)
                counts[w] = counts.get(w, 0) + 1
            return max(counts.values(), default=0)
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window_seconds:
                start += 1
            best = max(best, end - start + 1)
        return best
