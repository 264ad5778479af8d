"""A complete in-memory Flick API: the local stand-in server for tests, demos and CI.

In the spirit of stripe-mock and moto: a real server (auth, rate limits, validation,
pagination, deduplicated writes, fuzzy resolve), not canned responses. It needs the
`testing` extra (`pip install 'flick-async[testing]'`: starlette, uvicorn, rapidfuzz).

In process, with no sockets::

    from flick_async.testing import DEMO_API_KEY, FlickServer

    server = FlickServer(window_seconds=2)               # 60 requests per 2 s
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
        await http.get("/me", headers={"Authorization": f"Bearer {DEMO_API_KEY}"})

Over a loopback socket (uvicorn in a background thread)::

    with serve_in_thread(server) as base_url:           # "http://127.0.0.1:<port>/api/beta"
        ...

Standalone: `python -m flick_async.testing serve --port 8080` (`--help` lists the options).

The server's handles:

    FlickServer(*, catalog=None, clock=None, rate_limit=60, window_seconds=60.0,
                daily_limit=5000, revocation_delay=30.0, max_body_bytes=8 MiB,
                fault_seed=0, pagination="page", max_page_size=None, demo=True)
    server.transport()                  httpx transport into the app (use this in process)
    server.base_url                     base URL to pair with transport()
    server.app                          the ASGI app
    server.demo_account                 the seeded demo Pro account (key DEMO_API_KEY)
    server.add_account(username=None, *, pro=True, api_key=None, ...) -> Account (.id, .api_key)
    server.load_accounts({"accounts": [...]})   as --accounts FILE (format: FlickServer.load_accounts)
    server.add_key(account) -> key      server.revoke_key(key, *, delay=None)
    server.set_pro(account, pro)        server.api_disabled = True   (every request: 503)
    server.reviews(account) / .watchlist(account) / .lists(account) / .profile(account)
    server.add_review(account, ...) / .add_to_watchlist(account, ...) / .add_list(account, ...)
    server.faults.add("POST /me/reviews/batch", DropAfterCommit(), on=[3, 7])
    server.faults.add("*", InternalError(), probability=0.2)      (seeded by fault_seed)
    server.paging.max_limit = 50        clamp pages (the answer's `limit` says so)
    server.paging.between_pages("GET /me/reviews", DeleteServed())   mutate at page boundaries
    server.faults.add("GET /me/reviews", OddTotal("3"))             odd `total`s
    server.set_limits(limit=600, window_seconds=10, daily_limit=None, account=None)   at runtime, mid-window too
    server.limits(account=None) -> Limits (.limit, .window_seconds, .daily_limit)
    server.limiter.counter_lag = 0.012  the counter 12 ms behind the clock that writes Reset and Date
    server.faults.add("*", JumpedReset(3600), on=[5])   header faults: JumpedReset, ResetInMilliseconds,
                                        SkewedDate, WrongRemaining, MissingRateLimitHeaders;
                                        RateLimitBurst(http_date=True) sends Retry-After as a date
    Several threads and event loops may drive one server at once (counting is under a lock).
    server.request_log                  entries (time, key_id, route, status, fault);
                                        .for_key(key), .statuses(key), .max_per_window(2.0, api_key=key)

`account` arguments take an `Account`, an account id, or one of the account's API keys.
FakeClock(start=...)                a clock tests move (`advance`) or that jumps when all tasks sleep
                                    (`run_autojump`, `run(call)`); `wait_all_tasks_blocked()` is
                                    anyio's, without its 0.1 s real-time polls on asyncio
Rate limits: only accepted requests count; a 429 spends nothing (see `_ratelimit.py`).
Catalog CSV formats: `Catalog` (`_catalog.py`). Fault semantics: `Faults` (`_faults.py`).
pytest fixtures (`flick_server`, `flick_api_key`, `flick_transport`): `pytest_plugin.py`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalog import Catalog, CatalogError, Title
    from ._clock import FakeClock, wait_all_tasks_blocked
    from ._faults import (
        APIDisabled,
        BadGatewayHTML,
        DropAfterCommit,
        Fault,
        Faults,
        HeaderFault,
        InternalError,
        JumpedReset,
        MissingRateLimitHeaders,
        NonStandardStatus,
        OddTotal,
        RateLimitBurst,
        RepeatedCursor,
        ResetInMilliseconds,
        ScrambledResults,
        SkewedDate,
        Slow,
        TruncatedJSON,
        WrongRemaining,
    )
    from ._paging import DeleteServed, InsertFirst, PageBoundary, Paging
    from ._ratelimit import Limits
    from ._requestlog import LoggedRequest, RequestLog
    from ._serve import serve_in_thread
    from ._server import DEMO_API_KEY, FlickServer, FlickTransport
    from ._store import Account

# Names are imported on first use: the pytest plugin lives in this package and is loaded by
# every pytest run where flick-async is installed, with or without the `testing` extra.
_HOMES = {
    "Account": "_store",
    "APIDisabled": "_faults",
    "BadGatewayHTML": "_faults",
    "Catalog": "_catalog",
    "CatalogError": "_catalog",
    "DEMO_API_KEY": "_server",
    "DeleteServed": "_paging",
    "DropAfterCommit": "_faults",
    "FakeClock": "_clock",
    "Fault": "_faults",
    "Faults": "_faults",
    "FlickServer": "_server",
    "FlickTransport": "_server",
    "InsertFirst": "_paging",
    "InternalError": "_faults",
    "Limits": "_ratelimit",
    "WrongRemaining": "_faults",
    "SkewedDate": "_faults",
    "ResetInMilliseconds": "_faults",
    "MissingRateLimitHeaders": "_faults",
    "JumpedReset": "_faults",
    "HeaderFault": "_faults",
    "LoggedRequest": "_requestlog",
    "NonStandardStatus": "_faults",
    "OddTotal": "_faults",
    "PageBoundary": "_paging",
    "Paging": "_paging",
    "RateLimitBurst": "_faults",
    "RepeatedCursor": "_faults",
    "RequestLog": "_requestlog",
    "ScrambledResults": "_faults",
    "Slow": "_faults",
    "Title": "_catalog",
    "TruncatedJSON": "_faults",
    "serve_in_thread": "_serve",
    "wait_all_tasks_blocked": "_clock",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DEMO_API_KEY",
    "APIDisabled",
    "Account",
    "BadGatewayHTML",
    "Catalog",
    "CatalogError",
    "DeleteServed",
    "DropAfterCommit",
    "FakeClock",
    "Fault",
    "Faults",
    "FlickServer",
    "FlickTransport",
    "HeaderFault",
    "InsertFirst",
    "InternalError",
    "JumpedReset",
    "Limits",
    "LoggedRequest",
    "MissingRateLimitHeaders",
    "NonStandardStatus",
    "OddTotal",
    "PageBoundary",
    "Paging",
    "RateLimitBurst",
    "RepeatedCursor",
    "RequestLog",
    "ResetInMilliseconds",
    "ScrambledResults",
    "SkewedDate",
    "Slow",
    "Title",
    "TruncatedJSON",
    "WrongRemaining",
    "serve_in_thread",
    "wait_all_tasks_blocked",
]
