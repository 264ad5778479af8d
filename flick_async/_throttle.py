"""Client-side rate limiting that runs as close to the key's budget as it can without a 429.

The Flick API counts requests in fixed windows (documented: 60 a minute, 5,000 a UTC day,
"subject to change during beta") and says where each window ends (`X-RateLimit-Reset`). A
plain token bucket ignores that schedule: refilled continuously, it can put nearly twice the
limit into one server window. `RateLimiter` instead
keeps two buckets that refill on the *server's* boundaries:

- the minute bucket refills to full when the server's minute window ends, the day bucket at the
  server's UTC midnight; a request takes one token from both at once, or waits for both;
- every response lowers the local estimate: the server's `Remaining` includes other clients of
  the key, so their use shows up as a faster-falling count. It raises it only by what the
  server provably never counted: a 429 gives its tokens back at once (the server counts no
  429), and a grant that got no answer (a connection error) comes back when the server's count
  in the same window or day is below ours by more than what is still in flight;
- boundaries are placed on the local monotonic clock through what the responses say about the
  server's clock (`Date`, and the moment `Reset` moves on), so a wrong local wall clock changes
  nothing;
- a 429 pauses the whole key once, for `Retry-After` (at most a day); waiters then resume in
  FIFO order, and a caller whose `max_wait` the pause exceeds gets `RateLimitError` at once.

Where the server's windows sit in local time
    `offset = server Unix time − local monotonic time` is bracketed by every response: the
    server wrote `Date` (whole seconds) at some instant between `sent_at` and `received_at`, so
    `Date − received_at ≤ offset < Date + 1 − sent_at`; a response carrying a newer `Reset`
    than a window we knew proves the server had passed that window's end before `received_at`,
    which is exact where `Date` is coarse. Bounds from many responses intersect. A window ending
    at server time `R` is refilled at local `R − lower + safety_margin`: never before the
    server's own turn, whatever the drift (bounds widen by 20 ppm of elapsed time). A `Reset`
    older than the `Date` bound allows (a proxy stamping `Date` ahead of the node that counts)
    shows `Date` is on another clock: from then on only `Reset` places the windows.

Sounding the server's clock
    Bulk traffic tightens nothing: it always reaches the server the same time after a refill,
    so each window opens late by whatever the first `Date` left unknown (up to a second). While
    the bracket is wider than 20 ms (or two round trips) and more demand is in sight (a waiter
    behind, or answers still to come), the window's last token is held back and sent when the
    server's clock passes a whole second inside the window: where the local wall clock says
    while the bracket holds it well inside, then just above that (two windows place the server's
    clock when the two agree, as under NTP), else where the bracket's middle says. `Date` then
    shows which side it landed on, halving the bracket (plus a round trip) per window. The
    window is spent either way, so this costs no throughput but in a job's last window. A
    sequential job (nothing in sight after its request) holds it too, for the first sounding in
    reach, while the bracket costs each window more than 1% of it: a tick at most a second away,
    aimed by the wall clock like the boundary below, or the window's end at most a second (or
    twice the bracket) away; a request that may be the job's last is never held longer. A window
    with no whole second left inside it (every 1 s window: its `Date` ticks are its boundaries)
    is sounded at its end instead: the last token goes at the moment the local wall clock says
    the window ends (the bracket's midpoint when the two disagree),
    held in both windows, and its `Reset` says on which side it landed. Landing after, it places
    every later window to within a round trip; the wall clock only picks where to look.

The safety margin
    Added after each boundary, against a server whose counter runs behind the clock that
    writes its headers (a store with a clock of its own): no answer shows the lag, but right
    after a boundary `Reset` shows, the answers still count the old window (`Remaining` 0 under
    the new `Reset`, which reads as a window spent by others and is waited out), or refuse.
    By default a two-hundredth of the window at first (5 ms in 1 s windows), doubled up to a
    fiftieth (20 ms) by each such sign: a 429 answered to one of our grants, or an answer
    counting requests we did not send (another client of the key looks the same: it gets the
    fiftieth, as before), but not across a change of limits (see `_telling`). Never more than
    0.25 s, so windows of 50 s or more (the API's 60 s) get that from the start. A server that
    counts on the clock it shows costs each window that opens after a spent one 0.5% of it
    instead of 2%; one whose counter lags by up to a fiftieth costs a window or two before the
    margin covers it. The guard before each boundary (see below) stays at the fiftieth. The
    shortest step of `Reset` seen (a whole number of windows) bounds the window before its
    length is learned, and before any step the first `Reset`'s distance from `Date` stands in.
    A fixed quarter second alone cost 1.25 x the ideal in 1 s windows.

Requests in flight across a turn
    A request granted just before the turn may be counted by the server in the next window.
    So a grant in a window's last `max round trip + guard` seconds (the guard: a fiftieth of
    the window, at most 0.25 s, or the configured `safety_margin`) before the earliest
    moment it could end also holds a token of the next window; its answer says which window
    counted it (`Reset`), and the other token is given back. (Answer and grant are matched
    through a context variable: the caller observes in the task that acquired.) Responses that
    carry an older window's `Reset` (or an older `Date` day) only inform the clock, never the
    new window's count.

What it learns, and what it trusts
    With no limits configured (the default), `X-RateLimit-Limit` and `-Limit-Day` are the
    truth for the window they came with, raised or lowered mid-window; the window's length is
    the shortest recent step between successive `Reset`s (a shortened window is followed at
    once; an answer whose `Limit` changed forgets the steps seen, since the server may have
    changed its windows with it, and its new `Reset` proves no boundary passed). 60/60 s and
    5,000/day are only the starting guess. Explicit `per_minute`, `per_day`, `window_seconds`
    override (the server's limit can still only lower them).
    Each header is bounded by the others, so no single answer moves pacing by more than a
    window: a `Reset` in milliseconds or in seconds-until is read as such; a `Reset` more than
    a window (plus `Date`'s second) past `Date` is ignored unless the next answer repeats it
    (then the window is longer, and learned); a `Date` that contradicts the clock bracket by
    more than a second is dropped, and only three in a row re-learn the bracket; a `Remaining`
    above the estimate explains nothing by itself (see above). `Retry-After` as an HTTP date is
    read against the same answer's `Date`.

Threads and event loops
    One core per key in the process, shared by every client of the key in every thread and
    event loop: a thread-safe core with per-loop waiters, rather than one core per loop with a
    shared budget, because the budget *is* the state (windows, clock bounds, pause, FIFO
    order) and splitting it would need the same lock plus a protocol between the copies. All
    state is read and changed under one `threading.RLock`, never held across an await. A
    queued task is woken only through its own loop (`call_soon_threadsafe` on asyncio,
    `run_sync_soon` on trio, a direct call on the loop's own thread), so no loop ever touches
    another's primitives; a waiter whose loop has ended is dropped instead of blocking the
    queue. Times come from the process's monotonic clock, the same in every thread and loop.

Memory
    The registry holds a core through weak references while a client uses it, plus the 256
    most recently shared (a 429 pause carries over to the key's next client): a service acting
    for many users' keys holds only the live ones.

Before the first response
    Nothing is known: the window might have started just now or be nearly spent by another
    client. So the first request goes alone, as a probe; the rest wait for its answer (or, if it
    never gets one, for `window_seconds / 4`, at most 10 s, before probing again). A server that sends no
    rate-limit headers gets a sliding window instead (at most `per_minute` grants in any
    `window_seconds`), which cannot overrun a fixed window wherever it sits.

Other clients of the key
    Their requests raise the server's count above ours; the excess lowers our estimate. Our own
    requests still in flight are not yet in the server's count, so the excess is seen late by up
    to that many requests; the shared 429 pause covers the rest.
"""

from __future__ import annotations

import contextvars
import datetime
import email.utils
import hashlib
import math
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, Protocol

import anyio
import attrs
import httpx
import sniffio

from ._clock import Clock, SystemClock
from ._errors import DailyQuotaExceededError, RateLimitError, parse_retry_after
from ._events import Hook, ThrottleWait, emit, logger
from ._rate_limit import RateLimitStatus, parse_rate_limit_headers, read_headers

__all__ = ["NoThrottle", "RateLimiter", "Throttle", "ThrottleEstimate", "key_digest"]

