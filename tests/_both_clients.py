"""Run the async facade suites against the sync client too, without a second copy of any test.

`AwaitableSync` wraps a `Flick` so that an async test can drive it as it drives an `AsyncFlick`:
each call runs the *sync* method in a worker thread (which has no running event loop, as a
script's main thread has none) and is awaited; iterators and streams become async ones the same
way. Nothing of the client is reimplemented here: every call is the real blocking `Flick` call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest

from flick_async import Flick
from flick_async._sync import (
    FlickWithRawResponse,
    SyncBatchStream,
    SyncPageIterator,
    _SyncPaged,
    _SyncRawPaged,
)

CLIENT_KINDS = ["async", "sync"]
_WRAPPED = (Flick, FlickWithRawResponse, _SyncPaged, _SyncRawPaged)
_RENAMED = {"aclose": "close"}


async def _in_thread(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await anyio.to_thread.run_sync(functools.partial(function, *args, **kwargs))


def _wrap(value: Any) -> Any:
    if isinstance(value, _WRAPPED):
        return AwaitableSync(value)
    if isinstance(value, SyncPageIterator):
        return _AsyncIterator(value)
    if isinstance(value, SyncBatchStream):
        return _AsyncStream(value)
    return value


class AwaitableSync:
    """A `Flick` (or one of its endpoint groups) driven from async code, one thread per call."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, _RENAMED.get(name, name))
        if callable(value) and not isinstance(value, type) and not isinstance(value, _WRAPPED):
            method = value
            if name in ("iter", "items", "with_options", "stream_create"):
                # These only build an object (cheaply, raising on bad arguments); its own calls block later.
                return lambda *args, **kwargs: _wrap(method(*args, **kwargs))

            async def call(*args: Any, **kwargs: Any) -> Any:
                return _wrap(await _in_thread(method, *args, **kwargs))

            return call
        return _wrap(value)

    async def __aenter__(self) -> AwaitableSync:
        await _in_thread(self._target.__enter__)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await _in_thread(self._target.__exit__, *exc_info)

    def __repr__(self) -> str:
        return repr(self._target)


class _AsyncIterator:
    def __init__(self, iterator: SyncPageIterator[Any]) -> None:
        self._iterator = iterator

    def __aiter__(self) -> _AsyncIterator:
        return self

    async def __anext__(self) -> Any:
        item = await _in_thread(next, self._iterator, _END)
        if item is _END:
            raise StopAsyncIteration
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._iterator, name)


class _AsyncStream:
    def __init__(self, stream: SyncBatchStream) -> None:
        self._stream = stream

    async def __aenter__(self) -> _AsyncStream:
        await _in_thread(self._stream.__enter__)
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        result: bool | None = await _in_thread(self._stream.__exit__, *exc_info)
        return result

    def __aiter__(self) -> _AsyncStream:
        return self

    async def __anext__(self) -> Any:
        item = await _in_thread(next, self._stream, _END)
        if item is _END:
            raise StopAsyncIteration
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_END = object()


def make_factory(kind: str, backend: str, build_async: Callable[..., Any]) -> tuple[Callable[..., Any], list[Any]]:
    """A client factory of `kind` ("async" or "sync") taking AsyncFlick's options; and what it built.

    The sync client's worker runs the test's own backend, so the sync suite runs on asyncio and trio.
    """
    built: list[Any] = []
    if kind == "async":
        return build_async, built

    def make(api_key: str, **options: Any) -> Any:
        flick = Flick(api_key, backend=backend, **options)  # type: ignore[arg-type]  # the test backend
        built.append(flick)
        return AwaitableSync(flick)

    return make, built


def close_all(built: list[Any]) -> None:
    """Close the sync clients a test built (their worker threads), whatever the test did."""
    for flick in built:
        flick.close()


def parametrize_client_kinds(metafunc: pytest.Metafunc) -> None:
    """Run a test on both clients, unless it is marked `async_only` (with its reason)."""
    if "client_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker("async_only") is None:
        metafunc.parametrize("client_kind", CLIENT_KINDS)
