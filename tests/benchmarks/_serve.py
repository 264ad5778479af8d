"""The local Flick server in its own process, for benchmarks (imported by the bench_* scripts).

A separate process, so that the server and the client measured never share one GIL.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator

UNLIMITED = str(10**9)


@contextlib.contextmanager
def serve_in_process(*options: str) -> Iterator[str]:
    """Serve the local Flick API on a free loopback port with limits lifted; yield its base URL.

    Args:
        options: Extra `python -m flick_async.testing serve` options (`--accounts FILE`, ...).
    """
    command = [sys.executable, "-m", "flick_async.testing", "serve", "--port", "0", "--log-level", "error"]
    command += ["--rate-limit", UNLIMITED, "--daily-limit", UNLIMITED, *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            # The socket listens before this line is printed: connections queue until uvicorn runs.
            first = server.stdout.readline()
            found = re.search(r"http://\S+/api/beta", first)
            if found is None:
                raise RuntimeError(f"the server did not start: {first!r}")
            yield found.group(0)
        finally:
            server.terminate()
            server.wait(timeout=10)


def load_average() -> str:
    """The machine's load, printed beside figures so readers can judge the noise."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"
