"""The rough edges a new user hit: damaged ZIPs, repeated messages, http, a base URL without /api/beta, …"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpx import HTTPXMock

from flick_async import DailyQuotaExceededError
from flick_async._events import ThrottleWait
from flick_async.cli._common import run
from flick_async.cli._exit import ExitCode, Failure
from flick_async.cli._import import _Bars, default_state_dir
from flick_async.cli._main import cli
from flick_async.testing import DEMO_API_KEY

from .conftest import Live, one_line_error

DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
ROW = "2024-01-03,Alien,1979,https://boxd.it/a1,4,,,2024-01-02\n"


def test_a_zip_with_a_bad_crc_is_exit_6_naming_the_file_and_the_entry(live: Live, tmp_path: Path) -> None:
    """A damaged entry (bad CRC) is one line and exit 6, naming the ZIP and the entry; no traceback, no request."""
    archive = tmp_path / "letterboxd.zip"
    with zipfile.ZipFile(archive, "w") as z:  # stored: the data can be damaged byte by byte
        z.writestr("diary.csv", DIARY + ROW * 10)
    data = bytearray(archive.read_bytes())
    data[data.index(b"Alien")] ^= 0x01
    archive.write_bytes(bytes(data))
    result = live.flick("import", "letterboxd", archive, "--state-dir", tmp_path / "state")
    assert result.exit_code == ExitCode.BAD_INPUT
    line = one_line_error(result)
    assert f"{str(archive)!r} is a damaged ZIP: its entry 'diary.csv' cannot be read (Bad CRC-32" in line
    assert live.routes() == []


def test_a_truncated_zip_says_a_damaged_zip(live: Live, tmp_path: Path) -> None:
    """A ZIP cut short is 'a damaged ZIP', exit 6 (it used to say 'neither a folder nor a ZIP file')."""
    archive = tmp_path / "letterboxd.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("diary.csv", DIARY + ROW * 50)
    archive.write_bytes(archive.read_bytes()[:-40])
    result = live.flick("import", "letterboxd", archive, "--state-dir", tmp_path / "state")
    assert result.exit_code == ExitCode.BAD_INPUT
    line = one_line_error(result)
    assert "is a damaged ZIP" in line
    assert "neither a folder nor a ZIP" not in line


def test_the_same_failure_from_several_tasks_is_said_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The daily quota seen by every resolve task is one message, not three joined by '; '."""
    monkeypatch.delenv("FLICK_DEBUG", raising=False)
    reset = datetime.datetime(2026, 6, 15, tzinfo=datetime.UTC)

    async def main() -> None:
        raise BaseExceptionGroup("tasks", [DailyQuotaExceededError("spent", resets_at=reset) for _ in range(3)])

    with pytest.raises(Failure) as raised:
        run(main)
    assert raised.value.message == "the daily request quota is spent; it resets at 2026-06-15 00:00 UTC"
    assert raised.value.code == ExitCode.RATE_LIMIT


def test_plain_http_names_the_flag_that_allows_it() -> None:
    """http:// to another host is refused naming --allow-insecure-http (not a Python argument the CLI lacks)."""
    result = CliRunner().invoke(
        cli, ["me"], env={"FLICK_BASE_URL": "http://example.com/api/beta", "FLICK_API_KEY": DEMO_API_KEY}
    )
    assert result.exit_code == ExitCode.USAGE
    line = one_line_error(result)
    assert "--allow-insecure-http" in line
    assert "allow_insecure_http=True" not in line


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--allow-insecure-http", "me"], {}),
        (["me", "--allow-insecure-http"], {}),
        (["me"], {"FLICK_ALLOW_INSECURE_HTTP": "1"}),
    ],
)
def test_allow_insecure_http_sends_to_a_plain_http_host(
    httpx_mock: HTTPXMock, args: list[str], env: dict[str, str]
) -> None:
    """With the flag (on the group, the command, or from the environment) the request goes out over http."""
    httpx_mock.add_response(
        url="http://example.com/api/beta/me",
        status_code=401,
        json={"error": {"code": "invalid_api_key", "message": "Unknown API key."}},
    )
    result = CliRunner().invoke(
        cli, args, env={"FLICK_BASE_URL": "http://example.com/api/beta", "FLICK_API_KEY": DEMO_API_KEY, **env}
    )
    assert result.exit_code == ExitCode.AUTH, result.output
    assert [str(r.url) for r in httpx_mock.get_requests()] == ["http://example.com/api/beta/me"]


def test_a_base_url_without_the_api_prefix_says_so(live: Live) -> None:
    """'No such operation: GET /me' from a base URL lacking /api/beta comes with the URL to use instead."""
    root = live.base_url.removesuffix("/api/beta")
    result = live.flick("me", env={"FLICK_BASE_URL": root})
    assert result.exit_code == ExitCode.ERROR
    line = one_line_error(result)
    assert "No such operation" in line
    assert f"the base URL lacks the API's /api/beta prefix: try --base-url {root}/api/beta" in line


def test_a_404_with_the_prefix_has_no_such_hint(live: Live) -> None:
    """A list the user does not own is a plain 404: no hint about the base URL."""
    result = live.flick("lists", "items", "lst_nope")
    assert result.exit_code == ExitCode.ERROR
    assert "prefix" not in one_line_error(result)


