"""Fault injection: make chosen requests fail the ways real servers and proxies fail.

A rule names a route (`"POST /me/reviews/batch"`, `"GET /me/lists/{list_id}/items"`, or
`"*"` for every route), a fault, and when it fires: on every matching request, on exact
request numbers of that route (`on=[3, 7]`: the 3rd and 7th matching requests since the
rule was added), or with a probability drawn from the server's seeded `random.Random`.
Rules are checked in the order they were added; the first that fires wins.

Faults are applied after authentication (a request with a bad key gets its 401 as usual)
and, except for `RateLimitBurst`, after the rate limiter has counted the request:

| fault                 | answer                                               | handler runs? |
|-----------------------|------------------------------------------------------|---------------|
| `InternalError`       | 500 `internal_error` envelope                        | no            |
| `APIDisabled`         | 503 `api_disabled` envelope                          | no            |
| `RateLimitBurst(n)`   | n consecutive 429 `rate_limited`, `Retry-After`      | no, not counted |
| `Slow(seconds)`       | the normal answer, after sleeping on the server clock| yes (`after_commit`: first) |
| `DropAfterCommit`     | connection dropped after the write is stored         | yes           |
| `BadGatewayHTML`      | 502 with an nginx-style HTML page                    | no            |
| `NonStandardStatus`   | 520 (or any status) with an empty body               | no            |
| `TruncatedJSON`       | the normal status, JSON body cut in half             | yes           |
| `ScrambledResults`    | a batch's 200, `results` reordered/dropped/duplicated/mis-indexed | yes |
| `OddTotal(value)`     | the normal page, its `total` replaced by `value`     | yes           |
| `RepeatedCursor`      | the normal page, `next_cursor` = the cursor sent     | yes           |
| `JumpedReset(s)`      | the normal answer, `X-RateLimit-Reset` moved by `s`  | yes           |
| `ResetInMilliseconds` | the normal answer, `X-RateLimit-Reset` in ms         | yes           |
| `SkewedDate(s)`       | the normal answer, `Date` moved by `s` (stale: < 0)  | yes           |
| `WrongRemaining`      | the normal answer, `Remaining`(-`Day`) replaced      | yes           |
| `MissingRateLimitHeaders` | the normal answer without `X-RateLimit-*`        | yes           |

The header faults (the last five) stand for a server, proxy or cache that lies in one header
while the others stay right; they are counted like any accepted request. A `RateLimitBurst`
with `http_date=True` sends `Retry-After` as an HTTP date (relative to the answer's `Date`).

The proxy faults (`BadGatewayHTML`, `NonStandardStatus`) carry no `X-RateLimit-*` headers:
they stand for an answer from something in front of the API, not from the API.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "APIDisabled",
    "BadGatewayHTML",
    "DropAfterCommit",
    "Fault",
    "Faults",
    "HeaderFault",
    "InternalError",
    "JumpedReset",
    "MissingRateLimitHeaders",
    "NonStandardStatus",
    "OddTotal",
    "RateLimitBurst",
    "RepeatedCursor",
    "ResetInMilliseconds",
    "ScrambledResults",
    "SkewedDate",
    "Slow",
    "TruncatedJSON",
    "WrongRemaining",
]


class Fault:
    """Base class of the faults."""


@dataclass(frozen=True)
class InternalError(Fault):
    """500 `internal_error`; nothing is written."""


@dataclass(frozen=True)
class APIDisabled(Fault):
    """503 `api_disabled`; nothing is written."""


@dataclass(frozen=True)
class RateLimitBurst(Fault):
    """`count` consecutive 429s (this request and the next `count - 1` matching ones).

    Args:
        count: How many requests in a row are refused.
        retry_after: The `Retry-After` value, in whole seconds.
        window: The window the 429s name, `"minute"` or `"day"`.
        http_date: Send `Retry-After` as an HTTP date (the answer's `Date` + `retry_after`)
            instead of seconds.
    """

    count: int = 3
    retry_after: int = 1
    window: str = "minute"
    http_date: bool = False


@dataclass(frozen=True)
class Slow(Fault):
    """Answer normally, but only after `seconds` on the server's clock (for client timeouts).

    Args:
        seconds: How long to wait.
        after_commit: Run the request first (a write is stored), then wait before answering: a
            client that times out has lost the answer to a write that happened.
    """

    seconds: float = 5.0
    after_commit: bool = False


@dataclass(frozen=True)
class DropAfterCommit(Fault):
    """Run the request (a write is stored), then drop the connection instead of answering.

    Over a socket the client sees the response start, then the connection die mid-body; through
    `FlickServer.transport()` it gets `httpx.RemoteProtocolError`, as for a real drop.
    """


@dataclass(frozen=True)
class BadGatewayHTML(Fault):
    """502 with an HTML body, as a proxy in front of the API sends; nothing is written."""


@dataclass(frozen=True)
class NonStandardStatus(Fault):
    """A status outside the API's set (Cloudflare's 520 by default), empty body; nothing is written."""

    status: int = 520


@dataclass(frozen=True)
class TruncatedJSON(Fault):
    """Run the request, then send its JSON body cut off half-way (Content-Length matches the cut)."""


@dataclass(frozen=True)
class ScrambledResults(Fault):
    """Run a batch write (every write is stored), then answer 200 with its `results` mangled.

    The contract sends one result per item, in input order, each with its `index`. A client
    must match results by `index` and must not trust an item the answer does not name exactly
    once. The damage is drawn from the server's seeded random generator. On other routes the
    answer is left alone.

    Args:
        order: `"keep"`, `"reverse"` or `"shuffle"` the results (each keeps its own `index`).
        drop: How many results to leave out.
        duplicate: How many results to send twice; the copy contradicts the original (an
            error where the item was stored, `created` where it was not).
        out_of_range: How many results get an `index` past the end of the batch.
        relabel: How many results get another result's `index` (that index then appears twice,
            and their own is missing).
    """

    order: str = "shuffle"
    drop: int = 0
    duplicate: int = 0
    out_of_range: int = 0
    relabel: int = 0

    def apply(self, results: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
        """The mangled copy of `results` (a batch answer's list).

        Each result suffers at most one kind of damage, and the damage is always detectable by
        a client that counts indices: a relabelled result points at one whose original is still
        sent, and a dropped one has no copy left behind. (A lie no client could see, such as two
        results swapping labels, would only test the server.)
        """
        results = [dict(r) for r in results]
        size = len(results)
        wanted = [self.drop, self.duplicate, self.out_of_range, self.relabel]
        picked = rng.sample(range(size), min(size, sum(wanted)))
        drop, duplicate, out_of_range, relabel = (set(picked[sum(wanted[:k]) : sum(wanted[: k + 1])]) for k in range(4))
        kept = [p for p in range(size) if p not in drop | out_of_range | relabel]
        for p in out_of_range:
            results[p]["index"] = size + rng.randrange(3)
        for p in relabel:
            if kept:
                results[p]["index"] = results[rng.choice(kept)]["index"]
            else:  # nothing left to collide with: out of range instead, as detectable
                results[p]["index"] = size
        copies = [_contradiction(results[p]) for p in sorted(duplicate)]
        answered = [r for p, r in enumerate(results) if p not in drop] + copies
        if self.order == "reverse":
            answered.reverse()
        elif self.order == "shuffle":
            rng.shuffle(answered)
        elif self.order != "keep":
            raise ValueError(f'order is "keep", "reverse" or "shuffle", not {self.order!r}')
        return answered


def _contradiction(result: dict[str, object]) -> dict[str, object]:
    if result.get("error") is None:
        error = {"code": "invalid_request", "message": "A second answer for this item (ScrambledResults)."}
        return {**result, "created": False, "deduplicated": False, "review": None, "error": error}
    return {**result, "created": True, "deduplicated": False, "error": None}


_MISSING = object()


@dataclass(frozen=True)
class OddTotal(Fault):
    """Answer a list request normally, but with `total` replaced by `value` (`None`, `"3"`, `[3]`, …).

    Pass `OddTotal.MISSING` to leave the field out. A non-list answer is sent unchanged.
    """

    value: object = None
    MISSING: ClassVar[object] = _MISSING


@dataclass(frozen=True)
class RepeatedCursor(Fault):
    """Cursor style: answer normally, but hand back the cursor the request sent as `next_cursor`.

    A client that follows it blindly pages forever. On a request without a cursor (the first
    page) it does nothing.
    """


class HeaderFault(Fault):
    """Base class of the faults that answer normally but lie in a header (`rewrite`)."""

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        """The headers to send instead of `headers` (lower-case names)."""
        raise NotImplementedError


@dataclass(frozen=True)
class JumpedReset(HeaderFault):
    """`X-RateLimit-Reset` moved by `seconds` (an hour ahead by default); everything else right."""

    seconds: float = 3600.0

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        reset = headers.get("x-ratelimit-reset")
        if reset is not None:
            headers["x-ratelimit-reset"] = str(math.ceil(float(reset) + self.seconds))
        return headers


@dataclass(frozen=True)
class ResetInMilliseconds(HeaderFault):
    """`X-RateLimit-Reset` in Unix milliseconds instead of seconds (a common API mix-up)."""

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        reset = headers.get("x-ratelimit-reset")
        if reset is not None:
            headers["x-ratelimit-reset"] = str(int(float(reset) * 1000))
        return headers


@dataclass(frozen=True)
class SkewedDate(HeaderFault):
    """`Date` moved by `seconds`: negative is a stale (cached) `Date`, positive a clock ahead."""

    seconds: float = -120.0

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        date = headers.get("date")
        if date is not None:
            when = email.utils.parsedate_to_datetime(date).timestamp()
            headers["date"] = email.utils.formatdate(math.floor(when + self.seconds), usegmt=True)
        return headers


@dataclass(frozen=True)
class WrongRemaining(HeaderFault):
    """`X-RateLimit-Remaining` (and/or `-Remaining-Day`) replaced by a wrong value; None keeps one."""

    remaining: int | None = None
    remaining_day: int | None = None

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        if self.remaining is not None:
            headers["x-ratelimit-remaining"] = str(self.remaining)
        if self.remaining_day is not None:
            headers["x-ratelimit-remaining-day"] = str(self.remaining_day)
        return headers


@dataclass(frozen=True)
class MissingRateLimitHeaders(HeaderFault):
    """No `X-RateLimit-*` headers at all (and no `Date` either with `date=False`)."""

    date: bool = True

    def rewrite(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            name: value
            for name, value in headers.items()
            if not name.startswith("x-ratelimit-") and (self.date or name != "date")
        }


@dataclass
class _Rule:
    route: str
    fault: Fault
    on: frozenset[int] | None
    probability: float | None
    seen: int = 0


class Faults:
    """The fault rules of one server (`FlickServer.faults`).

    Args:
        seed: Seeds the `random.Random` that probabilistic rules draw from.

    Example:
        server.faults.add("POST /me/reviews/batch", DropAfterCommit(), on=[2])
        server.faults.add("*", InternalError(), probability=0.1)
        server.faults.clear()
    """

    def __init__(self, seed: int = 0) -> None:
        self.random = random.Random(seed)
        self._rules: list[_Rule] = []
        self._bursts: dict[str, tuple[RateLimitBurst, int]] = {}  # rule route -> (burst, refusals left)
        self._lock = threading.Lock()

    def add(
        self,
        route: str,
        fault: Fault,
        *,
        on: Iterable[int] | None = None,
        probability: float | None = None,
    ) -> None:
        """Inject `fault` into requests to `route`.

        Args:
            route: `"METHOD /path"` as in openapi.json (with or without `/api/beta`), or `"*"`.
            fault: What to do.
            on: 1-based numbers of the matching requests that fail; counted from this call.
            probability: Chance (0–1) that each matching request fails, from the seeded RNG.
                With neither `on` nor `probability`, every matching request fails.
        """
        if on is not None and probability is not None:
            raise ValueError("pass on= or probability=, not both")
        if probability is not None and not 0 <= probability <= 1:
            raise ValueError("probability must be between 0 and 1")
        with self._lock:
            self._rules.append(
                _Rule(_normalize_route(route), fault, frozenset(on) if on is not None else None, probability)
            )

    def scramble(self, fault: ScrambledResults, results: list[dict[str, object]]) -> list[dict[str, object]]:
        """`fault.apply(results)` on the seeded generator, under the lock (servers may run threads)."""
        with self._lock:
            return fault.apply(results, self.random)

    def clear(self) -> None:
        """Remove every rule and end any burst in progress."""
        with self._lock:
            self._rules.clear()
            self._bursts.clear()

    def pick(self, route: str) -> Fault | None:
        """The fault for this request to `route` (`"GET /me"`), or None; advances the rule counters."""
        with self._lock:
            for scope in (route, "*"):
                burst = self._bursts.get(scope)
                if burst is not None:
                    fault, left = burst
                    if left <= 1:
                        del self._bursts[scope]
                    else:
                        self._bursts[scope] = (fault, left - 1)
                    return fault
            chosen: Fault | None = None
            chosen_scope = route
            for rule in self._rules:
                if rule.route not in ("*", route):
                    continue
                rule.seen += 1
                if chosen is not None:
                    continue
                if rule.on is not None:
                    fires = rule.seen in rule.on
                elif rule.probability is not None:
                    fires = self.random.random() < rule.probability
                else:
                    fires = True
                if fires:
                    chosen, chosen_scope = rule.fault, rule.route
            if isinstance(chosen, RateLimitBurst) and chosen.count > 1:
                self._bursts[chosen_scope] = (chosen, chosen.count - 1)
            return chosen


def _normalize_route(route: str) -> str:
    if route.strip() == "*":
        return "*"
    method, _, path = route.strip().partition(" ")
    path = path.strip()
    if path.startswith("/api/beta"):
        path = path[len("/api/beta") :]
    if not method or not path.startswith("/"):
        raise ValueError(f"routes look like 'POST /me/reviews/batch' or '*', not {route!r}")
    return f"{method.upper()} {path}"
