"""JSON in and out of the hot paths: msgspec, with the standard library's verdict kept.

msgspec decodes a page or a batch answer about 2.5 times faster than `json.loads` and encodes
a batch body about 3.5 times faster than httpx's `json=` (JSON was three quarters of the wire
work per item in `tests/benchmarks/bench_batch.py`). It reads integers of any size as ints, as
`json.loads` does (orjson turns those past 64 bits into floats).

What the SDK accepts and how it fails stays the standard library's: msgspec is the stricter
parser (no NaN or infinities, no lone surrogate escapes, no byte order mark, UTF-8 only), and
whatever it refuses is decoded again by `json.loads`, which reads it as before or raises the
error it raised before.

Encoding is used only for bodies the SDK built and checked itself: msgspec writes NaN and the
infinities as `null` where httpx's encoder refuses them, so a body must be known to hold none
(every number in a batch body has been checked).

msgspec is imported on first use: `import flick_async` does not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["dumps", "encoder", "loads"]

_decode: Callable[[bytes], Any] | None = None
_encode: Callable[[Any], bytes] | None = None
_refused: tuple[type[BaseException], ...] = ()


def _load() -> None:
    global _decode, _encode, _refused
    import msgspec

    _refused = (msgspec.DecodeError, RecursionError)  # RecursionError: its depth limit may not be json's
    _encode = msgspec.json.Encoder().encode
    _decode = msgspec.json.Decoder().decode


def loads(content: bytes) -> Any:
    """Decode `content` as `json.loads` would (the same values, the same errors), faster."""
    if _decode is None:
        _load()
    assert _decode is not None
    try:
        return _decode(content)
    except _refused:
        return json.loads(content)


def encoder() -> Callable[[Any], bytes]:
    """msgspec's encoder itself, for a loop that calls it per item (`dumps` where it raises TypeError)."""
    if _encode is None:
        _load()
    assert _encode is not None
    return _encode


def dumps(value: Any) -> bytes:
    """Encode a body the SDK built, and checked to hold no NaN or infinity, as httpx's `json=` would.

    Raises:
        TypeError: `value` holds something JSON cannot carry.
        UnicodeEncodeError: a string in `value` holds a lone surrogate.
    """
    if _encode is None:
        _load()
    assert _encode is not None
    try:
        return _encode(value)
    except TypeError:
        # Whatever msgspec cannot write, the standard library encodes or refuses, as httpx would.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