def test_flick_server_help_names_flick_server() -> None:
    """`flick server --help` shows `flick server` as its usage, not `python -m flick_async.testing serve`."""
    result = subprocess.run(
        [sys.executable, "-m", "flick_async.cli", "server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: flick server ")
    assert "python -m flick_async.testing" not in result.stdout


def test_flick_server_prints_a_line_to_paste() -> None:
    """`flick server` prints `export FLICK_BASE_URL=… FLICK_API_KEY=…`, and the URL it names answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flick_async.cli", "server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        [export] = [line.strip() for line in lines if line.startswith("export ")]
        assert export.startswith("export FLICK_BASE_URL=http://127.0.0.1:")
        assert export.endswith(f"/api/beta FLICK_API_KEY={DEMO_API_KEY}")
        base_url = export.split()[1].removeprefix("FLICK_BASE_URL=")
        result = CliRunner().invoke(cli, ["me"], env={"FLICK_BASE_URL": base_url, "FLICK_API_KEY": DEMO_API_KEY})
        assert result.exit_code == 0, result.output
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_the_default_state_folder_is_the_user_state_dir_keyed_by_export(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --state-dir: the journal goes to the user state directory (printed), nothing beside the export."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-home"))
    exports = tmp_path / "repo" / "fixtures"
    for name in ("one", "two"):
        (exports / name).mkdir(parents=True)
        (exports / name / "diary.csv").write_text(DIARY + ROW, encoding="utf-8")
    result = live.flick("import", "letterboxd", exports / "one", env={"XDG_STATE_HOME": str(tmp_path / "state-home")})
    assert result.exit_code == 0, result.output
    state = default_state_dir(exports / "one")
    assert state.is_relative_to(tmp_path / "state-home" / "flick" / "imports")
    assert (state / "journal.sqlite3").is_file()
    assert f"State folder (journal, unmatched.csv): {state}" in result.stderr
    assert sorted(p.name for p in exports.iterdir()) == ["one", "two"]  # nothing left beside the exports
    assert sorted(p.name for p in (exports / "one").iterdir()) == ["diary.csv"]
    # Another export has its own; the same export, by another spelling of its path, the same one.
    assert default_state_dir(exports / "two") != state
    assert default_state_dir(exports / "two" / ".." / "one") == state
    # A re-run finds the journal: nothing is sent again.
    live.server.request_log.clear()
    again = live.flick("import", "letterboxd", exports / "one", env={"XDG_STATE_HOME": str(tmp_path / "state-home")})
    assert again.exit_code == 0, again.output
    assert live.routes() == []


def test_reviews_list_takes_limit_as_max(live: Live, tmp_path: Path) -> None:
    """`flick reviews list --limit 2` is `--max 2` (it used to say 'No such option')."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "diary.csv").write_text(
        DIARY + ROW + "2024-01-04,Aliens,1986,https://boxd.it/a2,3,,,2024-01-04\n"
        "2024-01-05,Dune,2021,https://boxd.it/a3,3,,,2024-01-05\n",
        encoding="utf-8",
    )
    assert live.flick("import", "letterboxd", export, "--state-dir", tmp_path / "state").exit_code == 0
    limited = live.flick("reviews", "list", "--limit", "2", "--json")
    assert limited.exit_code == 0, limited.output
    assert len(limited.stdout.splitlines()) == 2
    assert limited.stdout == live.flick("reviews", "list", "--max", "2", "--json").stdout


@pytest.mark.parametrize(
    ("reason", "window", "label"),
    [
        ("minute", 1.0, "1 s window"),
        ("minute", 60.0, "1 min window"),
        ("minute", None, "the per-window limit"),
        ("day", 1.0, "the daily quota"),
        ("paused", 1.0, "paused by a 429"),
    ],
)
def test_the_wait_label_names_the_window_learned(reason: str, window: float | None, label: str) -> None:
    """A wait says which window it is for, by what was learned (a 1 s window is not '(minute)')."""

    class Eta:
        def __init__(self) -> None:
            self.window = window

        def seconds(self, requests: int) -> float | None:
            return None

        def beyond_today(self, requests: int) -> bool:
            return False

    bars = _Bars()
    bars.eta = Eta()  # type: ignore[assignment]
    bars.resolve_started(10)
    bars.on_event(ThrottleWait(delay=0.8, reason=reason))  # type: ignore[arg-type]
    task = bars.progress.tasks[0]
    assert task.fields["status"] == f"waiting 0.8s for the rate limit ({label})"


def test_the_wait_label_prefers_the_window_the_throttle_reports() -> None:
    """When the throttle's event carries the window it learned, that is the one named (over the ETA's guess)."""
    import attrs

    @attrs.frozen
    class WaitWithWindow(ThrottleWait):
        window: float = 0.0

    class Eta:
        window = 60.0

        def seconds(self, requests: int) -> float | None:
            return None

        def beyond_today(self, requests: int) -> bool:
            return False

    bars = _Bars()
    bars.eta = Eta()  # type: ignore[assignment]
    bars.resolve_started(10)
    bars.on_event(WaitWithWindow(delay=0.5, reason="minute", window=1.0))
    assert bars.progress.tasks[0].fields["status"] == "waiting 0.5s for the rate limit (1 s window)"
