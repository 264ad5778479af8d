"""A queued task whose event loop ended without unwinding it never blocks the key (issue #16).

The module docstring promises that a waiter whose loop has ended is dropped instead of blocking the
queue: an asyncio loop closed with the task still pending (a thread that gave up on it) leaves the
waiter in the shared queue, and the grant ahead of it must wake the next task instead.
"""

from __future__ import annotations

import asyncio
import threading

import anyio

from flick_async._throttle import RateLimiter
from flick_async.testing import FakeClock, wait_all_tasks_blocked


def queue_in_a_loop_that_is_then_closed(limiter: RateLimiter) -> asyncio.Task[None]:
    """In a thread of its own, queue one `acquire()` on an asyncio loop, then close the loop under it."""
    tasks: list[asyncio.Task[None]] = []

    def thread() -> None:
        loop = asyncio.new_event_loop()
        before = limiter.estimate.waiting
        tasks.append(loop.create_task(limiter.acquire()))
        while limiter.estimate.waiting == before:
            loop.run_until_complete(asyncio.sleep(0))
        loop.close()  # the task is still pending: nothing unwinds it

    worker = threading.Thread(target=thread)
    worker.start()
    worker.join()
    return tasks[0]


async def test_a_waiter_whose_loop_was_closed_is_dropped_and_the_next_one_woken() -> None:
    """Three waiters behind a lost probe: the head, one in a closed loop, one here. When the head is granted,
    the closed loop's waiter leaves the queue and the third becomes the head: only it is still waiting."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    await limiter.acquire()  # the probe: no answer within the test, so the others wait up to 10 s
    async with anyio.create_task_group() as tg:
        tg.start_soon(limiter.acquire)  # the head
        await wait_all_tasks_blocked()
        stranded = queue_in_a_loop_that_is_then_closed(limiter)
        tg.start_soon(limiter.acquire)
        await wait_all_tasks_blocked()
        assert limiter.estimate.waiting == 3
        clock.advance(10.0)  # the probe is given up: the head is granted
        await wait_all_tasks_blocked()
        assert limiter.estimate.waiting == 1  # the third, now the head, waiting for the next probe
        tg.cancel_scope.cancel()
    assert not stranded.done()
    # Its loop is gone, so it never finishes: unwind its coroutine here, and spare the interpreter's
    # "destroyed but pending" log at exit (asyncio's own switch for a task it cannot finish).
    stranded.get_coro().close()
    stranded._log_destroy_pending = False  # type: ignore[attr-defined]
