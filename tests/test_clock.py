"""The fake clock that every time-dependent test relies on."""

from __future__ import annotations

import anyio
import anyio.lowlevel
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


async def test_wait_all_tasks_blocked_returns_once_every_other_task_is_blocked() -> None:
    """Tasks that keep waking each other (an event passed along a chain, each link with a few
    checkpoints of its own) have all run to their end, or to an await nobody will wake, when it
    returns; a task blocked for good does not keep it waiting."""
    from flick_async.testing import wait_all_tasks_blocked

    done: list[int] = []
    never = anyio.Event()
    events = [anyio.Event() for _ in range(21)]

    async def link(i: int) -> None:
        await events[i].wait()
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
        done.append(i)
        events[i + 1].set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(never.wait)
        for i in range(20):
            tg.start_soon(link, i)
        events[0].set()
        await wait_all_tasks_blocked()
        assert done == list(range(20))
        tg.cancel_scope.cancel()


async def test_two_tasks_waiting_for_the_rest_to_block_both_return() -> None:
    """A test's own wait beside `run_autojump`'s: each sees the other as blocked, so neither waits
    for the other for good (two tasks polling with `sleep(0)` would)."""
    from flick_async.testing import wait_all_tasks_blocked

    clock = FakeClock(start=1_000_000.0, monotonic_start=0.0)
    woke: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(5.0)
        woke.append(clock.monotonic())

    async with anyio.create_task_group() as tg:  # (a livelock is failed by pytest-timeout)
        tg.start_soon(clock.run_autojump)
        for _ in range(3):
            await wait_all_tasks_blocked()
        tg.start_soon(sleeper)
        await wait_all_tasks_blocked()
        await clock.sleep(10.0)
        tg.cancel_scope.cancel()
    assert woke == [5.0]