_DAY: Final = 86_400.0
# Worst-case rate difference between the server's clock and our monotonic clock (NTP keeps both
# within a few ppm): old bounds on the offset are widened by this so they stay valid. Larger
# costs throughput on long runs, where bulk traffic rarely re-tightens the bound.
_DRIFT: Final = 2e-5
# `Date` is the server's time floored to the second. (A server that caches it, as uvicorn does by
# default, makes it up to a second older: that only loosens the lower bound, and the upper bound
# it contradicts is dropped, see `_ServerClock.constrain`; a `Date` ahead of the clock the windows
# follow is caught by `_ServerClock.cap`.)
_DATE_SLACK: Final = 1.0
_RTT_SAMPLES: Final = 64
# Below this width (or twice the fastest round trip, which bounds what a sounding can learn) the
# bracket on the server's clock is tight enough: the window's last token is no longer held back.
_TIGHT: Final = 0.02
# A sequential job (nothing in sight between its requests) sounds the boundary only while the
# bracket's width is more than this share of the window (each window opens late by up to it),
# and only when that holds its request back a second at most (or twice the bracket).
_WORTH_SOUNDING: Final = 0.01
_SYSTEM_CLOCK: Final = SystemClock()
# The documented limits: the starting guess when the caller configures none, until the server's
# answers say otherwise (the API's limits are "subject to change during beta").
_GUESS_PER_MINUTE: Final = 60
_GUESS_PER_DAY: Final = 5000
_GUESS_WINDOW: Final = 60.0
# `X-RateLimit-Reset` values above this are Unix milliseconds (in seconds it is the year 5138);
# below `_RESET_DELTA`, seconds until the reset (in seconds it is before 2001).
_RESET_MILLIS: Final = 1e11
_RESET_DELTA: Final = 1e9
# Window steps remembered to learn the window's length (the shortest recent one wins).
_STEPS: Final = 3
# `Date`s in a row that disagree with the clock bracket before the bracket starts over from them.
_DATE_CONFLICTS: Final = 3
# The default safety margin after each boundary (see "The safety margin" above): a two-hundredth
# of the window, doubled by each sign of a counter behind our pacing up to a fiftieth, at most a
# quarter second. A fixed 0.25 s alone cost 1.25 x T* in 1 s windows; a fixed fiftieth cost each
# window that opens after a spent one 2% of it (20 ms of a 1 s window). The guard before each
# boundary stays at the fiftieth: a hold there costs no throughput, and it covers scheduling
# delays between a grant and its send.
_MARGIN_CAP: Final = 0.25
_MARGIN_CEILING: Final = 1 / 50
_MARGIN_DOUBLINGS: Final = 2  # 1/200 -> 1/100 -> 1/50
_MARGIN_SHARE: Final = _MARGIN_CEILING / 2**_MARGIN_DOUBLINGS
# Shared constants for per-key state that starts out the same (one object, not one per key).
_NEVER: Final = -math.inf
_NO_DAY: Final = (0, 0)

WaitReason = Literal["minute", "day", "paused"]


def key_digest(api_key: str) -> str:
    """The SHA-256 hex digest that names a key in registries and Redis; the key itself is never stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class Throttle(Protocol):
    """What the client calls around every request."""

    async def acquire(self) -> None:
        """Wait (FIFO) until one token is free in both buckets and the key is not paused; take it.

        Raises:
            DailyQuotaExceededError: At once when the day is spent (unless built with
                `wait_for_daily_reset=True`).
            RateLimitError: At once when a 429 paused the key for longer than the limiter's
                `max_wait`.
        """
        ...

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        """Sync from one response; `sent_at`/`received_at` are `clock.monotonic()` around the exchange."""
        ...

    def abandon(self) -> None:
        """The request granted last in this task got no response (an error, a timeout, a cancellation).

        Releases what `observe` would have, except the tokens: the server may have counted it.
        A no-op when that grant was already observed or abandoned.
        """
        ...

    @property
    def status(self) -> RateLimitStatus | None:
        """The latest server-reported snapshot, or None before any."""
        ...


@attrs.frozen
class ThrottleEstimate:
    """What the limiter believes about the key right now (`RateLimiter.estimate`).

    Attributes:
        synced: Whether a response has shown the server's windows yet.
        minute_remaining: Tokens left in the current minute window (None before sync).
        minute_resets_in: Seconds until the minute bucket refills (None before sync).
        day_remaining: Tokens left today (None before sync).
        day_resets_in: Seconds until the day bucket refills (None before sync).
        paused_for: Seconds left of a 429 pause (0 when not paused).
        waiting: Tasks queued in `acquire()`.
    """

    synced: bool
    minute_remaining: int | None
    minute_resets_in: float | None
    day_remaining: int | None
    day_resets_in: float | None
    paused_for: float
    waiting: int


def server_time(raw: bytes | None) -> float | None:
    """A raw `Date` value (`read_headers`) as Unix time, or None when absent or unreadable."""
    global _LAST_DATE
    if raw is None:
        return None
    # A server writes the same `Date` on every answer of a second: the last one read is kept
    # (email.utils took 7 of the 48 us a throttled call spends in the limiter).
    last = _LAST_DATE
    if last[0] == raw:
        return last[1]
    try:
        when = email.utils.parsedate_to_datetime(raw.decode("latin-1"))
    except (TypeError, ValueError):
        value = None
    else:
        value = None if when.tzinfo is None else when.timestamp()
    _LAST_DATE = (raw, value)  # one tuple, swapped whole: threads read either pair, never half of one
    return value


_LAST_DATE: tuple[bytes, float | None] = (b"", None)


def reset_value(raw: bytes | None) -> float | None:
    """A raw `X-RateLimit-Reset` value (`read_headers`) as a finite float, or None.

    A float: a fractional reset must not be truncated to an earlier second.
    """
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _next_tick(now: float, offset: float) -> float:
    """Local time at which the server's clock (`offset` ahead of ours) next reads a whole second.

    A microsecond's tolerance: woken at the tick it computed, a waiter must find itself on it,
    not a float's rounding short of it and a whole second more to wait.
    """
    return math.ceil(now + offset - 1e-6) - offset


class _ServerClock:
    """Bounds on `offset = server Unix time − local monotonic time`, widened by drift as they age."""

    __slots__ = ("_high", "_high_at", "_low", "_low_at", "_reset_low", "_reset_low_at", "date_trusted")

    def __init__(self) -> None:
        self._low: float | None = None
        self._low_at = 0.0
        self._high: float | None = None
        self._high_at = 0.0
        # The lower bound that `Reset` alone proves (a window seen to end), kept apart so that
        # it survives when `Date` turns out to be wrong.
        self._reset_low: float | None = None
        self._reset_low_at = 0.0
        # Whether `Date` may raise the lower bound. Off once a `Reset` contradicted it: the
        # clock that stamps `Date` (a proxy) is then not the one that counts requests, and a
        # `Date` ahead of the counter would refill the buckets early.
        self.date_trusted = True

    # (`_aged`, written out: these run several times a grant.)
    def low(self, now: float) -> float | None:
        low = self._low
        if low is None:
            return None
        since = self._low_at
        return low if now <= since else low - _DRIFT * (now - since)

    def high(self, now: float) -> float | None:
        high = self._high
        if high is None:
            return None
        since = self._high_at
        return high if now <= since else high + _DRIFT * (now - since)

    def constrain(self, *, now: float, low: float | None = None, high: float | None = None, date: bool = False) -> None:
        """Narrow the bounds; `date` marks bounds read from `Date` (see `date_trusted`)."""
        if date and not self.date_trusted:
            low = None
        current_low, current_high = self.low(now), self.high(now)
        if low is not None:
            self._low, self._low_at = (low if current_low is None or low > current_low else current_low), now
            if not date:
                reset_low = _aged(self._reset_low, self._reset_low_at, -_DRIFT, now)
                self._reset_low = low if reset_low is None or low > reset_low else reset_low
                self._reset_low_at = now
        if high is not None:
            self._high, self._high_at = (high if current_high is None or high < current_high else current_high), now
        if self._low is not None and self._high is not None and self._high < self._low:
            # Only the lower bound guards against overrunning; an upper bound it contradicts (a
            # stale `Date`, or the server's clock stepped forward) collapses onto it.
            self._high = self._low

    def cap(self, *, now: float, high: float, floor: float) -> None:
        """Apply an upper bound that cannot be wrong (from `Reset`); `floor` is the lower bound it implies.

        When it contradicts the lower bound, the server's `Date` runs ahead of the clock its
        windows follow (or that clock stepped back): stop letting `Date` raise the lower bound,
        and start over from what `Reset` alone showed, or from `floor` (a lower `low` is the
        safe side).
        """
        current_low = self.low(now)
        if current_low is None or high >= current_low:
            # `floor` is loose (a whole window) unless the request landed early in its window,
            # which is when it matters: after our estimate fell a window behind.
            self.constrain(now=now, low=floor, high=high)
            return
        if self.date_trusted:
            logger.info("rate limiter: the server's Date disagrees with its Reset; re-learning where its windows sit")
        self.date_trusted = False
        low = _aged(self._reset_low, self._reset_low_at, -_DRIFT, now)
        if low is None or low > high:
            low = min(floor, high)
        self._low, self._high, self._reset_low = low, high, low
        self._low_at = self._high_at = self._reset_low_at = now


def _aged(bound: float | None, since: float, rate: float, now: float) -> float | None:
    """`bound`, set at `since`, widened by `rate` (signed) per second elapsed."""
    if bound is None or now <= since:
        return bound
    return bound + rate * (now - since)


@attrs.define
class _Window:
    """One server window (a minute window or a UTC day) as this process sees it."""

    limit: int
    end: float | None = None  # server Unix time at which the window ends
    confirmed: bool = False  # the server reported `end` (rather than us assuming the next window)
    granted: int = 0  # our grants charged to this window
    held: int = 0  # tokens of the next window held for late grants of this one
    used_elsewhere: int = 0  # server-counted requests beyond our grants (other clients)
    abandoned: int = 0  # our grants of this window that got no answer: the server may not have them

    @property
    def available(self) -> int:
        left = self.limit - self.granted - self.used_elsewhere
        return left if left > 0 else 0

    def start(self, *, limit: int, granted: int) -> None:
        """Begin a new window with `granted` of our requests already charged to it."""
        self.limit, self.granted, self.used_elsewhere, self.held, self.abandoned = limit, granted, 0, 0, 0

    def sync(self, *, remaining: int, limit: int | None, learn: bool, in_flight: int) -> bool:
        """Follow the server's count of this window (`in_flight`: our answers still to come, any
        window); whether it counts more requests of others than it did."""
        if limit is not None and limit >= 1:
            # Learned, the server's limit is the truth (raised or lowered mid-window); configured,
            # it is only ever lowered by what the server says.
            self.limit = limit if learn else min(self.limit, limit)
        counted = self.limit - remaining
        # Reconcile upward, but only by what the server provably never counted: grants of ours
        # beyond its count and beyond everything still on its way to it, and no more of them
        # than went unanswered. A `Remaining` that is merely too high (a lie, a stale cache)
        # explains nothing and loosens nothing.
        uncounted = self.granted - counted - in_flight
        if uncounted > 0 and self.abandoned > 0:
            forgiven = min(uncounted, self.abandoned)
            self.granted -= forgiven
            self.abandoned -= forgiven
        elsewhere = counted - self.granted
        if elsewhere > self.used_elsewhere:
            self.used_elsewhere = elsewhere
            return True
        return False


@attrs.define(eq=False)
class _Ticket:
    """The grant a task holds between `acquire()` and `observe()` (they run in one task)."""

    # Weakly: every timer and task started while the grant is out copies the context that holds
    # this ticket, and asyncio keeps a cancelled timer (a request's 30 s deadline) until its
    # time comes; a strong reference would keep a closed client's whole key state alive that long.
    core: weakref.ref[_Core]
    end: float  # the minute window it was charged to
    held: bool  # it also holds a token of the next window
    day_end: float | None  # the day it was charged to


_TICKET: contextvars.ContextVar[_Ticket | None] = contextvars.ContextVar("flick_async_throttle_ticket", default=None)
# The limiter whose grant this task has not yet observed or abandoned (so that `abandon` after an
# `observe`, or twice, changes nothing).
_PENDING: contextvars.ContextVar[weakref.ref[_Core] | None] = contextvars.ContextVar(
    "flick_async_throttle_pending", default=None
)  # (weakly, as `_Ticket.core`)


def _refers_to(ref: weakref.ref[_Core] | None, core: _Core) -> bool:
    # By calling the reference, not by comparing it with a new `weakref.ref(core)`: CPython hands
    # back the same plain reference while one lives, but that is not a language guarantee (PyPy).
    return ref is not None and ref() is core


def _caller() -> Callable[[Callable[[], None]], bool]:
    """A function that runs a callback in the current task's event loop, from any thread.

    Returns whether the callback was (or will be) run: False when that loop has ended. On the
    loop's own thread it runs at once; from another thread it is handed to the loop
    (`call_soon_threadsafe`, `run_sync_soon`), never run in a foreign loop.
    """
    thread = threading.get_ident()
    library = sniffio.current_async_library()
    if library == "trio":
        import trio

        token = trio.lowlevel.current_trio_token()

        def handoff(callback: Callable[[], None]) -> bool:
            try:
                token.run_sync_soon(callback)
            except trio.RunFinishedError:
                return False
            return True

    else:
        import asyncio

        loop = asyncio.get_running_loop()

        def handoff(callback: Callable[[], None]) -> bool:
            try:
                loop.call_soon_threadsafe(callback)
            except RuntimeError:  # the loop is closed
                return False
            return True

    def call(callback: Callable[[], None]) -> bool:
        if threading.get_ident() == thread:
            callback()
            return True
        return handoff(callback)

    return call


@attrs.define(eq=False)
class _Waiter:
    """A task queued in `acquire()`, woken through its own event loop."""

    event: anyio.Event = attrs.field(factory=anyio.Event)
    call: Callable[[Callable[[], None]], bool] = attrs.field(factory=_caller)

    def wake(self) -> bool:
        """Set the event in the waiter's loop; False when that loop is gone."""
        return self.call(self.event.set)


