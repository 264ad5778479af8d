"""Authentication: both header styles, every auth error, revocation delay, Pro, the api_disabled switch."""

from __future__ import annotations

import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, FakeClock, FlickServer
from flick_async.testing._store import hash_key

from .conftest import client_for

ROUTES = [
    ("GET", "/me"),
    ("GET", "/resolve?title=Up"),
    ("GET", "/me/reviews"),
    ("POST", "/me/reviews"),
    ("POST", "/me/reviews/batch"),
    ("GET", "/me/watchlist"),
    ("GET", "/me/lists"),
    ("GET", "/me/lists/lst_1/items"),
]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {DEMO_API_KEY}"},
        {"X-API-Key": DEMO_API_KEY},
        {"authorization": f"bearer {DEMO_API_KEY}"},
    ],
    ids=["bearer", "x-api-key", "lowercase-bearer"],
)
async def test_key_is_accepted_in_either_header(server: FlickServer, headers: dict[str, str]) -> None:
    """The key works as a bearer token or as X-API-Key."""
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
        response = await http.get("/me", headers=headers)
    assert response.status_code == 200
    assert response.json()["username"] == "demo"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing API key: send Authorization: Bearer flick_sk_…."),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Malformed API key."),
        ({"Authorization": "Bearer"}, "Malformed API key."),
        ({"X-API-Key": "sk_live_0123456789"}, "Malformed API key."),
        ({"X-API-Key": "flick_sk_short"}, "Malformed API key."),
        ({"X-API-Key": "flick_sk_0123456789abcdef0123"}, "Unknown API key."),
    ],
    ids=["missing", "basic-auth", "empty-bearer", "foreign-prefix", "too-short", "unknown"],
)
async def test_missing_malformed_or_unknown_key_is_invalid_api_key(
    server: FlickServer, headers: dict[str, str], message: str
) -> None:
    """Missing, malformed and unknown keys all get 401 invalid_api_key in the envelope."""
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url) as http:
        response = await http.get("/me", headers=headers)
    assert (response.status_code, response.json()) == (401, {"error": {"code": "invalid_api_key", "message": message}})


async def test_revocation_takes_effect_after_the_delay(server: FlickServer, clock: FakeClock) -> None:
    """A revoked key keeps working for the revocation delay (30 s by default), then gets api_key_revoked."""
    account = server.add_account("alice")
    assert account.api_key is not None
    server.revoke_key(account.api_key)
    async with client_for(server, account.api_key) as http:
        clock.advance(29.9)
        assert (await http.get("/me")).status_code == 200
        clock.advance(0.1)
        response = await http.get("/me")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "api_key_revoked")


async def test_revocation_delay_is_configurable(catalog: object, clock: FakeClock) -> None:
    """`revocation_delay=0` revokes at once; `revoke_key(delay=)` overrides per call."""
    server = FlickServer(catalog=catalog, clock=clock, revocation_delay=0)  # type: ignore[arg-type]
    first, second = server.add_account("a").api_key, server.add_account("b").api_key
    assert first is not None
    assert second is not None
    server.revoke_key(first)
    server.revoke_key(second, delay=5)
    async with client_for(server, first) as a, client_for(server, second) as b:
        assert (await a.get("/me")).json()["error"]["code"] == "api_key_revoked"
        assert (await b.get("/me")).status_code == 200
        clock.advance(5)
        assert (await b.get("/me")).json()["error"]["code"] == "api_key_revoked"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_account_without_pro_gets_pro_required_everywhere(server: FlickServer, method: str, path: str) -> None:
    """An account without Pro gets 403 pro_required on every operation."""
    key = server.add_account("free", pro=False).api_key
    async with client_for(server, key) as http:
        response = await http.request(method, path, json={})
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "pro_required", "message": "API access requires a Flick Pro subscription."}
    }


async def test_losing_and_regaining_pro(server: FlickServer, http: httpx.AsyncClient) -> None:
    """set_pro(False) locks the account out at once; set_pro(True) lets it back in."""
    server.set_pro(DEMO_API_KEY, False)
    assert (await http.get("/me")).status_code == 403
    server.set_pro(DEMO_API_KEY, True)
    assert (await http.get("/me")).json()["pro"] is True


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_api_disabled_switch_answers_every_request(
    server: FlickServer, http: httpx.AsyncClient, method: str, path: str
) -> None:
    """With the switch on, every operation answers 503 api_disabled, whatever the key."""
    server.api_disabled = True
    response = await http.request(method, path, json={})
    assert response.status_code == 503
    assert response.json() == {"error": {"code": "api_disabled", "message": "The API is temporarily disabled."}}
    server.api_disabled = False
    assert (await http.get("/me")).status_code == 200


def test_keys_are_stored_only_as_sha256(server: FlickServer) -> None:
    """The key store holds digests, never a key itself."""
    key = server.add_account("alice").api_key
    assert key is not None
    stored = set(server.store._keys)
    assert {hash_key(DEMO_API_KEY), hash_key(key)} <= stored
    assert DEMO_API_KEY not in stored
    assert key not in stored
    assert all(len(digest) == 64 for digest in stored)


async def test_each_key_sees_only_its_own_account(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Another account's key reads that account's (empty) data, and not the demo's lists."""
    demo_lists = (await http.get("/me/lists")).json()["data"]
    alice = server.add_account("alice", display_name="Alice")
    async with client_for(server, alice.api_key) as other:
        me = (await other.get("/me")).json()
        assert (me["id"], me["username"], me["display_name"]) == (alice.id, "alice", "Alice")
        assert me["stats"] == {"reviews": 0, "watchlist": 0, "lists": 0}
        assert (await other.get("/me/reviews")).json()["total"] == 0
        response = await other.get(f"/me/lists/{demo_lists[0]['id']}/items")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_account_holds_at_most_five_active_keys(server: FlickServer) -> None:
    """A sixth active key is refused; revoking one makes room once revocation takes effect."""
    account = server.add_account("alice")
    keys = [server.add_key(account) for _ in range(4)]
    with pytest.raises(ValueError, match="at most 5 active keys"):
        server.add_key(account)
    server.revoke_key(keys[0], delay=0)
    assert server.add_key(account, "flick_sk_alice_replacement").startswith("flick_sk_alice")


def test_add_key_rejects_malformed_and_duplicate_keys(server: FlickServer) -> None:
    """Keys must look like flick_sk_… and be unique."""
    account = server.add_account("alice")
    with pytest.raises(ValueError, match="flick_sk_"):
        server.add_key(account, "not-a-key")
    with pytest.raises(ValueError, match="already registered"):
        server.add_key(account, DEMO_API_KEY)
