"""What the #13 benchmarks share: alternating rounds, the target table, canned API answers.

Every figure is a ratio against a baseline measured in the same run, in alternating rounds
(baseline, SDK, SDK, baseline, ...) so that drift — CPU frequency, the other processes on the
machine — hits both sides alike; the medians are compared. The machine's load average is
printed beside every figure: on a loaded machine absolute numbers mean little.
"""

from __future__ import annotations

import argparse
import email.utils
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import anyio
import httpx
from _serve import load_average  # the scripts' own folder

from flick_async.testing import DEMO_API_KEY, Catalog, FlickServer

BASE_URL = "http://127.0.0.1/api/beta"
# MockTransport rows time this process's CPU: with no I/O it is all their work, and it is the
# figure other processes on a loaded machine disturb least (wall time counts their turns too).
cpu_time = time.process_time
CHUNK = 50
MOVIES = [title.tmdb_id for title in Catalog.builtin() if title.media_type == "movie"]


def parser(doc: str) -> argparse.ArgumentParser:
    """An argument parser with the `--quick` flag every #13 benchmark takes."""
    args = argparse.ArgumentParser(description=doc.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="a short run: fewer items and rounds (noisier)")
    return args


@dataclass
class Row:
    """One line of the target table."""

    figure: str
    target: str
    measured: str
    met: bool | None  # None: informational, no target
    load: str

    @property
    def verdict(self) -> str:
        return "info" if self.met is None else "met" if self.met else "MISSED"


