"""Serving over real sockets: the background-thread helper and `python -m flick_async.testing serve`."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, FlickServer, serve_in_thread

from .conftest import CATALOG_CSV, EPISODES_CSV


def test_serve_in_thread_yields_a_working_base_url(server: FlickServer) -> None:
    """The helper binds a free loopback port, serves the app there and stops on exit."""
    with serve_in_thread(server) as base_url:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/beta", base_url)
        response = httpx.get(f"{base_url}/me", headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
    assert response.status_code == 200
    assert response.json()["username"] == "demo"
    assert response.headers.get_list("date") == ["Fri, 12 Jun 2026 12:00:00 GMT"]  # one Date, from the server clock
    assert "server" not in response.headers
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/me")


def test_serve_in_thread_defaults_to_a_fresh_server() -> None:
    """Without a server it serves a new default one (demo account, built-in catalog)."""
    with serve_in_thread() as base_url:
        response = httpx.get(f"{base_url}/me", headers={"X-API-Key": DEMO_API_KEY})
    assert response.json()["pro"] is True


class Served:
    """A `serve` subprocess and what it printed."""

    def __init__(self, process: subprocess.Popen[str], lines: list[str]) -> None:
        self.process = process
        self.lines = lines
        match = re.search(r"http://(127\.0\.0\.1:\d+)/api/beta", lines[0])
        assert match is not None, lines
        self.base_url = f"http://{match.group(1)}/api/beta"


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start `python -m flick_async.testing serve --port 0 ARGS...`; stops it afterwards."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "flick_async.testing", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2 if "--no-demo" in args else 3)]
        served = Served(process, [line for line in lines if line])
        while True:  # ready when it answers
            try:
                httpx.get(f"{served.base_url}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.02)
        return served

    yield start
    for process in processes:
        process.terminate()
        process.communicate(timeout=10)


def test_cli_starts_quickly_prints_port_and_demo_key(serve: Callable[..., Served]) -> None:
    """`serve --port 0` prints the chosen URL and the demo key, and answers /me."""
    served = serve()
    assert served.lines[0].startswith("Flick local server on http://127.0.0.1:")
    assert any(line.strip() == f"Demo API key: {DEMO_API_KEY}" for line in served.lines)
    response = httpx.get(f"{served.base_url}/me", headers={"Authorization": f"Bearer {DEMO_API_KEY}"})
    assert (response.status_code, response.json()["username"]) == (200, "demo")


def test_cli_options(serve: Callable[..., Served], tmp_path: Path) -> None:
    """--catalog/--episodes, --accounts, --api-key and the limits all take effect."""
    (tmp_path / "catalog.csv").write_text(CATALOG_CSV, encoding="utf-8")
    (tmp_path / "episodes.csv").write_text(EPISODES_CSV, encoding="utf-8")
    accounts = {
        "accounts": [
            {"username": "alice", "keys": ["flick_sk_alice_0123456789"]},
            {"username": "bob", "pro": False, "keys": ["flick_sk_bob_0123456789"]},
            {"username": "carol", "revoked_keys": ["flick_sk_carol_old_0123456789"]},
        ]
    }
    (tmp_path / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    served = serve(
        "--catalog", str(tmp_path / "catalog.csv"),
        "--episodes", str(tmp_path / "episodes.csv"),
        "--accounts", str(tmp_path / "accounts.json"),
        "--api-key", "flick_sk_my_ci_secret_0001",
        "--rate-limit", "2",
        "--window-seconds", "3600",
        "--daily-limit", "100",
        "--revocation-delay", "0",
    )  # fmt: skip
    assert "Catalog: 18 titles" in served.lines[1]

    def get(path: str, key: str) -> httpx.Response:
        return httpx.get(f"{served.base_url}{path}", headers={"X-API-Key": key})

    assert get("/me", "flick_sk_alice_0123456789").json()["username"] == "alice"
    assert get("/me", "flick_sk_bob_0123456789").status_code == 403
    assert get("/me", "flick_sk_carol_old_0123456789").json()["error"]["code"] == "api_key_revoked"
    mine = get("/me", "flick_sk_my_ci_secret_0001")
    assert (mine.json()["username"], mine.headers["x-ratelimit-limit-day"]) == ("demo", "100")
    assert get("/resolve?title=spirited+away", "flick_sk_my_ci_secret_0001").json()["match"]["tmdb_id"] == "129"
    assert get("/me", "flick_sk_my_ci_secret_0001").status_code == 429


def test_cli_server_keeps_no_request_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody can read a `serve` process's log, and kept it would grow with every request for hours."""
    import flick_async.testing.__main__ as cli

    made: list[FlickServer] = []

    class Recorded(FlickServer):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            made.append(self)

    class Ran:
        def run(self, sockets: list[socket.socket]) -> None:
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(cli, "FlickServer", Recorded)
    monkeypatch.setattr(cli, "uvicorn_server", lambda app, log_level: Ran())
    assert cli.main(["serve", "--port", "0", "--no-demo"]) == 0
    (server,) = made
    assert server.request_log.max_entries == 0


def test_cli_reports_bad_files(tmp_path: Path) -> None:
    """A malformed catalog stops start-up with a message naming the line, exit status 2."""
    (tmp_path / "catalog.csv").write_text("tmdb_id,media_type,title,year\n1,film,X,2000\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flick_async.testing", "serve", "--catalog", str(tmp_path / "catalog.csv")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "catalog.csv:2: media_type must be movie or tv, not 'film'" in result.stderr
