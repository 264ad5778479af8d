"""`FlickServer`: the local Flick API, its state, and the handles tests drive it by."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette

from flick_async._clock import Clock, SystemClock

from ._app import ConnectionDropped, build_app
from ._catalog import Catalog, MediaRef
from ._faults import Faults
from ._paging import PaginationStyle, Paging
from ._ratelimit import Limits, RateLimiter
from ._requestlog import RequestLog
from ._store import Account, Source, Store

__all__ = ["DEMO_API_KEY", "FlickServer", "FlickTransport"]

DEMO_API_KEY = "flick_sk_demo_0123456789abcdef"
"""The key of the seeded demo Pro account."""


class FlickTransport(httpx.AsyncBaseTransport):
    """`httpx.ASGITransport` over the server's app, with dropped connections made real.

    A `DropAfterCommit` fault surfaces as the `httpx.RemoteProtocolError` httpx raises when a
    real server hangs up, rather than as the app's internal signal.
    """

    def __init__(self, app: Starlette) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


class FlickServer:
    """An in-memory Flick API server.

    Args:
        catalog: The titles it knows; the built-in demo catalog by default.
        clock: Where it reads time and sleeps (`flick_async.testing.FakeClock` in tests).
        rate_limit: Requests per window per key (the API's 60).
        window_seconds: The short window's length (the API's 60; tests use 2).
        daily_limit: Requests per UTC day per key (the API's 5,000).
        revocation_delay: Seconds between `revoke_key` and the key failing (the API's ~30).
        max_body_bytes: Larger request bodies get 400 `invalid_request`.
        fault_seed: Seeds the random generator probabilistic faults draw from.
        pagination: `"page"` (the API today: `page`/`has_more`) or `"cursor"` (`next_cursor`);
            see `flick_async.testing.Paging` for the cursor design and the paging knobs.
        max_page_size: Clamp every page to at most this many items (`server.paging.max_limit`).
        demo: Create the demo Pro account (key `DEMO_API_KEY`) with its seeded history.
        request_log_size: Keep only the newest this many entries in `request_log` (0: none);
            None keeps every request answered.
        counter_lag: Seconds the rate-limit counter runs behind the clock that writes the
            headers (see `flick_async.testing.RateLimiter`; `server.limiter.counter_lag` changes it).

    Example:
        server = FlickServer(window_seconds=2)
        async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as client:
            r = await client.get("/me", headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
    """

    # A loopback host, so AsyncFlick accepts plain http for it without allow_insecure_http.
    base_url = "http://127.0.0.1/api/beta"
    """The base URL to pair with `transport()` (any host works in process)."""

    def __init__(
        self,
        *,
        catalog: Catalog | None = None,
        clock: Clock | None = None,
        rate_limit: int = 60,
        window_seconds: float = 60.0,
        daily_limit: int = 5000,
        revocation_delay: float = 30.0,
        max_body_bytes: int = 8 * 1024 * 1024,
        fault_seed: int = 0,
        pagination: PaginationStyle = "page",
        max_page_size: int | None = None,
        demo: bool = True,
        request_log_size: int | None = None,
        counter_lag: float = 0.0,
    ) -> None:
        self.catalog = catalog if catalog is not None else Catalog.builtin()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.limiter = RateLimiter(
            limit=rate_limit, window_seconds=window_seconds, daily_limit=daily_limit, counter_lag=counter_lag
        )
        self.revocation_delay = revocation_delay
        self.max_body_bytes = max_body_bytes
        self.store = Store(self.catalog)
        self.faults = Faults(seed=fault_seed)
        """Fault rules; see `flick_async.testing.Faults`."""
        self.paging = Paging(style=pagination, max_limit=max_page_size)
        """Pagination style, clamp and mutations between pages; see `flick_async.testing.Paging`."""
        self.request_log = RequestLog(request_log_size)
        """Every request answered (the newest `request_log_size`); see `flick_async.testing.RequestLog`."""
        self.api_disabled = False
        """When true, every API request is answered 503 `api_disabled`."""
        self.demo_account: Account | None = None
        if demo:
            from ._seed import seed_demo

            self.demo_account = seed_demo(self)
        self.app = build_app(self)
        """The ASGI app."""

    def __repr__(self) -> str:
        return f"<FlickServer: {self.catalog!r}, limit {self.limiter.limit}/{self.limiter.window_seconds:g}s>"

    def set_limits(
        self,
        *,
        limit: int | None = None,
        window_seconds: float | None = None,
        daily_limit: int | None = None,
        account: Account | str | None = None,
    ) -> Limits:
        """Change the rate limits now, mid-window too (the API's are "subject to change during beta").

        Args:
            limit: Requests per short window (`X-RateLimit-Limit`); None keeps it.
            window_seconds: The short window's length; None keeps it.
            daily_limit: Requests per UTC day; None keeps it.
            account: Change only this account's keys (an `Account`, id or key); None: every
                account without limits of its own.

        Returns:
            The limits now in force for `account` (or the default).

        Example:
            server.set_limits(limit=600, window_seconds=10)            # everyone, from now on
            server.set_limits(limit=2, account=alice)                   # just alice's keys
        """
        account_id = self._account_id(account) if account is not None else None
        return self.limiter.set_limits(
            limit=limit, window_seconds=window_seconds, daily_limit=daily_limit, account_id=account_id
        )

    def limits(self, account: Account | str | None = None) -> Limits:
        """The rate limits in force for `account`'s keys (the default with None)."""
        return self.limiter.limits(self._account_id(account) if account is not None else None)

    def transport(self) -> FlickTransport:
        """An httpx transport that serves requests in process (no sockets); pair with `base_url`."""
        return FlickTransport(self.app)

    # -- accounts and keys -------------------------------------------------------------------------

    def add_account(
        self,
        username: str | None = None,
        *,
        pro: bool = True,
        display_name: str | None = None,
        avatar_url: str | None = None,
        api_key: str | None = None,
        with_key: bool = True,
    ) -> Account:
        """Create an account (empty: no reviews, watchlist or lists) and, by default, a key for it.

        Args:
            username: Unique; `user<N>` by default.
            pro: Whether it has Flick Pro (without it every request gets 403 `pro_required`).
            display_name: Defaults to the username, titled.
            avatar_url: The profile's `avatar_url`.
            api_key: The key to create (`flick_sk_…`); random by default.
            with_key: False to create no key.

        Returns:
            The account; its `api_key` holds the key created.
        """
        now = self.clock.time()
        data = self.store.add_account(username, pro=pro, display_name=display_name, avatar_url=avatar_url, now=now)
        key = self.store.add_key(data.id, api_key, now=now) if with_key or api_key else None
        return Account(data.id, data.username, key)

    def add_key(self, account: Account | str, key: str | None = None) -> str:
        """Create another key for an account (at most 5 active) and return it."""
        return self.store.add_key(self._account_id(account), key, now=self.clock.time())

    def revoke_key(self, key: str, *, delay: float | None = None) -> None:
        """Revoke a key; requests fail with `api_key_revoked` after `delay` (default `revocation_delay`)."""
        wait = self.revocation_delay if delay is None else delay
        self.store.revoke_key(key, effective_at=self.clock.time() + wait)

    def load_accounts(self, data: object) -> list[Account]:
        """Create accounts from decoded JSON, as `--accounts FILE` does.

        The format: `{"accounts": [...]}` (or just the list), each account an object with
        `username` (required), `display_name`, `avatar_url`, `pro` (default true), `keys` (API
        keys to create) and `revoked_keys` (keys created already revoked)::

            {"accounts": [
              {"username": "alice", "pro": true, "keys": ["flick_sk_alice_0123456789"]},
              {"username": "bob", "pro": false, "keys": ["flick_sk_bob_0123456789"],
               "revoked_keys": ["flick_sk_bob_old_0123456789"]}
            ]}

        New accounts start empty. Returns them, each with its first key.
        """
        return load_accounts(self, data)

    def set_pro(self, account: Account | str, pro: bool) -> None:
        """Give or take away Flick Pro."""
        self.store.set_pro(self._account_id(account), pro)

    # -- reading and writing an account's data --------------------------------------------------

    def reviews(self, account: Account | str) -> list[dict[str, Any]]:
        """The account's reviews as the API returns them, newest first."""
        return copy.deepcopy(self.store.reviews(self._account_id(account)))

    def watchlist(self, account: Account | str) -> list[dict[str, Any]]:
        """The account's watchlist as the API returns it, most recently added first."""
        return copy.deepcopy(self.store.watchlist(self._account_id(account)))

    def lists(self, account: Account | str) -> list[dict[str, Any]]:
        """The account's custom lists as the API returns them."""
        return copy.deepcopy(self.store.lists(self._account_id(account)))

    def profile(self, account: Account | str) -> dict[str, Any]:
        """The account's profile as `GET /me` returns it."""
        return self.store.profile(self._account_id(account))

    def add_review(
        self,
        account: Account | str,
        *,
        tmdb_id: str,
        media_type: str = "movie",
        season_number: int | None = None,
        episode_number: int | None = None,
        rating: float | None = None,
        review: str | None = None,
        watched_date: datetime.date | str | None = None,
        tags: Sequence[str] = (),
        source: Source = "app",
        created_at: float | None = None,
    ) -> dict[str, Any]:
        """Store a review directly (no validation beyond the title existing; identical ones dedupe).

        Returns:
            The review as the API returns it.

        Raises:
            KeyError: The catalog has no such title, season or episode.
        """
        ref = MediaRef(tmdb_id, media_type, season_number, episode_number)  # type: ignore[arg-type]
        media = self._media(ref)
        watched = watched_date.isoformat() if isinstance(watched_date, datetime.date) else watched_date
        review_json, _ = self.store.write_review(
            self._account_id(account),
            ref,
            media,
            rating=rating,
            review=review,
            watched_date=watched,
            tags=tags,
            source=source,
            now=self.clock.time() if created_at is None else created_at,
        )
        return copy.deepcopy(review_json)

    def add_to_watchlist(
        self,
        account: Account | str,
        *,
        tmdb_id: str,
        media_type: str = "movie",
        season_number: int | None = None,
        episode_number: int | None = None,
        added_at: float | None = None,
    ) -> None:
        """Put a title on the account's watchlist."""
        media = self._media(MediaRef(tmdb_id, media_type, season_number, episode_number))  # type: ignore[arg-type]
        now = self.clock.time() if added_at is None else added_at
        self.store.add_to_watchlist(self._account_id(account), media, now=now)

    def add_list(
        self,
        account: Account | str,
        name: str,
        items: Iterable[tuple[str, str] | tuple[str, str, str | None]],
        *,
        ranked: bool = False,
        description: str | None = None,
        created_at: float | None = None,
    ) -> str:
        """Create a custom list and return its id.

        Args:
            account: Whose list.
            name: The list's name.
            items: `(tmdb_id, media_type)` or `(tmdb_id, media_type, note)`, in rank order.
            ranked: Whether items carry a rank.
            description: The list's description.
            created_at: Unix time; now by default.
        """
        entries = []
        for item in items:
            tmdb_id, media_type, *rest = item
            note = rest[0] if rest else None
            entries.append((self._media(MediaRef(tmdb_id, media_type)), note))  # type: ignore[arg-type]
        now = self.clock.time() if created_at is None else created_at
        return self.store.add_list(
            self._account_id(account), name, description=description, ranked=ranked, items=entries, now=now
        )

    def _media(self, ref: MediaRef) -> dict[str, Any]:
        media = self.catalog.media(ref)
        if media is None:
            raise KeyError(self.catalog.not_found_message(ref))
        return media

    def _account_id(self, account: Account | str) -> str:
        if isinstance(account, Account):
            return account.id
        if account.startswith("flick_sk_"):
            return self.store.account_for_key(account).id
        return self.store.account(account).id


def load_accounts(server: FlickServer, data: object) -> list[Account]:
    """Create the accounts of an accounts fixture (format in `FlickServer.load_accounts`)."""
    entries = data.get("accounts") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError('an accounts fixture is {"accounts": [...]} or a list of accounts')
    created = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("username"), str):
            raise ValueError(f"accounts[{i}] needs a username")
        keys = entry.get("keys", [])
        revoked = entry.get("revoked_keys", [])
        if not all(isinstance(k, str) for k in (*keys, *revoked)):
            raise ValueError(f"accounts[{i}]: keys and revoked_keys are lists of strings")
        account = server.add_account(
            entry["username"],
            pro=bool(entry.get("pro", True)),
            display_name=entry.get("display_name"),
            avatar_url=entry.get("avatar_url"),
            with_key=False,
        )
        for key in keys:
            server.add_key(account, key)
        for key in revoked:
            server.add_key(account, key)
            server.revoke_key(key, delay=0)
        created.append(Account(account.id, account.username, keys[0] if keys else None))
    return created
