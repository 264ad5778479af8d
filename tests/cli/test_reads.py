"""`flick me`, `reviews list`, `watchlist`, `lists`, `lists items`, `resolve`, and failures, against a live server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flick_async import CustomList, Profile, Review, WatchlistItem
from flick_async.cli._main import cli

from .conftest import Live, one_line_error


@pytest.fixture
def stocked(live: Live) -> Live:
    """The live account with two reviews, two watchlist items and a ranked list."""
    s, a = live.server, live.account
    s.add_review(a, tmdb_id="348", rating=9, review="Still scary.", watched_date="2024-05-01", tags=["rewatch"])
    s.add_review(a, tmdb_id="679", rating=8, watched_date="2024-05-02", created_at=s.clock.time() + 1)
    s.add_to_watchlist(a, tmdb_id="348")
    s.add_to_watchlist(a, tmdb_id="679", added_at=s.clock.time() + 1)
    live.list_id = s.add_list(a, "Best sequels", [("679", "movie", "Better than the first")], ranked=True)  # type: ignore[attr-defined]
    return live


def _jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_me_json_is_the_profile(stocked: Live) -> None:
    """`flick me --json` prints exactly the profile the server holds, as one object."""
    result = stocked.flick("me", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == Profile.from_dict(stocked.server.profile(stocked.account)).to_dict()


def test_me_table_names_the_account(stocked: Live) -> None:
    """`flick me` shows the username and counts in a table."""
    result = stocked.flick("me")
    assert result.exit_code == 0
    assert stocked.account.username in result.stdout
    assert "Reviews" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected", "model"),
    [
        (("reviews", "list", "--json"), "reviews", Review),
        (("watchlist", "--json"), "watchlist", WatchlistItem),
        (("lists", "--json"), "lists", CustomList),
    ],
    ids=["reviews", "watchlist", "lists"],
)
def test_json_streams_every_record_as_the_server_has_it(
    stocked: Live, args: tuple[str, ...], expected: str, model: Any
) -> None:
    """`--json` prints one JSON object per record, equal to the server's records, newest first."""
    result = stocked.flick(*args)
    assert result.exit_code == 0
    records = getattr(stocked.server, expected)(stocked.account)
    assert len(records) == 2 if expected != "lists" else 1
    # Through the model: the SDK writes timestamps as +00:00 where the server wrote Z.
    assert _jsonl(result.stdout) == [model.from_dict(r).to_dict() for r in records]


def test_list_items_json(stocked: Live) -> None:
    """`flick lists items ID --json` prints that list's items."""
    result = stocked.flick("lists", "items", stocked.list_id, "--json")  # type: ignore[attr-defined]
    assert result.exit_code == 0
    [item] = _jsonl(result.stdout)
    assert item["rank"] == 1
    assert item["note"] == "Better than the first"
    assert item["media"]["tmdb_id"] == "679"  # type: ignore[index]


def test_json_pages_through_more_than_one_page(live: Live) -> None:
    """Every review comes out with --json, across pages of 100, and --max stops early."""
    for day in range(1, 29):
        for month in range(1, 6):
            live.server.add_review(live.account, tmdb_id="348", watched_date=f"2023-{month:02d}-{day:02d}")
    result = live.flick("reviews", "list", "--json")
    assert len(_jsonl(result.stdout)) == 140
    assert live.routes().count("GET /me/reviews") == 2
    assert len(_jsonl(live.flick("reviews", "list", "--json", "--max", "7").stdout)) == 7


def test_table_shows_newest_first_and_a_total(stocked: Live) -> None:
    """The reviews table lists titles newest first, with a caption counting them."""
    result = stocked.flick("reviews", "list")
    assert result.exit_code == 0
    assert result.stdout.index("Aliens (1986)") < result.stdout.index("Alien (1979)")
    assert "2 of 2" in result.stdout


def test_unknown_list_is_a_one_line_error(live: Live) -> None:
    """A list that is not the account's fails with one line and exit code 1."""
    result = live.flick("lists", "items", "lst_nope")
    assert result.exit_code == 1
    assert "not_found" in one_line_error(result)


def test_resolve_json_has_candidates_with_score_and_confidence(live: Live) -> None:
    """`flick resolve --json` prints the server's answer: the match and ranked candidates."""
    result = live.flick("resolve", "Paris Texas", "--year", "1984", "--json")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["match"]["title"] == "Paris, Texas"
    assert answer["match"]["confidence"] == "high"
    assert all({"score", "confidence", "tmdb_id", "media_type"} <= c.keys() for c in answer["candidates"])


def test_resolve_table_marks_the_match(live: Live) -> None:
    """The resolve table lists candidates with their confidence and marks the match."""
    result = live.flick("resolve", "alien", "--type", "movie")
    assert result.exit_code == 0
    assert "→ │ Alien " in result.stdout
    assert "medium" in result.stdout


def test_bad_key_exits_3_without_printing_it(live: Live) -> None:
    """An unknown key fails with exit code 3, one line, and the key nowhere in the output."""
    key = "flick_sk_unknown_0123456789"
    result = live.flick("--api-key", key, "me")
    assert result.exit_code == 3
    assert "invalid_api_key" in one_line_error(result)
    assert key not in result.output


def test_key_on_the_command_beats_the_environment(live: Live) -> None:
    """`flick me --api-key K` uses K even with FLICK_API_KEY set to another key."""
    result = live.flick("me", "--api-key", "flick_sk_unknown_0123456789")
    assert result.exit_code == 3
    assert live.flick("me", env={"FLICK_API_KEY": "flick_sk_unknown_0123456789"}).exit_code == 3


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "no API key: pass --api-key or set FLICK_API_KEY"), ("sk_wrong", "the API key must look like flick_sk_…")],
    ids=["missing", "malformed"],
)
def test_missing_or_malformed_key_exits_3_before_any_request(live: Live, key: str, message: str) -> None:
    """No key or a malformed one fails at once (exit 3), sending nothing."""
    result = live.flick("me", env={"FLICK_API_KEY": key})
    assert result.exit_code == 3
    assert one_line_error(result) == f"Error: {message}"
    assert len(live.server.request_log) == 0


def test_plain_http_to_a_remote_host_is_a_usage_error(live: Live) -> None:
    """A non-loopback http:// base URL is refused (exit 2): the key would travel in clear."""
    result = live.flick("me", "--base-url", "http://flick.example.com/api/beta")
    assert result.exit_code == 2
    assert "--base-url plain http" in one_line_error(result)


def test_usage_error_exits_2(live: Live) -> None:
    """A bad option value is click's usage error, exit code 2."""
    assert live.flick("resolve", "Alien", "--type", "podcast").exit_code == 2


def test_help_documents_the_exit_codes() -> None:
    """`flick --help` lists every exit code."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for line in ("0    success", "3    authentication", "4    rate limit", "5    partial import", "6    bad input"):
        assert line in result.stdout