class Table:
    """Rows printed as they are measured, then once more together at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[Row] = []

    def add(self, figure: str, target: str, measured: str, met: bool | None) -> Row:
        row = Row(figure, target, measured, met, load_average())
        self.rows.append(row)
        print(f"  {row.verdict:<6} {figure}: {measured}  (target {target}; {row.load})", flush=True)
        return row

    def print(self) -> None:
        width = max(len(row.figure) for row in self.rows)
        measured = max(len(row.measured) for row in self.rows)
        target = max(len(row.target) for row in self.rows)
        print(f"\n{self.title}")
        print(f"  {'figure':<{width}}  {'target':<{target}}  {'measured':<{measured}}  verdict  load average")
        for row in self.rows:
            cells = f"{row.figure:<{width}}  {row.target:<{target}}  {row.measured:<{measured}}"
            print(f"  {cells}  {row.verdict:<7}  {row.load}")


class Alternated(NamedTuple):
    """What `alternate` measured: the median seconds of each side, and the ratio to report.

    `ratio` is the median over rounds of baseline/sdk within the round, not the ratio of the two
    medians: the two runs of a round are next to each other in time, so a machine that speeds up
    or slows down between rounds (other tenants, frequency changes) moves both alike. The ratio of
    medians let one slow stretch on one side decide a row (the same `me()` measured 0.82x and 1.03x
    a minute apart on this machine).
    """

    baseline: float
    sdk: float
    ratio: float


def _alternated(times: dict[str, list[float]]) -> Alternated:
    ratios = [b / s for b, s in zip(times["baseline"], times["sdk"], strict=True)]
    return Alternated(statistics.median(times["baseline"]), statistics.median(times["sdk"]), statistics.median(ratios))


def alternate(rounds: int, baseline: Callable[[], float], sdk: Callable[[], float]) -> Alternated:
    """Seconds of baseline and sdk over `rounds` rounds, in ABBA order (see `Alternated`).

    A collection before each timed run, so that one side's garbage is not collected on the
    other side's clock.
    """
    times: dict[str, list[float]] = {"baseline": [], "sdk": []}
    for round_ in range(rounds):
        order = (("baseline", baseline), ("sdk", sdk))
        for name, run in order if round_ % 2 == 0 else reversed(order):
            gc.collect()
            times[name].append(run())
    return _alternated(times)


async def alternate_async(
    rounds: int, baseline: Callable[[], Awaitable[float]], sdk: Callable[[], Awaitable[float]]
) -> Alternated:
    """`alternate` for runs that must share one event loop (and its client)."""
    times: dict[str, list[float]] = {"baseline": [], "sdk": []}
    for round_ in range(rounds):
        order = (("baseline", baseline), ("sdk", sdk))
        for name, run in order if round_ % 2 == 0 else reversed(order):
            gc.collect()
            times[name].append(await run())
    return _alternated(times)


def review_rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    """`n` distinct, valid review inputs, as a user would hand them in."""
    return [
        {
            "tmdb_id": MOVIES[i % len(MOVIES)],
            "media_type": "movie",
            "rating": (i % 21) / 2,
            "review": f"bench review {i}",
            "watched_date": "2026-05-01",
            "tags": ["bench"],
        }
        for i in range(start, start + n)
    ]


@dataclass(frozen=True)
class Canned:
    """A real answer of the local server, replayed as-is by `instant_transport`."""

    body: bytes
    headers: list[tuple[str, str]]


def capture_answers() -> dict[str, Canned]:
    """Real answers of the local server (limits lifted), to replay without a server.

    `me`: `GET /me`; `page`: `GET /me/reviews?limit=50` (a full page); `batch`: the answer to
    a 50-item `POST /me/reviews/batch` that created every item. Headers included (the
    `X-RateLimit-*` set, `Date`), so the SDK does its whole per-response work.
    """

    async def capture() -> dict[str, Canned]:
        server = FlickServer(rate_limit=10**9, daily_limit=10**9)
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
        async with httpx.AsyncClient(transport=server.transport(), base_url=server.base_url, headers=headers) as http:
            answers: dict[str, httpx.Response] = {}
            answers["batch"] = await http.post("/me/reviews/batch", json={"reviews": review_rows(CHUNK)})
            answers["me"] = await http.get("/me")
            answers["page"] = await http.get("/me/reviews", params={"limit": CHUNK})
        for name, response in answers.items():
            response.raise_for_status()
            assert name != "page" or len(response.json()["data"]) == CHUNK
            assert name != "batch" or response.json()["created_count"] == CHUNK
        return {
            name: Canned(response.content, [(k, v) for k, v in response.headers.items() if k != "content-length"])
            for name, response in answers.items()
        }

    return anyio.run(capture)


def instant_transport(answers: dict[str, Canned]) -> httpx.MockTransport:
    """A transport that answers at once with the canned answer for the route.

    The same for the baseline and the SDK: its cost (small) is on both clocks alike. A batch
    is answered with the 50-item answer whatever was sent: callers send full chunks only.
    `Date` and `X-RateLimit-Reset` are kept current (recomputed once a second), so that a
    limiter syncing from them sees an honest server, as it would on the wire.
    """
    routes = {("GET", "/api/beta/me"): answers["me"], ("GET", "/api/beta/me/reviews"): answers["page"]}
    routes[("POST", "/api/beta/me/reviews/batch")] = answers["batch"]
    fixed = {
        route: [(k, v) for k, v in canned.headers if k not in ("date", "x-ratelimit-reset")]
        for route, canned in routes.items()
    }
    second = -1
    current: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def headers_for(route: tuple[str, str]) -> list[tuple[str, str]]:
        nonlocal second, current
        now = int(time.time())
        if now != second:
            clock = [
                ("date", email.utils.formatdate(now, usegmt=True)),
                ("x-ratelimit-reset", str(now - now % 60 + 60)),
            ]
            current = {key: value + clock for key, value in fixed.items()}
            second = now
        return current[route]

    def answer(request: httpx.Request) -> httpx.Response:
        route = (request.method, request.url.path)
        # A copy, as every answer off the wire is its own bytes (shared, they would flatter
        # anything that keeps an answer's bytes).
        return httpx.Response(200, content=bytes(memoryview(routes[route].body)), headers=headers_for(route))

    return httpx.MockTransport(answer)


def per_call_us(seconds: float, calls: int) -> float:
    return seconds / calls * 1e6


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:.3f}x"