class _Core:
    """The shared state of one key: buckets, clock bounds, pause and the FIFO queue."""

    # Slots: a process acting for many keys keeps one core per key it has used (see `_Registry`).
    __slots__ = (
        "__weakref__",
        "answered",
        "changed_end",
        "clock",
        "configured",
        "configured_margin",
        "date_conflicts",
        "day",
        "first_span",
        "grants",
        "guard",
        "head_scope",
        "in_flight",
        "last_reset",
        "learn_day",
        "learn_minute",
        "learn_window",
        "length_learned",
        "limit_seen",
        "local_day",
        "lock",
        "margin",
        "margin_doublings",
        "minute",
        "paused_until",
        "per_day",
        "per_minute",
        "probe_deadline",
        "queue",
        "raw_steps",
        "rtts",
        "server",
        "slowest_rtt",
        "status",
        "steps",
        "suspect_reset",
        "synced",
        "window_seconds",
    )

    def __init__(
        self,
        *,
        per_minute: int | None,
        per_day: int | None,
        window_seconds: float | None,
        clock: Clock,
        safety_margin: float | None,
    ) -> None:
        if (
            (per_minute is not None and per_minute < 1)
            or (per_day is not None and per_day < 1)
            or (window_seconds is not None and not window_seconds > 0)
            or (safety_margin is not None and not safety_margin >= 0)
        ):
            raise ValueError("limits must be at least 1, the window longer than 0 s and the margin not negative")
        self.configured = (per_minute, per_day, window_seconds)
        self.learn_minute = per_minute is None
        self.learn_day = per_day is None
        self.learn_window = window_seconds is None
        self.per_minute = per_minute if per_minute is not None else _GUESS_PER_MINUTE
        self.per_day = per_day if per_day is not None else _GUESS_PER_DAY
        self.window_seconds = float(window_seconds) if window_seconds is not None else _GUESS_WINDOW
        self.length_learned = False  # `window_seconds` is the server's (learned once), not the guess
        # Lists, not deques, throughout the core: a deque allocates a 64-slot block (760 B) even
        # when empty, and a service acting for many keys keeps one core per key it has used; these
        # stay short (`_STEPS`, `_RTT_SAMPLES`, the tasks waiting, about `per_minute` grants), so
        # trimming their front costs less than the memory a deque would hold per idle key.
        # Tuples, not lists, for what is rarely written: the empty one is shared, so an idle key
        # pays nothing for it (a service acting for many keys keeps one core per recent key).
        self.steps: tuple[float, ...] = ()  # recent moves of the server's `Reset` (the last `_STEPS`)
        # Recent moves of `Reset`, whatever their timing: each is a whole number of windows, so the
        # shortest bounds the window from above (for the margin) before its length is learned.
        self.raw_steps: tuple[float, ...] = ()  # the last `_STEPS`
        # Before any step: how far the first `Reset` was from its `Date`, the scale of the first window.
        self.first_span: float | None = None
        self.last_reset: float | None = None  # the newest `Reset` believed
        # A `Reset` too far ahead of its `Date` (and that span), believed once repeated.
        self.suspect_reset: tuple[float, float] | None = None
        self.date_conflicts: tuple[tuple[float, float], ...] = ()  # recent `Date` bounds the bracket contradicts
        self.limit_seen: int | None = None  # the last `X-RateLimit-Limit` answered
        self.clock = clock
        self.configured_margin = safety_margin
        self.margin = self.guard = 0.0
        self.margin_doublings = 0  # signs of a counter behind our pacing so far, up to `_MARGIN_DOUBLINGS`
        self.changed_end: float | None = None  # the end of the window the last change of limits was seen in
        self.remargin()
        self.server = _ServerClock()
        self.minute = _Window(self.per_minute)
        self.day = _Window(self.per_day)
        self.synced = False
        self.probe_deadline: float | None = None  # while unsynced: when an unanswered probe is given up
        self.answered = False  # any response at all (headers or not) has arrived
        self.grants: list[float] = []  # recent grant times (monotonic), oldest first
        self.local_day: tuple[int, int] = _NO_DAY  # unsynced fallback: (UTC day index, grants)
        self.in_flight = 0
        self.rtts: list[float] = []  # the last `_RTT_SAMPLES` round trips
        self.slowest_rtt = 0.0  # max(rtts), kept as they change: read on every grant
        self.paused_until = _NEVER
        self.queue: list[_Waiter] = []  # FIFO: the head is `queue[0]`
        self.head_scope: tuple[anyio.CancelScope, _Waiter] | None = None  # the head's sleep, to cut short
        # Clients in several threads (each with its own event loop) share one core: every read
        # and change of the state happens under this lock, never across an await.
        self.lock = threading.RLock()
        self.status: RateLimitStatus | None = None

    def remargin(self) -> None:
        """Recompute `margin` (the seconds added after each server boundary) and `guard` (kept
        before it, for grants that may land in the next window) from what they depend on.

        The configured margin for both, else shares of the window (see `_MARGIN_SHARE`). Kept,
        not derived on each read: a grant reads them about seven times. Called wherever
        `window_seconds`, `raw_steps`, `first_span` or `margin_doublings` change.
        """
        if self.configured_margin is not None:
            self.margin = self.guard = self.configured_margin
            return
        scale = self.window_scale()
        self.guard = min(_MARGIN_CAP, _MARGIN_CEILING * scale)
        self.margin = min(self.guard, _MARGIN_SHARE * 2**self.margin_doublings * scale)

    def window_scale(self) -> float:
        """The longest the window can be, as far as the answers show: the shortest step of `Reset`
        seen (a whole number of windows) or, before any step, the first `Reset`'s distance from
        `Date`; never more than `window_seconds`."""
        scale = min(self.raw_steps) if self.raw_steps else self.first_span
        return min(self.window_seconds, math.inf if scale is None else scale)

    # -- where the windows sit on the local clock ---------------------------------------------

    def refill_at(self, window: _Window, now: float) -> float:
        """Local monotonic time at which `window` has surely ended on the server (+ margin)."""
        assert window.end is not None
        low = self.server.low(now)
        assert low is not None
        at = window.end - low + self.margin
        if not window.confirmed and window.granted:
            # Assumed, never reported: a server whose window starts with its first request ends
            # it later than we guessed; wait for a response to say so, or one window more.
            at += self.window_seconds
        return at

    def last_grant_at(self, window: _Window, now: float) -> float:
        """Latest grant time whose request surely reaches the server before `window` could end."""
        assert window.end is not None
        high = self.server.high(now)
        assert high is not None
        return window.end - high - self.slowest_rtt - self.guard

    def grants_since(self, since: float) -> int:
        return sum(1 for t in self.grants if t >= since)

    def roll(self, now: float) -> None:
        """Start the next window of each bucket whose current one has surely ended."""
        if not self.synced:
            return
        low = self.server.low(now)
        assert low is not None  # (placed by the answer that synced)
        for window, length in ((self.minute, self.window_seconds), (self.day, _DAY)):
            end = window.end
            if end is None:
                continue
            # `refill_at`, written out: this runs for both windows on every grant, and is rarely true.
            refill = end - low + self.margin
            if not window.confirmed and window.granted:
                refill += self.window_seconds
            if now < refill:
                continue
            if length == _DAY:
                straddlers = self.grants_since(self.last_grant_at(window, now))
            else:
                straddlers, window.held = window.held, 0  # late grants not yet known to be in the old window
            server_now = now + low
            # After idling, skip whole windows; fixed windows follow each other back to back.
            skipped = max(0, math.floor((server_now - end) / length)) + 1
            window.end = end + skipped * length
            window.confirmed = length == _DAY  # UTC midnights are known, not assumed
            window.start(limit=self.per_minute if length != _DAY else self.per_day, granted=straddlers)

    # -- granting -------------------------------------------------------------------------------

    def delay(self, now: float, *, wait_for_day: bool, head: bool = True) -> tuple[float, WaitReason]:
        """Seconds until a token could be taken (0 when one can be taken now) and why.

        `head=False` asks for a waiter with others ahead of it: a last token held back for the
        head (see `sounding_at`) is not its to take.

        Raises:
            DailyQuotaExceededError: The day is spent and the caller won't wait for midnight.
        """
        self.roll(now)
        if not self.synced:
            return self._unsynced_delay(now, wait_for_day=wait_for_day)
        if self.day.available <= 0:
            wait = self.refill_at(self.day, now) - now
            if not wait_for_day:
                raise self.day_error(now)
            return wait, "day"
        if now < self.paused_until:
            return self.paused_until - now, "paused"
        late = now > self.last_grant_at(self.minute, now)
        if self.minute.available <= 0 or (late and self.minute.held >= self.minute.limit):
            return max(self.refill_at(self.minute, now) - now, 0.0), "minute"
        # Held only while more demand is visible (someone queued behind, or answers still to come
        # whose tasks may ask again): a last request with nobody after it goes at once.
        if self.minute.available == 1:
            at = self.sounding_at(now, demand=len(self.queue) > 1 or self.in_flight > 0)
            if at is not None and now < at:
                return (at - now if head else max(self.refill_at(self.minute, now) - now, 0.0)), "minute"
        return 0.0, "minute"

    def sounding_at(self, now: float, *, demand: bool) -> float | None:
        """When to send the minute window's last token so that its answer narrows the clock bracket.

        `demand`: more requests are in sight (someone queued behind, or answers still to come).
        None: don't hold it (tight already, or no demand and the bracket costs the window little:
        a last request with nothing after it goes at once). See "Sounding the server's clock"
        above.
        """
        low, high = self.server.low(now), self.server.high(now)
        if low is None or high is None or self.minute.end is None:
            return None
        rtt = min(self.rtts, default=0.0)
        tight = max(_TIGHT, 2 * rtt)
        if high - low <= tight:
            return None
        if not self.minute.confirmed and self.learn_window and not self.length_learned:
            # The window's end is only assumed, from the guessed length: its whole seconds may be
            # past the real end (a 1 s window's first `Reset` reads up to 2 s from `Date`), and
            # so may the assumed end itself. Held for a tick, the window's one token waited a
            # window more, in each window of a four-task run at 1 a second; the next answer
            # confirms the end, and two learn the length.
            return None
        if self.server.date_trusted and demand:  # (an untrusted `Date` cannot tighten the lower bound)
            aim = self._tick_aim(low, high, rtt=rtt, tight=tight)
            if aim is not None:
                at = _next_tick(now, aim)
                if at <= self.last_grant_at(self.minute, now):
                    return at
        # Sounding at the boundary waits at most what is left of the window.
        if demand:
            return self._boundary_sounding_at(low, high, rtt=rtt, tight=tight)
        # A sequential job (nothing queued or in flight between its requests, but a window it
        # has otherwise used) sounds too while the bracket costs each window more than
        # `_WORTH_SOUNDING` of it (a 1 s bracket in a 2 s window: every window opening half a
        # window late), holding its request back a second at most (or twice the bracket): more
        # is not worth it for a request that may be the job's last. Aimed by the wall clock, one
        # sounding that lands just after the tick or boundary places the windows, and it stops
        # once the wall clock agrees with the lower bound. (Halving the bracket a window at a
        # time would hold the last request of many windows, the job's own last one among them;
        # in long windows the bracket costs little, and the job's last request goes at once.)
        # (Before the length is learned or configured, the window's scale, not the 60 s guess: a
        # 1 s window's half-second bracket looked not worth sounding, which in turn kept its
        # length from being learned, a step being taken for one window only when the bracket
        # places its answer within half of it.)
        length = self.window_seconds if self.steps or not self.learn_window else self.window_scale()
        if self.minute.granted > 0 and high - low > _WORTH_SOUNDING * length:
            # The next whole second of the server's clock inside the window is under a second
            # away, and its `Date` sounds the same doubt as the window's end (the windows end on
            # the clock `Date` shows, or `date_trusted` is False): aimed like the boundary, one
            # tick places the windows. Before, a 5 s window's last token asked for more than a
            # second before its end went at once, and every later window opened up to a second
            # late (the bench's 5 s x 2 one-task cell: 1.02-1.08 by the phase). First come, first
            # taken: held for a tick, the request must not then be held again for the boundary.
            if self.server.date_trusted:
                tick = self._tick_sounding_at(now, low, high, rtt=rtt, tight=tight)
                if tick is not None and tick <= self.last_grant_at(self.minute, now):
                    return tick
            boundary = self._boundary_sounding_at(low, high, rtt=rtt, tight=tight)
            if boundary is not None and boundary - now <= max(1.0, 2 * (high - low)):
                return boundary
        return None

    def _tick_aim(self, low: float, high: float, *, rtt: float, tight: float) -> float | None:
        """The offset a tick sounding with more demand in sight aims at; None: nothing to sound.

        A sounding aimed at offset `a` answers `Date` one second short (`high' = a`, from
        `mark − sent_at`) or the mark itself (`low' = a − rtt`, from `mark − received_at`). While
        the bracket holds the local wall clock's offset well inside it, the aim is there, then just
        above it: two soundings place the windows when the clocks agree (servers run NTP), where
        halving from the first `Date`'s second took up to six windows, each window's last token
        waiting for a tick meanwhile, a job's last window among them (a five-window job at 2 s
        windows: 1.13 x T*). Landing on the wrong side of either aim takes the wall clock out of
        play for good (its thresholds are wider than the drift allowance grows in 1,000 s), and
        the aim is the offset that splits what the two answers leave.
        """
        guess = self.clock.time() - self.clock.monotonic()
        below = -tight <= low - guess <= 0  # the wall clock confirmed from below
        if low - guess < -tight and high - guess > tight:
            return guess
        if below and high - guess > 2 * tight:
            return guess + tight
        if below:
            return None
        return (low + high + rtt) / 2

    def _tick_sounding_at(self, now: float, low: float, high: float, *, rtt: float, tight: float) -> float | None:
        """When to send a request so that the server's clock passes a whole second as it arrives.

        Aimed by the local wall clock while it agrees with the bracket (as `_boundary_sounding_at`):
        landing after the tick, `Date` shows the new second and bounds the offset from below to
        a round trip; before it, the old second bounds it from above at the wall clock's reading.
        Else aimed at the bracket's midpoint, which halves it either way. None when the wall
        clock agrees with the lower bound (after the windows shortened, with both).
        """
        aim = self._sounding_aim(low, high, rtt=rtt, tight=tight)
        return None if aim is None else _next_tick(now, aim)

    def _boundary_sounding_at(self, low: float, high: float, *, rtt: float, tight: float) -> float | None:
        """When to send the window's last token at the window's end itself, to learn where it falls.

        For windows with no whole second left inside them to sound (every 1 s window: its `Date`
        ticks are its boundaries). The token is held in both windows (a late grant); its `Reset`
        says which one counted it: the next one bounds the offset from below to a round trip,
        which places every later window; this one bounds it from above. The local wall clock
        chooses the aim while it agrees with the bracket (on loopback and under NTP it is
        within milliseconds), else the bracket's midpoint: it only decides where to look,
        never when a window opens. None when the refill is already as early as the aim.
        """
        assert self.minute.end is not None
        aim = self._sounding_aim(low, high, rtt=rtt, tight=tight)
        return None if aim is None else self.minute.end - aim

    def _sounding_aim(self, low: float, high: float, *, rtt: float, tight: float) -> float | None:
        """The offset a sounding aims at: the local wall clock's while the bracket holds it, else
        the offset that splits what the two possible answers leave (see `_tick_aim`); None when
        there is nothing to sound (the wall clock agrees with the lower bound, or the bracket is
        tight already).

        (The bracket's midpoint alone left the lower side no narrower once the bracket was within
        a round trip of tight: a sequential job on a server 70 ms off the wall clock held every
        2 s window's last request for a tick, run after run, the drift allowance widening the
        bracket past tight again by the next window.) A wall clock on the bracket's upper bound
        is out of play: a sounding aimed there landed short of the tick.

        Confirmed from below, the wall clock is aimed just above too while the upper side is
        loose and the server has shortened its windows (`_length_in_doubt`), as `_tick_aim`
        does: once these soundings stopped at the lower side, the upper side stayed where the
        last `Date` left it, a second loose, and after a change from 2 s windows to 1 s ones no
        step of `Reset` was provably one window, the 2 s length kept for good. Not otherwise: a
        sounding just before a window's end spends its place late in the window, and under a
        counter lagging more than the margin's ceiling (31 ms behind 1 s windows) that place
        and the next window's first burst fell in one counted window, a 429 whose `Retry-After`
        lost the next window, and so every other window from then on (1.57 x the run of a
        fixed fiftieth, `test_a_learned_margin_costs_at_most_two_windows_more_than_a_fixed_fiftieth`).
        """
        guess = self.clock.time() - self.clock.monotonic()
        if low <= guess < high:
            if guess - low > tight:
                return guess
            return guess + tight if high - guess > 2 * tight and self._length_in_doubt() else None
        return None if high - low <= tight else (low + high + rtt) / 2

    def _length_in_doubt(self) -> bool:
        """Whether the server shortened its windows since their length was learned: a step of
        `Reset` shorter than the learned length was seen (a whole number of windows, so the
        windows are at most that long now) and none has proved it one window yet."""
        if not (self.learn_window and self.length_learned and self.raw_steps):
            return False
        return min(self.raw_steps) < self.window_seconds - 1e-3

    def _unsynced_delay(self, now: float, *, wait_for_day: bool) -> tuple[float, WaitReason]:
        if now < self.paused_until:
            return self.paused_until - now, "paused"
        if not self.answered:
            if self.probe_deadline is not None and now < self.probe_deadline:
                return self.probe_deadline - now, "minute"
            return 0.0, "minute"
        # Headers never came: no window to align to, so never more than the limit in any span
        # of `window_seconds` (which no fixed window, wherever it starts, can exceed).
        day, count = self.local_day
        today = math.floor(self.clock.time() / _DAY)
        if day == today and count >= self.per_day:
            if not wait_for_day:
                raise self.day_error(now)
            return (today + 1) * _DAY - self.clock.time() + self.margin, "day"
        horizon = self.window_seconds + self.guard
        recent = [t for t in self.grants if t > now - horizon]
        if len(recent) >= self.per_minute:
            return recent[-self.per_minute] + horizon - now, "minute"
        return 0.0, "minute"

    def take(self, now: float) -> None:
        """Take a token at `now`, right after `delay(now)` (which rolled the windows) said one is free."""
        grants = self.grants
        grants.append(now)
        horizon = 2 * self.window_seconds + self.guard + self.slowest_rtt
        stale, excess = 0, len(grants) - self.per_minute
        while stale < excess and grants[stale] < now - horizon:
            stale += 1
        if stale:
            del grants[:stale]
        self.in_flight += 1
        _PENDING.set(weakref.ref(self))
        if self.synced:
            self.minute.granted += 1
            self.day.granted += 1
            # Granted so late that the server may count it in the next window: hold a token of
            # that window too, until the answer says which window it landed in.
            late = now > self.last_grant_at(self.minute, now)
            if late:
                self.minute.held += 1
            assert self.minute.end is not None
            _TICKET.set(_Ticket(weakref.ref(self), self.minute.end, held=late, day_end=self.day.end))
            return
        if not self.answered:
            self.probe_deadline = now + min(self.window_seconds / 4, 10.0)
        today = math.floor(self.clock.time() / _DAY)
        day, count = self.local_day
        self.local_day = (today, count + 1 if day == today else 1)

    def day_error(self, now: float) -> DailyQuotaExceededError:
        if self.synced and self.day.end is not None:
            resets_at = datetime.datetime.fromtimestamp(self.day.end, datetime.UTC)
            retry_after = max(0.0, self.refill_at(self.day, now) - now)
        else:
            midnight = (math.floor(self.clock.time() / _DAY) + 1) * _DAY
            resets_at = datetime.datetime.fromtimestamp(midnight, datetime.UTC)
            retry_after = max(0.0, midnight - self.clock.time())
        return DailyQuotaExceededError(
            f"the daily quota of {self.day.limit} requests is spent; it resets at {resets_at:%Y-%m-%d %H:%M} UTC",
            resets_at=resets_at,
            retry_after=retry_after,
        )

    def wake_head(self) -> None:
        """Make the task at the head of the queue look again (the state changed under it)."""
        if self.head_scope is None:
            return
        scope, waiter = self.head_scope

        def cancel() -> None:
            with self.lock:
                if self.head_scope is not None and self.head_scope[0] is scope:
                    scope.cancel()

        if not waiter.call(cancel):
            self.head_scope = None  # its loop has ended: nobody sleeps there any more

    def wake_next(self) -> None:
        """Wake the new head of the queue, dropping waiters whose event loop has ended."""
        while self.queue and not self.queue[0].wake():
            del self.queue[0]

    # -- syncing --------------------------------------------------------------------------------

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        # (Comparisons, not max() and min(), here and in what this calls: it runs on every answer.)
        now = self.clock.monotonic()
        if now < received_at:
            now = received_at
        if _refers_to(_PENDING.get(), self):
            _PENDING.set(None)
        if self.in_flight > 0:
            self.in_flight -= 1
        self.answered = True
        rtt, rtts = received_at - sent_at, self.rtts
        if rtt < 0.0:
            rtt = 0.0
        rtts.append(rtt)
        slowest = self.slowest_rtt
        if rtt > slowest:
            slowest = rtt
        if len(rtts) > _RTT_SAMPLES and rtts.pop(0) >= slowest:
            slowest = max(rtts)  # the slowest just left the samples
        self.slowest_rtt = slowest
        status, raw_date, raw_reset = read_headers(headers)
        reconfigured = self._limit_changed(status)
        server_date = server_time(raw_date)
        date = server_date
        if date is None:
            # No `Date`: the local wall clock is all there is (the one case where its skew matters).
            date = math.floor(self.clock.time() - (now - received_at))
        reset, lengthened = self._vet_reset(reset_value(raw_reset), date)
        # A `Reset` believed only once repeated moved on because the windows got longer, not
        # because the old one ended: as with a changed limit, its move bounds no clock (a limit
        # change whose first answer's `Reset` was held back as suspect comes to this second one).
        reconfigured = reconfigured or lengthened
        if reconfigured and reset is not None:
            self.changed_end = reset
        if status_code == 429:
            # the server counts no 429: it must not cost a token for good
            self._give_back(widen=self._telling(reset, reconfigured=reconfigured))
        low, high = date - received_at, date + _DATE_SLACK - sent_at
        if server_date is None or not self._date_conflicts(low, high, now):
            self.server.constrain(now=now, low=low, high=high, date=True)
        if reset is not None:
            # The window ending at `reset` was open when the server wrote this answer: it had
            # not yet ended, and it had begun, at most the longest recent step before `reset`
            # (a window just lengthened is still learned as the shorter one). Until two steps in
            # a row agree, even that may be the step across a change of windows (4 s from 1 s
            # windows to 5 s ones): then the floor is no later than what `Date` says.
            steps = self.raw_steps
            longest = self.window_seconds
            for step in steps:
                if step > longest:
                    longest = step
            floor = reset - longest - received_at
            if (len(steps) < 2 or abs(steps[-1] - steps[-2]) > 1e-3) and date - received_at < floor:
                floor = date - received_at
            self.server.cap(now=now, high=reset - sent_at, floor=floor)
            if self.first_span is None:
                self.first_span = max(0.0, reset - date) + _DATE_SLACK
                self.remargin()
            bound = self.server.high(now)
            latest = date + _DATE_SLACK if bound is None else min(date + _DATE_SLACK, received_at + bound)
            self._learn_window(reset, latest)
        if status is not None:
            self._sync_minute(
                status,
                reset,
                received_at=received_at,
                now=now,
                counted=status_code != 429,
                reconfigured=reconfigured,
            )
            self._sync_day(status, date, received_at=received_at, now=now)
            self._keep_status(status, reset)
        if status_code == 429:
            self._pause(headers, received_at=received_at, now=now)
        self.wake_head()

    def _limit_changed(self, status: RateLimitStatus | None) -> bool:
        """Whether the server's limit differs from its last answer's: it may have changed its windows too.

        Then the `Reset` steps seen so far say nothing of the new windows (the step across the
        change can be anything, even the old length): they are forgotten, and the new `Reset` is
        no proof that the old window ended (see `observe` and `_sync_minute`).
        """
        limit = None if status is None else status.limit
        if limit is None:
            return False
        changed = self.limit_seen is not None and limit != self.limit_seen
        self.limit_seen = limit
        if changed:
            self.steps = self.raw_steps = ()
            self.remargin()
        return changed

    def _telling(self, reset: float | None, *, reconfigured: bool) -> bool:
        """Whether what an answer naming `reset` counts can widen the margin (see `_widen_margin`).

        Not in the window a change of limits (or of length) was seen in, nor in the window's
        length after it: there the server counts what the old window had, refuses grants paced
        by the old limit, and, while a shortened window is still paced as the old length, counts
        in windows other than those our grants were charged to, in answers to requests still in
        flight as well. That is the change, not a counter behind the clock. (Bounded in time, not
        by the new length being learned: against a lagging counter that may take long, and the
        margin must widen meanwhile, or every window's first request is refused.)
        """
        if reconfigured:
            return False
        changed_end = self.changed_end
        return changed_end is None or reset is None or reset > changed_end + self.window_seconds

    def _give_back(self, *, widen: bool) -> None:
        """This task's grant was answered 429, which the server does not count: return its tokens
        (and widen the margin, if `widen`)."""
        ticket = _TICKET.get()
        if ticket is None or not _refers_to(ticket.core, self):
            if not self.synced:
                index, count = self.local_day
                self.local_day = (index, max(0, count - 1))
            return
        _TICKET.set(None)  # settled: no hold left to release
        if widen:  # refused though granted (the limits unchanged): our pacing may run ahead of the counter
            self._widen_margin()
        minute, today = self.minute, self.day
        if minute.end == ticket.end:
            minute.granted = max(0, minute.granted - 1)
            if ticket.held:
                minute.held = max(0, minute.held - 1)
        elif ticket.held and minute.end is not None and minute.end > ticket.end:
            minute.granted = max(0, minute.granted - 1)  # its held token became a grant of this window
        if ticket.day_end is not None and today.end == ticket.day_end:
            today.granted = max(0, today.granted - 1)

    def _widen_margin(self) -> None:
        """Double the margin, up to its ceiling (see `_MARGIN_SHARE`): the server counted
        otherwise than our pacing assumed."""
        if self.margin_doublings < _MARGIN_DOUBLINGS:
            self.margin_doublings += 1
            self.remargin()

    def _vet_reset(self, reset: float | None, date: float) -> tuple[float | None, bool]:
        """`Reset` in Unix seconds when it is believable (None when it says nothing we may use),
        and whether it was believed as a repeated one: the server's window is longer.

        Milliseconds and seconds-until-reset are read as such. A `Reset` further ahead of `Date`
        than a window (plus `Date`'s coarseness) is a lie or a longer window: it is believed
        once a second answer repeats it (the window's length is then learned from it), so one
        bad header moves nothing.
        """
        if reset is None:
            return None, False
        if reset > _RESET_MILLIS:
            reset /= 1000.0
        elif reset < _RESET_DELTA:
            reset += date
        span = reset - date
        suspect = self.suspect_reset
        if suspect is not None and abs(suspect[0] - reset) < 1.0 and self.learn_window:
            # Repeated, even by an answer written nearer its end (a 429 just before it): the
            # window is longer, at least the span it was first seen at.
            self.suspect_reset = None
            longer = max(suspect[1], span)
            if longer > self.window_seconds + 2 * _DATE_SLACK:
                logger.info(
                    "rate limiter: the server's window is longer than %gs; now %gs", self.window_seconds, longer
                )
                self.window_seconds, self.length_learned = longer, True
                self.steps = self.raw_steps = ()
                self.remargin()
            return reset, True
        if span <= self.window_seconds + 2 * _DATE_SLACK:
            self.suspect_reset = None
            return reset, False
        if suspect is None:
            logger.info("rate limiter: ignoring an X-RateLimit-Reset %.0fs ahead of the server's Date", span)
        self.suspect_reset = (reset, span)
        return None, False

    def _learn_window(self, reset: float, latest: float) -> None:
        """Learn the window's length from how far the server's `Reset` moves on (the shortest recent step).

        A step is a whole number of windows; it is one window when the answer that shows it came
        (`latest`: the latest server time it can have been written at) less than half a step
        after the old window's end (two or more would put it at least one whole window past),
        so only such steps count.
        """
        last = self.last_reset
        if last is not None and reset > last + 0.5:
            self.raw_steps = (*self.raw_steps[1 - _STEPS :], reset - last)
            self.remargin()
        if last is not None and reset > last + 0.5 and latest - last < (reset - last) / 2:
            self.steps = (*self.steps[1 - _STEPS :], reset - last)
            if self.learn_window:
                self.length_learned = True
                length = min(self.steps)
                if length != self.window_seconds:
                    logger.info("rate limiter: the server's window is %gs long", length)
                    self.window_seconds = length
                    self.remargin()
        if last is None or reset > last:
            self.last_reset = reset

    def _date_conflicts(self, low: float, high: float, now: float) -> bool:
        """Whether this `Date` contradicts the clock bracket by more than its coarseness (then unused).

        A stale or skewed `Date` on one answer is dropped; when the last `_DATE_CONFLICTS` all
        contradict the bracket, the server's clock moved: the bracket starts over from them.
        """
        current_low, current_high = self.server.low(now), self.server.high(now)
        if current_low is None or current_high is None or not self.server.date_trusted:
            return False
        if low <= current_high + _DATE_SLACK and high >= current_low - _DATE_SLACK:
            self.date_conflicts = ()
            return False
        self.date_conflicts = (*self.date_conflicts, (low, high))
        if len(self.date_conflicts) < _DATE_CONFLICTS:
            return True
        logger.info("rate limiter: the server's Date moved; re-learning where its windows sit")
        lows, highs = zip(*self.date_conflicts, strict=True)
        self.date_conflicts = ()
        self.server = _ServerClock()
        self.server.constrain(now=now, low=min(lows), high=max(highs), date=True)
        return True

    def abandon(self) -> None:
        if not _refers_to(_PENDING.get(), self):
            return
        _PENDING.set(None)
        self.in_flight = max(0, self.in_flight - 1)
        # Its tokens stay spent, and a held token of the next window stays held (it becomes a
        # grant of that window when it begins): the server may have counted the request in either.
        # Counted as unanswered, they come back if the server's count later shows it never had it.
        ticket = _TICKET.get()
        if ticket is not None and _refers_to(ticket.core, self):
            _TICKET.set(None)
            if self.minute.end == ticket.end:
                self.minute.abandoned += 1
            if ticket.day_end is not None and self.day.end == ticket.day_end:
                self.day.abandoned += 1
        if not self.answered:
            self.probe_deadline = None  # the probe got no answer: the next request may probe at once
        self.wake_head()  # a last token held back for answers still to come may go now

    def _first_sync(self, now: float, *, counted: bool) -> None:
        self.synced = True
        self.probe_deadline = None
        self.local_day = _NO_DAY  # (only read while unsynced)
        # Whatever is still in flight may yet be counted by the server in these windows.
        pending = self.in_flight + int(counted)  # + the request being observed, unless a 429
        self.minute.granted = self.day.granted = pending

    def _release_hold(self, reset: float | None) -> None:
        """The answer to a late grant says which window counted it; free the other window's token."""
        ticket = _TICKET.get()
        if ticket is None or not _refers_to(ticket.core, self) or not ticket.held or reset is None:
            return
        ticket.held = False
        window = self.minute
        if reset > ticket.end:
            if not window.confirmed and window.end == ticket.end:
                # The window it was charged to was only assumed, and the server's is the one it
                # landed in (this answer re-dates it): charged there once, it holds nothing next.
                window.held = max(0, window.held - 1)
            return  # otherwise it landed in the next window: the held token was really spent
        if window.end is not None and window.end > ticket.end:
            window.granted = max(0, window.granted - 1)  # the next window has begun: give it back there
        else:
            window.held = max(0, window.held - 1)

    def _sync_minute(
        self,
        status: RateLimitStatus,
        reset: float | None,
        *,
        received_at: float,
        now: float,
        counted: bool,
        reconfigured: bool,
    ) -> None:
        window = self.minute
        if self.learn_minute and status.limit is not None and status.limit >= 1:
            self.per_minute = status.limit
            if reset is None and self.synced and not window.confirmed:
                # A `Reset` we could not believe (a longer window, or a lie) says nothing of
                # where the window is, but `Limit` still holds: enough requests to repeat it.
                window.limit = self.per_minute
        if reset is None:
            return
        if self.synced:
            self._release_hold(reset)
        if not self.synced:
            self._first_sync(now, counted=counted)
            window.end, window.confirmed = reset, True
            window.limit = self.per_minute
            self.day.end = None
        elif window.end is None or reset > window.end:
            if window.confirmed and window.end is not None:
                if not reconfigured:
                    # The server has passed the end of the window we knew: an exact clock bound.
                    # Not so when its limit changed too: a server that changes its windows (a
                    # longer one) moves `Reset` on without passing the old end, and a bound a
                    # second ahead of its clock refills early until a 429 contradicts it.
                    self.server.constrain(now=now, low=window.end - received_at)
                window.start(limit=self.per_minute, granted=window.held)
            window.end, window.confirmed = reset, True
        elif reset < window.end:
            if window.confirmed and reset <= window.end - self.window_seconds + 0.5:
                return  # an older window's answer, overtaken in flight: nothing about this one
            # Our assumed end was wrong, or the server shortened its window mid-way: the server's rules.
            if window.confirmed:
                # A window the server named ends earlier now: the steps seen are of the old windows.
                self.raw_steps = self.steps = ()
                self.remargin()
                self.last_reset = reset
            # (An end we only assumed says nothing of the server's steps, and this answer's step
            # is learned already: forgetting the steps here, on every answer, kept the windows
            # seen since from counting towards the new length.)
            window.end, window.confirmed = reset, True
        else:
            window.confirmed = True
        if (
            status.remaining is not None
            and window.sync(
                remaining=status.remaining, limit=status.limit, learn=self.learn_minute, in_flight=self.in_flight
            )
            and counted  # (a 429 is one sign already)
            and self._telling(reset, reconfigured=reconfigured)
        ):
            # Requests we did not send: another client, or a counter still in the window before
            # (running behind the clock that wrote `Reset`), which a wider margin waits out.
            self._widen_margin()

    def _sync_day(self, status: RateLimitStatus, date: float, *, received_at: float, now: float) -> None:
        window = self.day
        if not self.synced:
            return
        if self.learn_day and status.limit_day is not None and status.limit_day >= 1:
            self.per_day = status.limit_day
        day_end = (math.floor(date / _DAY) + 1) * _DAY
        if window.end is None:
            window.end, window.confirmed = day_end, True
            window.limit = self.per_day
        elif day_end > window.end:
            self.server.constrain(now=now, low=window.end - received_at)
            straddlers = self.grants_since(self.last_grant_at(window, now))
            window.end = day_end
            window.start(limit=self.per_day, granted=straddlers)
        elif day_end < window.end:
            return  # yesterday's answer
        if status.remaining_day is not None:
            window.sync(
                remaining=status.remaining_day, limit=status.limit_day, learn=self.learn_day, in_flight=self.in_flight
            )

    def _keep_status(self, status: RateLimitStatus, reset: float | None) -> None:
        current = self.status
        newer = current is None or current.reset is None or reset is None or reset > current.reset
        lower = (
            current is not None
            and reset == current.reset
            and (current.remaining is None or (status.remaining is not None and status.remaining <= current.remaining))
        )
        if newer or lower:
            self.status = status

    def _pause(self, headers: httpx.Headers, *, received_at: float, now: float) -> None:
        retry_after = parse_retry_after(headers, now=self.clock.time())
        if retry_after is None:
            if self.synced and self.minute.end is not None:
                retry_after = max(0.0, self.refill_at(self.minute, now) - received_at)
            else:
                retry_after = self.window_seconds
        # No real pause outlasts the day's quota: a longer one (an HTTP date in year 9999) would
        # stop the key for good over one bad header.
        retry_after = min(retry_after, max(_DAY, self.window_seconds))
        # Counted from the answer's arrival, the latest moment the server could have said it.
        self.paused_until = max(self.paused_until, received_at + retry_after + self.margin)


