"""Events the client reports to hooks and to the `flick_async` logger.

Retries and throttle waits are observable the same way: pass `hooks=[callable]` to
`AsyncFlick`, and every event is also logged on `logging.getLogger("flick_async")`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import attrs

from ._errors import FlickError
from ._logging import sdk_logger

__all__ = ["Event", "Hook", "RetryScheduled", "ThrottleWait", "emit", "logger"]

logger = sdk_logger("flick_async")  # masks keys before any handler sees a record


@attrs.frozen
class Event:
    """Base class of hook events."""


@attrs.frozen
class RetryScheduled(Event):
    """A request failed and will be retried after `delay` seconds.

    Attributes:
        method: The HTTP method.
        path: The request path (no query string, no credentials).
        attempt: The attempt that failed, from 1.
        delay: Seconds until the next attempt.
        error: What went wrong.
    """

    method: str
    path: str
    attempt: int
    delay: float
    error: FlickError


@attrs.frozen
class ThrottleWait(Event):
    """A request waits for the rate limiter before it is sent.

    Attributes:
        delay: Expected seconds of waiting.
        reason: `"minute"` or `"day"` (a bucket is empty), or `"paused"` (a 429 paused the key).
    """

    delay: float
    reason: Literal["minute", "day", "paused"]


Hook = Callable[[Event], None]


def emit(hooks: Sequence[Hook], event: Event) -> None:
    """Log `event` and hand it to every hook."""
    if isinstance(event, RetryScheduled):
        logger.info(
            "retrying %s %s in %.2fs (attempt %d failed: %s)",
            event.method,
            event.path,
            event.delay,
            event.attempt,
            event.error,
        )
    elif isinstance(event, ThrottleWait):
        logger.info("throttled: waiting %.2fs (%s)", event.delay, event.reason)
    for hook in hooks:
        hook(event)
