"""What every `flick` command shares: credentials, the client, running async code, printing.

Messages, progress and warnings go to stderr; stdout carries only the data (tables, JSON), so
`flick reviews list --json | jq` never sees a progress bar.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

import anyio
import click
import httpx
from rich.console import Console
from rich.table import Table

from flick_async._client import AsyncFlick
from flick_async._events import Hook
from flick_async.cli._exit import ExitCode, Failure, failure_from

__all__ = [
    "api_options",
    "echo_json",
    "make_client",
    "print_table",
    "run",
    "stderr_console",
    "stdout_console",
    "warn",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_CREDENTIALS = "flick_credentials"


def _remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    # Given on the group (`flick --api-key K me`) or the command (`flick me --api-key K`): the
    # command line beats the environment, and the later (inner) command line beats the outer.
    if value is None or param.name is None:
        return
    source = ctx.get_parameter_source(param.name)
    store: dict[str, tuple[str, bool]] = ctx.find_root().meta.setdefault(_CREDENTIALS, {})
    from_command_line = source is click.core.ParameterSource.COMMANDLINE
    if from_command_line or param.name not in store:
        store[param.name] = (value, from_command_line)
    elif not store[param.name][1]:
        store[param.name] = (value, False)


def _remember_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # A flag given on the group or on the command (either place) turns it on.
    if value and param.name is not None:
        ctx.find_root().meta.setdefault(_CREDENTIALS, {})[param.name] = ("1", True)


def api_options(function: F) -> F:
    """Add `--api-key`, `--base-url` and `--allow-insecure-http` (also from `FLICK_*` variables)."""
    function = click.option(
        "--allow-insecure-http",
        is_flag=True,
        envvar="FLICK_ALLOW_INSECURE_HTTP",
        show_envvar=True,
        expose_value=False,
        callback=_remember_flag,
        help="Allow a plain http:// base URL to a host other than this machine (the key then travels in clear).",
    )(function)
    function = click.option(
        "--base-url",
        envvar="FLICK_BASE_URL",
        show_envvar=True,
        expose_value=False,
        callback=_remember,
        help="API base URL [default: https://flickmovies.com/api/beta].",
    )(function)
    return click.option(
        "--api-key",
        envvar="FLICK_API_KEY",
        show_envvar=True,
        expose_value=False,
        callback=_remember,
        metavar="KEY",
        # Never shown back: no default display, and errors say only that it is missing or malformed.
        help="Your flick_sk_… API key.",
    )(function)


def credentials(ctx: click.Context) -> tuple[str | None, str | None]:
    """The API key and base URL given to this invocation (None when not given)."""
    store: dict[str, tuple[str, bool]] = ctx.find_root().meta.get(_CREDENTIALS, {})
    key = store.get("api_key")
    url = store.get("base_url")
    return (key[0] if key else None, url[0] if url else None)


def make_client(
    ctx: click.Context, *, hooks: Sequence[Hook] = (), http_client: httpx.AsyncClient | None = None
) -> AsyncFlick:
    """An `AsyncFlick` for this invocation's credentials.

    Raises:
        Failure: No key, a malformed key, or a bad base URL (exit 3 or 2).
    """
    api_key, base_url = credentials(ctx)
    insecure = "allow_insecure_http" in ctx.find_root().meta.get(_CREDENTIALS, {})
    try:
        return AsyncFlick(
            api_key if api_key is not None else "",
            base_url=base_url or None,
            hooks=hooks,
            http_client=http_client,
            allow_insecure_http=insecure,
        )
    except Exception as exc:  # ValidationError; translated to a one-line message with its exit code
        raise failure_from(exc) from None


def _single(error: BaseException) -> BaseException:
    # Task groups wrap what escapes them; one error in a group is still that error to a user.
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions of a (possibly nested) group, groups flattened; `[error]` for any other."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def run(function: Callable[[], Awaitable[T]]) -> T:
    """Run `function` on an event loop; turn any exception into a one-line `Failure`.

    Whatever escapes, groups included (task groups wrap what leaves them), becomes one line
    and an exit code: 130 for Ctrl-C or cancellation. `SystemExit` passes through untouched.
    `FLICK_DEBUG=1` lets the traceback through, for bug reports.
    """
    try:
        return anyio.run(function)
    except SystemExit:
        raise
    except BaseException as raw:
        leaves = _leaves(raw)
        exits = [leaf for leaf in leaves if isinstance(leaf, SystemExit)]
        if exits:
            raise exits[0] from None
        error = _single(raw)
        if os.environ.get("FLICK_DEBUG") and not isinstance(error, Failure):
            raise
        if isinstance(error, BrokenPipeError):
            # The reader went away (`flick reviews list --json | head`): stop quietly, as cat does.
            # stdout is pointed at devnull so that the interpreter's final flush does not complain.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(int(ExitCode.OK)) from None
        if isinstance(error, click.ClickException):
            raise error from None
        cancelled = [leaf for leaf in leaves if isinstance(leaf, asyncio.CancelledError)]
        if len(cancelled) == len(leaves) or any(isinstance(leaf, KeyboardInterrupt) for leaf in leaves):
            # Ctrl-C arrives as KeyboardInterrupt, or (on asyncio) as the cancellation it becomes;
            # the other errors of a group are what the interruption left behind.
            raise Failure("interrupted", ExitCode.INTERRUPTED) from None
        failures = [failure_from(leaf) for leaf in leaves if not isinstance(leaf, asyncio.CancelledError)]
        # The same failure met by several tasks (the daily quota, seen by every resolve task) is
        # one failure to the user: said once.
        unique = list({failure.message: failure for failure in failures}.values())
        if len(unique) == 1:
            raise unique[0] from None
        codes = {failure.code for failure in unique}
        code = codes.pop() if len(codes) == 1 else ExitCode.ERROR
        raise Failure("; ".join(failure.message for failure in unique), code) from None


def stdout_console() -> Console:
    """A console on the current stdout (looked up at call time, so click's test runner sees it)."""
    return Console(file=sys.stdout, soft_wrap=False)


def stderr_console() -> Console:
    """A console on the current stderr, for progress, warnings and summaries."""
    return Console(file=sys.stderr)


def warn(message: str) -> None:
    """One line on stderr."""
    click.echo(f"Warning: {message}", err=True)


def echo_json(value: Any) -> None:
    """One JSON document on one line of stdout (JSON Lines when called per record)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def print_table(
    title: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    caption: str | None = None,
) -> None:
    """A table on stdout."""
    table = Table(title=title, caption=caption, header_style="bold", title_justify="left", caption_justify="left")
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    stdout_console().print(table)