class _Registry:
    """The per-process limiters by `(key digest, base URL)`, holding only the ones still of use.

    A limiter lives as long as a client (a `RateLimiter` handle) uses it, through a weak
    reference, and the `_RECENT` most recently shared stay a while after their last client is
    gone, so that a 429 pause or a spent window carries over to the key's next client. A
    process that serves 100,000 keys over a day holds the live ones and those few.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cores: weakref.WeakValueDictionary[tuple[str, str], _Core] = weakref.WeakValueDictionary()
        # A plain dict (insertion-ordered), not an OrderedDict: its entries are about half the size.
        self._recent: dict[tuple[str, str], _Core] = {}

    def __len__(self) -> int:
        return len(self._cores)

    def get_or_add(self, key: tuple[str, str], fresh: _Core) -> _Core:
        """The key's limiter when one lives on the same clock, else `fresh` (registered)."""
        with self._lock:
            core = self._cores.get(key)
            if core is None or not _same_clock(core.clock, fresh.clock):
                core = fresh
                self._cores[key] = core
            self._recent.pop(key, None)
            self._recent[key] = core  # (now the newest)
            while len(self._recent) > _RECENT:
                del self._recent[next(iter(self._recent))]
            return core


_RECENT: Final = 256
_REGISTRY: Final = _Registry()


