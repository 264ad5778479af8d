"""The local Flick server on a loopback port, and a way to run `flick` against it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flick_async.cli._main import cli
from flick_async.testing import Account, FlickServer, serve_in_thread

EXPORT = Path(__file__).parents[1] / "fixtures" / "letterboxd" / "patrickmjones"


@dataclass
class Live:
    """A served `FlickServer`, a fresh account on it, and `flick` pointed at both."""

    server: FlickServer
    base_url: str
    account: Account

    @property
    def api_key(self) -> str:
        assert self.account.api_key is not None
        return self.account.api_key

    def env(self) -> dict[str, str]:
        return {"FLICK_API_KEY": self.api_key, "FLICK_BASE_URL": self.base_url, "FLICK_DEBUG": ""}

    def flick(self, *args: str | Path, env: dict[str, str] | None = None) -> Result:
        """Run `flick ARGS` in process, with this server's credentials in the environment."""
        return CliRunner().invoke(
            cli, [str(a) for a in args], env={**self.env(), **(env or {})}, catch_exceptions=False
        )

    def routes(self) -> list[str]:
        """The routes of the requests this account's key spent (a 429 spends nothing), oldest first."""
        return [entry.route for entry in self.server.request_log.for_key(self.api_key) if entry.status != 429]

    def refused(self) -> int:
        """How many of this key's requests were answered 429 (each is retried: a retry, not a new request)."""
        return sum(entry.status == 429 for entry in self.server.request_log.for_key(self.api_key))


def serve(server: FlickServer) -> Iterator[Live]:
    """Serve `server` with a fresh account whose random key no other test shares.

    A fresh key matters: the SDK shares one rate limiter per (key, base URL) in a process, and a
    port can be reused by a later test's server.
    """
    account = server.add_account()
    with serve_in_thread(server) as base_url:
        yield Live(server, base_url, account)


@pytest.fixture
def live() -> Iterator[Live]:
    """A server with the API's 60 requests per window, in 1-second windows, and no daily cap to speak of.

    The SDK throttles itself to the API's 60 per window whatever the server allows, so a short
    window (real time: this server runs on a socket) is what keeps an import test quick.
    """
    yield from serve(FlickServer(rate_limit=60, window_seconds=1.0, daily_limit=100_000))


def one_line_error(result: Result) -> str:
    """The stderr of a failed run, checked to be one `Error:` line and no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


def rows(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]
