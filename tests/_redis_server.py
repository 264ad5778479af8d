"""A throwaway `redis-server` on a free loopback port, in a temporary directory."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

__all__ = ["RedisCluster", "RedisServer", "free_port", "redis_cluster", "redis_server"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One `redis-server` process; `stop()` and `start()` again on the same port simulate an outage.

    Raises:
        RuntimeError: `redis-server` is not installed (install it: `apt-get install redis-server`).
    """

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed; the Redis throttle tests need it (apt-get install redis-server)"
            )
        self._binary = binary
        self._dir = tempfile.TemporaryDirectory(prefix="flick-redis-")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(
            [*args, "--dir", self._dir.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
            if self._process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A started server, stopped and cleaned up afterwards."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is a valid, free port too."""
    while True:
        port = free_port()
        if port + 10_000 > 65_535:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10_000))
            except OSError:
                continue
        return port


class RedisCluster:
    """A real three-node Redis Cluster (no replicas) on free loopback ports, started by the test.

    Raises:
        RuntimeError: `redis-server` or `redis-cli` is not installed, or the cluster did not form.
    """

    def __init__(self, nodes: int = 3) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            raise RuntimeError("redis-server and redis-cli are needed (apt-get install redis-server redis-tools)")
        self._server, self._cli = server, cli
        self._dir = tempfile.TemporaryDirectory(prefix="flick-redis-cluster-")
        self.ports = [_cluster_port() for _ in range(nodes)]
        self.url = f"redis://127.0.0.1:{self.ports[0]}/0"
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        for port in self.ports:
            args = [self._server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            args += ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf", "--dir", self._dir.name]
            self._processes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for port in self.ports:
            self._wait_for(port, b"PING\r\n", b"+PONG")
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        subprocess.run(
            [self._cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        for port in self.ports:
            self._wait_for(port, b"CLUSTER INFO\r\n", b"cluster_state:ok")

    def _wait_for(self, port: int, command: bytes, expect: bytes) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(command)
                if expect in conn.recv(4096):
                    return
            time.sleep(0.05)
        self.close()
        raise RuntimeError(f"redis node on port {port} never answered {expect!r}")

    def close(self) -> None:
        for process in self._processes:
            process.terminate()
            process.wait(timeout=10)
        self._processes.clear()
        self._dir.cleanup()


@contextlib.contextmanager
def redis_cluster() -> Iterator[RedisCluster]:
    """A formed three-node cluster, stopped and cleaned up afterwards."""
    cluster = RedisCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.close()
