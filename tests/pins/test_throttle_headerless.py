"""A server that sends no rate-limit headers: the limiter falls back to a sliding window (issue #16).

No window to align to, so the promise is the strongest one: never more than `per_minute` grants
in any span of `window_seconds`, whatever the pattern of bursts and idle gaps (grants older than
the window are forgotten, the recent ones never). Seeded, on the fake clock.
"""

from __future__ import annotations

import anyio
import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock

# (idle seconds before the burst, requests in the burst)
bursts = st.lists(st.tuples(st.sampled_from([0.0, 0.5, 3.0, 9.0, 19.0, 25.0, 61.0]), st.integers(1, 7)), max_size=8)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(per_minute=st.integers(1, 5), plan=bursts)
def test_no_span_of_the_window_ever_holds_more_than_the_limit(per_minute: int, plan: list[tuple[float, int]]) -> None:
    """Bursts after idle gaps of any length: every window-long span holds at most `per_minute` grants."""
    window = 10.0

    async def run() -> list[float]:
        clock = FakeClock()
        limiter = RateLimiter(clock=clock, per_minute=per_minute, window_seconds=window, safety_margin=0.0)
        granted: list[float] = []

        async def one() -> None:
            await limiter.acquire()
            now = clock.monotonic()
            granted.append(now)
            limiter.observe(status_code=200, headers=httpx.Headers(), sent_at=now, received_at=now)

        async with anyio.create_task_group() as tg:
            tg.start_soon(clock.run_autojump)
            for idle, size in plan:
                await clock.sleep(idle)
                async with anyio.create_task_group() as burst:
                    for _ in range(size):
                        burst.start_soon(one)
            tg.cancel_scope.cancel()
        return granted

    granted = anyio.run(run)
    assert len(granted) == sum(size for _, size in plan)
    for start in granted:
        assert sum(1 for t in granted if start <= t < start + window) <= per_minute, (start, granted)
