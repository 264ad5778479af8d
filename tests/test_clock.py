"""The fake clock that every time-dependent test relies on."""

from __future__ import annotations

import anyio
import pytest

from flick_async.testing._clock import FakeClock


async def test_autojump_wakes_sleepers_at_their_deadlines() -> None:
    """Sleepers wake in deadline order at exactly their deadlines, with no real waiting."""
    clock = FakeClock(start=1_000_000.0, monotonic_start=0.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(clock.run_autojump)
        async with anyio.create_task_group() as inner:
            inner.start_soon(sleeper, "slow", 3600.0)
            inner.start_soon(sleeper, "fast", 30.0)
        tg.cancel_scope.cancel()
    assert woke == [("fast", 30.0), ("slow", 3600.0)]
    assert clock.time() == 1_003_600.0


def test_advance_refuses_to_go_backwards() -> None:
    """Time only moves forward."""
    with pytest.raises(ValueError, match="forward"):
        FakeClock().advance(-1.0)


def test_wall_clock_can_jump_without_moving_monotonic_time() -> None:
    """A wall-clock jump (NTP) leaves monotonic time alone."""
    clock = FakeClock(start=500.0, monotonic_start=10.0)
    clock.set_wall_time(100.0)
    assert (clock.time(), clock.monotonic()) == (100.0, 10.0)


async def test_run_awaits_a_call_while_time_jumps_and_unwraps_its_error() -> None:
    """`run` returns what the call returns after fake hours, and re-raises its error as itself."""
    clock = FakeClock(start=0.0, monotonic_start=0.0)

    async def slow() -> str:
        await clock.sleep(3 * 3600)
        return "done"

    async def failing() -> None:
        await clock.sleep(60)
        raise LookupError("missing")

    assert await clock.run(slow) == "done"
    assert clock.monotonic() == 3 * 3600
    with pytest.raises(LookupError, match="missing"):
        await clock.run(failing)
    assert clock.monotonic() == 3 * 3600 + 60
