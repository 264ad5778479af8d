"""The programmatic API tests drive the server by: accounts from fixtures, direct writes, reads."""

from __future__ import annotations

import pytest

from flick_async.testing import DEMO_API_KEY, Account, FlickServer


def test_load_accounts_fixture(server: FlickServer) -> None:
    """An accounts fixture creates each account with its keys; revoked keys fail at once."""
    created = server.load_accounts(
        {
            "accounts": [
                {"username": "alice", "display_name": "Alice A.", "keys": ["flick_sk_alice_0123456789"]},
                {"username": "bob", "pro": False, "revoked_keys": ["flick_sk_bob_0123456789"]},
            ]
        }
    )
    alice, bob = created
    assert alice == Account(alice.id, "alice", "flick_sk_alice_0123456789")
    assert bob.api_key is None
    assert server.profile("flick_sk_alice_0123456789")["display_name"] == "Alice A."
    assert server.profile(bob.id)["pro"] is False
    auth = server.store.authenticate("flick_sk_bob_0123456789", now=server.clock.time())
    assert auth.error == "api_key_revoked"
    assert server.load_accounts([{"username": "carol"}])[0].username == "carol"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"users": []}, "accounts fixture is"),
        ([{"keys": []}], r"accounts\[0\] needs a username"),
        ([{"username": "x", "keys": [1]}], r"accounts\[0\]: keys and revoked_keys are lists of strings"),
        ([{"username": "demo"}], "username 'demo' is taken"),
    ],
)
def test_load_accounts_rejects_bad_fixtures(server: FlickServer, data: object, message: str) -> None:
    """A malformed fixture raises ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        server.load_accounts(data)


def test_direct_writes_need_known_titles(server: FlickServer) -> None:
    """add_review, add_to_watchlist and add_list refuse titles the catalog lacks."""
    with pytest.raises(KeyError, match="No movie found on TMDB for tmdb_id 404"):
        server.add_review(DEMO_API_KEY, tmdb_id="404")
    with pytest.raises(KeyError, match="has no season 9"):
        server.add_to_watchlist(DEMO_API_KEY, tmdb_id="1396", media_type="tv_season", season_number=9)
    with pytest.raises(KeyError, match="No TV show found"):
        server.add_list(DEMO_API_KEY, "Bad", [("404", "tv")])


def test_direct_review_is_returned_and_readable(server: FlickServer) -> None:
    """add_review returns the review as the API shows it; reads return copies."""
    account = server.add_account("alice")
    review = server.add_review(account, tmdb_id="1399", media_type="tv", rating=7, source="import", tags=["got"])
    assert (review["media"]["title"], review["source"], review["tags"]) == ("Game of Thrones", "import", ["got"])
    server.reviews(account)[0]["rating"] = 0
    assert server.reviews(account) == [review]


def test_accounts_are_found_by_handle_id_or_key(server: FlickServer) -> None:
    """Account arguments accept the Account, its id or one of its keys; unknown ones raise KeyError."""
    account = server.add_account("alice")
    assert account.api_key is not None
    assert server.profile(account) == server.profile(account.id) == server.profile(account.api_key)
    with pytest.raises(KeyError):
        server.profile("usr_nobody")
    with pytest.raises(KeyError):
        server.profile("flick_sk_nobody_00000000")
