"""Serving a `FlickServer` over a real socket with uvicorn: in a thread, or in the foreground."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from ._app import ConnectionDropped
from ._server import FlickServer

__all__ = ["bind", "serve_app_in_thread", "serve_in_thread", "uvicorn_server"]


class _HideDrops(logging.Filter):
    """A `DropAfterCommit` is on purpose: keep its traceback out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


_HIDE_DROPS = _HideDrops()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (`port=0` picks a free one; read it back with `getsockname()`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto does, and without
    # it every response waits out the client's delayed ACK (about 40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app: ASGIApp, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for a `FlickServer.app`, which sends its own `Date` (from the server clock)."""
    logging.getLogger("uvicorn.error").addFilter(_HIDE_DROPS)  # once: the same filter is never added twice
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        date_header=False,
        server_header=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        # Longer than any client's idle keep-alive (httpx: 5 s, uvicorn's default here too): with
        # both at 5 s, a request sent on a connection idle for just under 5 s met the server's close
        # ("Server disconnected without sending a response"). Real servers keep 60-75 s.
        timeout_keep_alive=75,
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_in_thread(server: FlickServer | None = None, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `server` with uvicorn in a background thread for the duration of the block.

    Args:
        server: The server; a fresh `FlickServer()` by default.
        host: The loopback address to bind.
        port: The port; 0 picks a free one.

    Yields:
        The API base URL, e.g. `"http://127.0.0.1:54321/api/beta"`.

    Example:
        with serve_in_thread(FlickServer(window_seconds=2)) as base_url:
            httpx.get(f"{base_url}/me", headers={"X-API-Key": DEMO_API_KEY})
    """
    server = server if server is not None else FlickServer()
    with serve_app_in_thread(server.app, host=host, port=port) as origin:
        yield f"{origin}/api/beta"


@contextlib.contextmanager
def serve_app_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve any ASGI app like `serve_in_thread` (the benchmark adds a baseline route); yields the origin."""
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    runner = uvicorn_server(app)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, name="flick-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not runner.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Flick server did not start")
            time.sleep(0.005)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        yield f"http://{shown}:{bound_port}"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        sock.close()
