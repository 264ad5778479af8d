"""`FLICK_LOG=info|debug`: print the `flick_async` logger's records on stderr, as `OPENAI_LOG` does.

Everything the SDK logs goes to the logger `flick_async` (configure it as any other logger; this
switch is for when you cannot touch the application's logging). By level:

- `warning`: what the SDK stopped or worked around (a pagination walk cut short, Redis down).
- `info`: every retry (method, path, delay, the error) and every throttle wait (delay, reason),
  and what the rate limiter re-learned.
- `debug`: every attempt's answer (method, URL, status, time) and pagination details.

The key never reaches a handler: the SDK logs URLs and errors, never request headers, and every
SDK logger masks anything shaped like a key (`flick_sk_…`) in a record as it is logged, before
any handler (the application's too) sees it; the handler installed here masks its output again.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from typing import TextIO

from ._errors import ValidationError

__all__ = ["configure_from_environment", "sdk_logger"]

_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
# A key is any printable ASCII after its prefix (check_api_key): mask up to the next whitespace.
_KEY = re.compile(r"flick_sk_[!-~]+")
_FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

_lock = threading.Lock()
_handler: logging.Handler | None = None


def _mask(text: str) -> str:
    return _KEY.sub("flick_sk_<redacted>", text)


def _has_key(text: str) -> bool:
    return "flick_sk_" in text and _mask(text) != text  # a masked key is no key


class _RedactingFilter(logging.Filter):
    """Masks keys in a record of the SDK's loggers as it is logged, before any handler sees it.

    On the logger, not on a handler: a logger's filter runs once, before the record is handed to
    any handler (this logger's and, by propagation, the application's), so every handler sees
    the same, masked record. A handler's filter runs when that handler's turn comes: handlers
    that ran before it saw the key, and its changes to the shared record leaked into the view of
    the handlers after it. A logger's filter does not see records of its child loggers, so every
    SDK logger gets its own (`sdk_logger`).

    Only a record that holds a key is touched: its arguments are masked one by one (a handler
    that reads `args` sees them masked, in a new tuple or mapping; the caller's objects are
    left alone), and a traceback that holds one is kept only as masked text (`exc_info`, the live
    exception holding the key, is dropped). Every other record reaches handlers as logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a message its arguments do not fit: the handler reports it (handleError)
            record.msg, record.args = _masked(record.msg), _masked_args(record.args)
        else:
            if _has_key(message):
                self._mask_message(record)
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            if _has_key(text):
                record.exc_info = None
                record.exc_text = _mask(text)
        if record.exc_text and _has_key(record.exc_text):
            record.exc_text = _mask(record.exc_text)
        if record.stack_info and _has_key(record.stack_info):
            record.stack_info = _mask(record.stack_info)
        return True

    @staticmethod
    def _mask_message(record: logging.LogRecord) -> None:
        candidate = logging.makeLogRecord({"msg": _masked(record.msg), "args": _masked_args(record.args)})
        try:
            message = candidate.getMessage()
        except (TypeError, ValueError):  # an argument changed type (`%d` of a masked value)
            message = ""
        if message and not _has_key(message):
            record.msg, record.args = candidate.msg, candidate.args
        else:  # a key made up of several arguments, or an odd format: keep the masked text alone
            record.msg, record.args = _mask(record.getMessage()), None


def _masked(value: object) -> object:
    try:
        text = str(value)
    except Exception:  # a str() that fails shows no key; the handler reports the failure
        return value
    return _mask(text) if _has_key(text) else value


_Args = tuple[object, ...] | Mapping[str, object] | None  # as LogRecord.args


def _masked_args(args: _Args) -> _Args:
    if isinstance(args, tuple):
        return tuple(_masked(arg) for arg in args)
    if isinstance(args, Mapping):
        return {name: _masked(value) for name, value in args.items()}
    return args


_REDACT = _RedactingFilter()


def sdk_logger(name: str) -> logging.Logger:
    """The logger `name` of the SDK, with key masking on it (added once)."""
    logger = logging.getLogger(name)
    if _REDACT not in logger.filters:
        logger.addFilter(_REDACT)
    return logger


class _RedactingFormatter(logging.Formatter):
    """The FLICK_LOG handler's format, masked as a last line: its output only, no record is changed.

    It covers a child logger the SDK does not own (`flick_async.myapp`) whose records propagate
    to this handler without passing the SDK's logger filter.
    """

    def format(self, record: logging.LogRecord) -> str:
        return _mask(super().format(record))


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
    logger = sdk_logger("flick_async")
    with _lock:
        if _handler is None:
            _handler = _StderrHandler()
            _handler.setFormatter(_RedactingFormatter(_FORMAT))
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
