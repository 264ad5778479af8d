"""`list()`'s default `limit` is the schema's: a regenerated `openapi.json` with another default is followed."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

from flick_api import _rules

from flick_async._resources import DEFAULT_PAGE_SIZE, Reviews
from flick_async._sync import SyncReviews, _SyncRawPaged


def test_the_default_is_the_schemas() -> None:
    """Every `list()`, async and sync, defaults to `limit`'s default in openapi.json."""
    assert DEFAULT_PAGE_SIZE == _rules.LIMIT_DEFAULT
    for list_method in (Reviews.list, SyncReviews.list, _SyncRawPaged.list):
        assert inspect.signature(list_method).parameters["limit"].default == _rules.LIMIT_DEFAULT


def test_a_schema_with_another_default_is_followed_on_the_wire() -> None:
    """With `LIMIT_DEFAULT` regenerated as 25 (a fresh interpreter), both clients' `list()` send `limit=25`.

    The old code hard-coded 50 in _resources and in _sync, so it kept sending 50.
    """
    script = textwrap.dedent(
        """
        import httpx
        from flick_api import _rules
        _rules.LIMIT_DEFAULT = 25  # what make regen writes for a schema whose default is 25
        from flick_async import AsyncFlick, Flick
        from flick_async.testing import DEMO_API_KEY, FlickServer
        import anyio

        server = FlickServer()
        base = "http://127.0.0.1/api/beta"
        sent = []

        class Recording(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request):
                sent.append(request.url.params.get("limit"))
                return await server.transport().handle_async_request(request)

        async def main():
            async with AsyncFlick(DEMO_API_KEY, base_url=base, throttle=False,
                                  http_client=httpx.AsyncClient(transport=Recording())) as flick:
                await flick.reviews.list()
                await flick.with_raw_response.watchlist.list()

        anyio.run(main)
        with Flick(DEMO_API_KEY, base_url=base, throttle=False,
                   http_client=httpx.AsyncClient(transport=Recording())) as flick:
            flick.reviews.list()
            flick.with_raw_response.lists.list()
        print(len(sent), sorted(set(sent)))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4 ['25']"
