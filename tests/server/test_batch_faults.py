"""The faults for batch accounting: results mangled after a stored batch, and a stall after commit."""

from __future__ import annotations

from collections import Counter

import anyio
import httpx
import pytest

from flick_async.testing import DEMO_API_KEY, FlickServer, ScrambledResults, Slow

ROUTE = "POST /me/reviews/batch"
BATCH = {"reviews": [{"tmdb_id": "550", "media_type": "movie", "rating": r} for r in (1, 2, 3, 4, 5, 6)]}


async def _results(http: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await http.post("/me/reviews/batch", json=BATCH)
    assert response.status_code == 200
    results: list[dict[str, object]] = response.json()["results"]
    return results


async def test_reversed_results_keep_their_indices(server: FlickServer, http: httpx.AsyncClient) -> None:
    """order="reverse": the same results, last first, each with its own index; every item is stored."""
    before = len(server.reviews(DEMO_API_KEY))
    server.faults.add(ROUTE, ScrambledResults(order="reverse"))
    results = await _results(http)
    assert [r["index"] for r in results] == [5, 4, 3, 2, 1, 0]
    assert [r["created"] for r in results] == [True] * 6
    assert len(server.reviews(DEMO_API_KEY)) == before + 6


@pytest.mark.parametrize(
    ("fault", "indices"),
    [
        (ScrambledResults(order="keep", drop=2), 4),
        (ScrambledResults(order="keep", duplicate=1), 7),
        (ScrambledResults(order="keep", out_of_range=1), 6),
        (ScrambledResults(order="keep", relabel=1), 6),
    ],
    ids=["drop", "duplicate", "out-of-range", "relabel"],
)
async def test_mangled_results(
    server: FlickServer, http: httpx.AsyncClient, fault: ScrambledResults, indices: int
) -> None:
    """Each kind of damage does exactly what it says to the list of results, and nothing else."""
    server.faults.add(ROUTE, fault)
    results = await _results(http)
    counts: Counter[int] = Counter(r["index"] for r in results)  # type: ignore[misc]
    assert len(results) == indices
    in_range = {i for i in counts if isinstance(i, int) and 0 <= i < 6}
    if fault.drop:
        assert len(in_range) == 4
        assert set(counts.values()) == {1}
    if fault.duplicate:
        [(twice, _)] = [(i, n) for i, n in counts.items() if n == 2]
        first, second = [r for r in results if r["index"] == twice]
        assert (first["created"], first["error"]) == (True, None)
        assert (second["created"], second["error"] is None) == (False, False)  # the contradiction
    if fault.out_of_range:
        assert len(in_range) == 5
        assert max(counts) >= 6
    if fault.relabel:
        assert len(in_range) == 5
        assert sorted(counts.values()) == [1, 1, 1, 1, 2]


async def test_scrambled_results_leave_other_routes_alone(server: FlickServer, http: httpx.AsyncClient) -> None:
    """On a route without `results`, the answer goes out untouched."""
    server.faults.add("GET /me", ScrambledResults(order="reverse", drop=3))
    response = await http.get("/me")
    assert response.status_code == 200
    assert response.json()["username"]


async def test_slow_after_commit_stores_then_stalls(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Slow(after_commit=True): the write is stored at once, and the answer never comes before the deadline."""
    before = len(server.reviews(DEMO_API_KEY))
    server.faults.add(ROUTE, Slow(30, after_commit=True))
    with anyio.move_on_after(0.05) as scope:
        await http.post("/me/reviews/batch", json=BATCH)
    assert scope.cancelled_caught
    assert len(server.reviews(DEMO_API_KEY)) == before + 6


async def test_slow_before_commit_stores_nothing_in_time(server: FlickServer, http: httpx.AsyncClient) -> None:
    """Slow() as before: a client that gives up first leaves nothing stored."""
    before = len(server.reviews(DEMO_API_KEY))
    server.faults.add(ROUTE, Slow(30))
    with anyio.move_on_after(0.05) as scope:
        await http.post("/me/reviews/batch", json=BATCH)
    assert scope.cancelled_caught
    assert len(server.reviews(DEMO_API_KEY)) == before