def _same_clock(a: Clock, b: Clock) -> bool:
    # Every client makes its own SystemClock; they all read the same time.
    return a is b or (type(a) is SystemClock and type(b) is SystemClock)


class RateLimiter:
    """The default throttle: two server-aligned token buckets, synced from every response.

    One `RateLimiter` per key and base URL per process (`RateLimiter.shared`) makes every client
    of that key draw from one budget. See the module docstring for how it stays within the
    server's windows.

    Args:
        per_minute: Requests per window (the API's `X-RateLimit-Limit`; the lower of this and
            what the server reports is used).
        per_day: Requests per UTC day.
        window_seconds: Length of the "minute" window (60 on the real API).
        clock: Where time is read and slept (tests pass a `FakeClock`).
        hooks: Receive a `ThrottleWait` event each time a request has to wait.
        wait_for_daily_reset: When the day is spent, sleep until UTC midnight instead of raising
            `DailyQuotaExceededError`.
        safety_margin: Seconds added after each server boundary before refilling, against
            server-side clock differences (load balancers) and scheduling delays. None (the
            default): a two-hundredth of the window, doubled up to a fiftieth by each 429
            answered to a grant and each answer counting requests not granted here, at most
            0.25 s (5 to 20 ms in 1 s windows).
        max_wait: The longest 429 pause (`Retry-After`) worth waiting out; `acquire()` raises
            `RateLimitError` at once when more of it remains. None waits out any pause (pauses
            are capped at a day).

    Example:
        limiter = RateLimiter.shared(api_key, base_url)
        await limiter.acquire()
        sent_at = clock.monotonic()
        response = await http.send(request)
        limiter.observe(status_code=response.status_code, headers=response.headers,
                        sent_at=sent_at, received_at=clock.monotonic())
    """

    def __init__(
        self,
        *,
        per_minute: int | None = None,
        per_day: int | None = None,
        window_seconds: float | None = None,
        clock: Clock | None = None,
        hooks: Sequence[Hook] = (),
        wait_for_daily_reset: bool = False,
        safety_margin: float | None = None,
        max_wait: float | None = None,
    ) -> None:
        if max_wait is not None and not max_wait >= 0:
            raise ValueError("max_wait must be a non-negative number of seconds or None")
        self._core = _Core(
            per_minute=per_minute,
            per_day=per_day,
            window_seconds=window_seconds,
            clock=clock if clock is not None else _SYSTEM_CLOCK,
            safety_margin=safety_margin,
        )
        self._hooks = tuple(hooks)
        self._wait_for_daily_reset = wait_for_daily_reset
        self._max_wait = max_wait
        self._digest: str | None = None

    @classmethod
    def shared(cls, api_key: str, base_url: str, **options: Any) -> RateLimiter:
        """The limiter of `(api_key, base_url)` in this process, created on first use.

        Every call returns a handle on the same budget; `hooks`, `wait_for_daily_reset` and
        `max_wait` are per handle, the limits are the key's. A different injected clock (a test's `FakeClock`)
        starts a fresh budget.

        Raises:
            ValueError: The key is already shared here with other limits.
        """
        hooks: Sequence[Hook] = options.pop("hooks", ())
        wait = bool(options.pop("wait_for_daily_reset", False))
        max_wait: float | None = options.pop("max_wait", None)
        handle = cls(hooks=hooks, wait_for_daily_reset=wait, max_wait=max_wait, **options)
        digest = key_digest(api_key)
        registry_key = (digest, base_url.rstrip("/"))
        fresh = handle._core
        core = _REGISTRY.get_or_add(registry_key, fresh)
        if core is not fresh:
            mine = (*core.configured, core.configured_margin)
            theirs = (*fresh.configured, fresh.configured_margin)
            if mine != theirs:
                raise ValueError(f"this key is already rate-limited here with other limits {mine}, not {theirs}")
            handle._core = core
        handle._digest = digest
        return handle

    async def acquire(self) -> None:
        """Wait (FIFO) until one token is free in both buckets and the key is not paused; take it.

        A task cancelled while waiting takes nothing and keeps nobody else waiting.

        Raises:
            DailyQuotaExceededError: At once when the day is spent (unless built with
                `wait_for_daily_reset=True`); nothing was sent.
            RateLimitError: At once when a 429 paused the key for longer than `max_wait`
                (`.retry_after`: the rest of the pause); nothing was sent.
        """
        core = self._core
        clock = core.clock
        with core.lock:
            if not core.queue:
                now = clock.monotonic()
                delay, _ = core.delay(now, wait_for_day=self._wait_for_daily_reset)
                if delay <= 0:
                    core.take(now)
                    return
            waiter = _Waiter()
            core.queue.append(waiter)
        reported: WaitReason | None = None
        try:
            # Inside the `try`: a refusal here must not leave the waiter queued for good.
            with core.lock:
                now = clock.monotonic()
                delay, reason = core.delay(now, wait_for_day=self._wait_for_daily_reset, head=core.queue[0] is waiter)
            if delay > 0:
                self._refuse_long_pause(delay, reason)
                emit(self._hooks, ThrottleWait(delay, reason))
                reported = reason
            while True:
                with core.lock:
                    head = core.queue[0] is waiter
                    if head:
                        now = clock.monotonic()
                        delay, reason = core.delay(now, wait_for_day=self._wait_for_daily_reset)
                        if delay <= 0:
                            core.take(now)
                            return
                if not head:
                    await waiter.event.wait()
                    continue
                self._refuse_long_pause(delay, reason)
                if reason != reported:
                    emit(self._hooks, ThrottleWait(delay, reason))
                    reported = reason
                with anyio.CancelScope() as scope:
                    with core.lock:
                        core.head_scope = (scope, waiter)
                    await clock.sleep(delay)
                with core.lock:
                    if core.head_scope is not None and core.head_scope[0] is scope:
                        core.head_scope = None
        finally:
            # Granted, refused or cancelled: leave the queue and let the next waiter look.
            # No await happens between taking a token and returning, so a cancellation can
            # never land after the take.
            with core.lock:
                was_head = bool(core.queue) and core.queue[0] is waiter
                if was_head:
                    core.head_scope = None
                if waiter in core.queue:  # (gone when another thread found its loop ended)
                    core.queue.remove(waiter)
                if was_head:
                    core.wake_next()

    def _refuse_long_pause(self, delay: float, reason: WaitReason) -> None:
        """Raise rather than wait out a 429 pause longer than this handle's `max_wait`."""
        # The margin is ours, not the server's: a `Retry-After` of exactly `max_wait` is waited out.
        if reason == "paused" and self._max_wait is not None and delay - self._core.margin > self._max_wait:
            raise RateLimitError(
                f"the key is paused after a 429 for another {delay:.1f}s, longer than max_wait={self._max_wait:g}s;"
                " nothing was sent",
                retry_after=delay,
            )

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        """Sync from one response.

        Args:
            status_code: The response's HTTP status; a 429 pauses the key for `Retry-After`.
            headers: The response's headers (`X-RateLimit-*`, `Date`, `Retry-After`).
            sent_at: `clock.monotonic()` just before sending.
            received_at: `clock.monotonic()` when the response arrived.
        """
        core = self._core
        with core.lock:
            core.observe(status_code=status_code, headers=headers, sent_at=sent_at, received_at=received_at)

    def abandon(self) -> None:
        """The request granted last in this task got no response (an error, a timeout, a cancellation).

        Its tokens stay spent (the server may have counted it); it no longer counts as an answer
        still to come. A no-op when that grant was already observed or abandoned.
        """
        core = self._core
        with core.lock:
            core.abandon()

    @property
    def status(self) -> RateLimitStatus | None:
        """The latest server-reported snapshot (newest window; out-of-order answers don't roll it back)."""
        return self._core.status

    @property
    def estimate(self) -> ThrottleEstimate:
        """The limiter's current belief: tokens left in each bucket, time to refill, pause, queue."""
        core = self._core
        with core.lock:
            return self._estimate(core)

    @staticmethod
    def _estimate(core: _Core) -> ThrottleEstimate:
        now = core.clock.monotonic()
        core.roll(now)
        paused_for = max(0.0, core.paused_until - now)
        if not core.synced or core.minute.end is None or core.day.end is None:
            return ThrottleEstimate(False, None, None, None, None, paused_for, len(core.queue))
        return ThrottleEstimate(
            synced=True,
            minute_remaining=core.minute.available,
            minute_resets_in=max(0.0, core.refill_at(core.minute, now) - now),
            day_remaining=core.day.available,
            day_resets_in=max(0.0, core.refill_at(core.day, now) - now),
            paused_for=paused_for,
            waiting=len(core.queue),
        )

    def __repr__(self) -> str:
        core = self._core
        key = f", key=sha256:{self._digest[:12]}" if self._digest else ""
        return (
            f"RateLimiter(per_minute={core.per_minute}, per_day={core.per_day}, "
            f"window_seconds={core.window_seconds}{key})"
        )


class NoThrottle:
    """A throttle that never waits: it only records the latest rate-limit snapshot.

    For callers who pace requests themselves; 429s then reach the caller (or its retries).
    """

    def __init__(self) -> None:
        self._status: RateLimitStatus | None = None

    async def acquire(self) -> None:
        """Return at once."""

    def observe(self, *, status_code: int, headers: httpx.Headers, sent_at: float, received_at: float) -> None:
        """Remember the response's rate-limit headers."""
        status = parse_rate_limit_headers(headers)
        if status is not None:
            self._status = status

    def abandon(self) -> None:
        """Nothing to release."""

    @property
    def status(self) -> RateLimitStatus | None:
        """The latest snapshot."""
        return self._status

    def __repr__(self) -> str:
        return "NoThrottle()"
