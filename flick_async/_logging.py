"""`FLICK_LOG=info|debug`: print the `flick_async` logger's records on stderr, as `OPENAI_LOG` does.

Everything the SDK logs goes to the logger `flick_async` (configure it as any other logger; this
switch is for when you cannot touch the application's logging). By level:

- `warning`: what the SDK stopped or worked around (a pagination walk cut short, Redis down).
- `info`: every retry (method, path, delay, the error) and every throttle wait (delay, reason),
  and what the rate limiter re-learned.
- `debug`: every attempt's answer (method, URL, status, time) and pagination details.

The key never reaches a record: the SDK logs URLs and errors, never request headers, and the
handler installed here also masks anything shaped like a key (`flick_sk_…`) as a last line.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from typing import TextIO

from ._errors import ValidationError

__all__ = ["configure_from_environment"]

_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
_KEY = re.compile(r"flick_sk_[A-Za-z0-9_\-]+")
_FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

_lock = threading.Lock()
_handler: logging.Handler | None = None


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "flick_sk_" in message:
            record.msg = _KEY.sub("flick_sk_<redacted>", message)
            record.args = None
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the time (test runners and notebooks swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_from_environment() -> None:
    """Apply `FLICK_LOG` (read at each client's construction; unset or empty leaves logging alone).

    Raises:
        ValidationError: `FLICK_LOG` is set to something other than `info` or `debug`.
    """
    global _handler
    raw = os.environ.get("FLICK_LOG", "")
    value = raw.strip().lower()
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        raise ValidationError("FLICK_LOG", 'must be "info" or "debug" (or unset)', raw)
    logger = logging.getLogger("flick_async")
    with _lock:
        if _handler is None:
            _handler = _StderrHandler()
            _handler.setFormatter(logging.Formatter(_FORMAT))
            _handler.addFilter(_RedactingFilter())
            logger.addHandler(_handler)
        logger.setLevel(level)


def _reset() -> None:
    """Undo `configure_from_environment` (for tests)."""
    global _handler
    logger = logging.getLogger("flick_async")
    with _lock:
        if _handler is not None:
            logger.removeHandler(_handler)
            _handler = None
        logger.setLevel(logging.NOTSET)
