"""`FLICK_LOG=info|debug`: the `flick_async` logger's records on stderr, the key never among them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from pytest_httpx import HTTPXMock

from flick_async import AsyncFlick, RateLimiter, ValidationError
from flick_async._logging import _reset
from flick_async.testing import FakeClock

from .helpers import MOCK_BASE_URL, MOCK_KEY, NO_BACKOFF, PROFILE_JSON, RATE_LIMIT_HEADERS, envelope


@pytest.fixture(autouse=True)
def clean_logger() -> Iterator[None]:
    """Each test starts and ends with the logger as an application would find it."""
    _reset()
    yield
    _reset()


async def _retry_then_succeed(httpx_mock: HTTPXMock, make_mock_client: Callable[..., AsyncFlick]) -> None:
    httpx_mock.add_response(status_code=503, json=envelope("internal_error", "later"))
    httpx_mock.add_response(json=PROFILE_JSON, headers=RATE_LIMIT_HEADERS)
    async with make_mock_client(retry_policy=NO_BACKOFF) as flick:
        await flick.me()


async def test_unset_prints_nothing(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without FLICK_LOG the SDK adds no handler and sets no level: the application decides."""
    monkeypatch.delenv("FLICK_LOG", raising=False)
    await _retry_then_succeed(httpx_mock, make_mock_client)
    logger = logging.getLogger("flick_async")
    assert (logger.handlers, logger.level) == ([], logging.NOTSET)
    assert "retrying" not in capsys.readouterr().err


async def test_info_shows_retries_and_throttle_waits_not_requests(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock: FakeClock,
) -> None:
    """At info: the retry (method, path, delay, error) and the throttle's wait (delay, reason); no request lines."""
    monkeypatch.setenv("FLICK_LOG", "info")
    await _retry_then_succeed(httpx_mock, make_mock_client)
    limiter = RateLimiter(per_minute=1, per_day=100, window_seconds=60, clock=clock)
    httpx_mock.add_response(json=PROFILE_JSON, is_reusable=True)
    async with make_mock_client(throttle=limiter) as flick:
        await clock.run(flick.me)
        await clock.run(flick.me)  # the second waits for the next window
    err = capsys.readouterr().err
    assert "flick_async INFO] retrying GET /api/beta/me in 0.00s (attempt 1 failed:" in err
    assert "flick_async INFO] throttled: waiting" in err
    assert "(minute)" in err
    assert "-> 200" not in err
    assert MOCK_KEY not in err


@pytest.mark.parametrize("auth", ["bearer", "x-api-key"])
async def test_debug_shows_every_answer_and_never_the_key(
    httpx_mock: HTTPXMock,
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    auth: str,
) -> None:
    """At debug: each attempt's method, URL, status and time; the key in neither auth scheme."""
    monkeypatch.setenv("FLICK_LOG", " DEBUG ")
    httpx_mock.add_response(status_code=503, json=envelope("internal_error", "later"))
    httpx_mock.add_response(json=PROFILE_JSON)
    async with make_mock_client(retry_policy=NO_BACKOFF, auth=auth) as flick:
        await flick.me()
    err = capsys.readouterr().err
    assert f"flick_async DEBUG] GET {MOCK_BASE_URL}/me -> 503 in 0.000s" in err
    assert f"flick_async DEBUG] GET {MOCK_BASE_URL}/me -> 200 in 0.000s" in err
    assert "INFO] retrying" in err
    assert MOCK_KEY not in err


def test_the_handler_masks_a_key_in_any_record(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record that somehow carries a key (a user's own message on our logger) is masked."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    logging.getLogger("flick_async").warning("oops %s", MOCK_KEY)
    err = capsys.readouterr().err
    assert "oops flick_sk_<redacted>" in err
    assert MOCK_KEY not in err


def test_the_handler_masks_all_of_a_key_and_a_traceback_that_holds_one(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key may hold any printable ASCII after `flick_sk_` (a `.` or `/` kept its tail visible), and a
    record's traceback is printed too (it was not masked)."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    key = "flick_sk_abc.def/ghi+jkl"
    try:
        raise RuntimeError(f"rejected {key}")
    except RuntimeError:
        logging.getLogger("flick_async").exception("oops %s", key)
    err = capsys.readouterr().err
    assert "oops flick_sk_<redacted>" in err
    assert "RuntimeError: rejected flick_sk_<redacted>" in err
    assert "def/ghi" not in err


def test_many_clients_install_one_handler(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each client reads FLICK_LOG; the handler is installed once, and the level follows the variable."""
    monkeypatch.setenv("FLICK_LOG", "debug")
    make_mock_client()
    make_mock_client()
    logger = logging.getLogger("flick_async")
    assert (len(logger.handlers), logger.level) == (1, logging.DEBUG)
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    assert (len(logger.handlers), logger.level) == (1, logging.INFO)


@pytest.mark.parametrize("value", ["verbose", "warn", "1"])
def test_an_unknown_value_is_a_validation_error(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """A typo in FLICK_LOG is named, not ignored."""
    monkeypatch.setenv("FLICK_LOG", value)
    with pytest.raises(ValidationError) as caught:
        make_mock_client()
    assert caught.value.field == "FLICK_LOG"


class _Keeper(logging.Handler):
    """An application's handler: keeps each record as it was handed over, and what it saw then."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[logging.LogRecord, str, object, str | None, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record, record.getMessage(), record.args, record.exc_text, record.exc_info is not None))


@pytest.fixture
def app_handlers() -> Iterator[tuple[_Keeper, _Keeper]]:
    """One handler on `flick_async` itself, added before FLICK_LOG's (so it runs first), and one on the root."""
    mine, root = _Keeper(), _Keeper()
    logger, top = logging.getLogger("flick_async"), logging.getLogger()
    logger.addHandler(mine)
    top.addHandler(root)
    level = top.level
    top.setLevel(logging.DEBUG)
    yield mine, root
    logger.removeHandler(mine)
    top.removeHandler(root)
    top.setLevel(level)


@pytest.mark.parametrize("flick_log", ["", "info"])
def test_no_handler_ever_sees_a_key_whatever_its_place(
    app_handlers: tuple[_Keeper, _Keeper],
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flick_log: str,
) -> None:
    """Masked as logged, on the logger: a handler before FLICK_LOG's, the root's, with or without FLICK_LOG.

    The old filter sat on FLICK_LOG's handler: a handler that ran before it saw the key, and
    without FLICK_LOG every handler did. Arguments stay arguments (masked one by one), and a
    traceback holding a key is handed over only as masked text.
    """
    monkeypatch.setenv("FLICK_LOG", flick_log)
    make_mock_client()
    key = "flick_sk_abc.def/ghi+jkl"
    logger = logging.getLogger("flick_async")
    logger.warning("oops %s after %d tries", key, 3)
    try:
        raise RuntimeError(f"rejected {key}")
    except RuntimeError:
        logger.exception("failed")
    for handler in app_handlers:
        (plain, message, args, _, _), (failed, _, _, exc_text, has_exc_info) = handler.seen
        assert message == "oops flick_sk_<redacted> after 3 tries"
        assert (plain.msg, args) == ("oops %s after %d tries", ("flick_sk_<redacted>", 3))
        assert exc_text is not None
        assert "RuntimeError: rejected flick_sk_<redacted>" in exc_text
        assert not has_exc_info  # the live exception holds the key
        assert "def/ghi" not in f"{message}{exc_text}{failed.__dict__}"
    assert "def/ghi" not in capsys.readouterr().err


def test_a_record_without_a_key_reaches_every_handler_as_logged(
    app_handlers: tuple[_Keeper, _Keeper],
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Masking touches only a record that holds a key: the root's handler (after FLICK_LOG's) gets the
    caller's arguments, the very object, and the live exception (a guard for the filter's move)."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    payload = {"path": "/me", "tries": 3}
    try:
        raise RuntimeError("no key here")
    except RuntimeError:
        logging.getLogger("flick_async").error("gave up on %(path)s after %(tries)d", payload, exc_info=True)
    _, root = app_handlers
    [(_, message, args, exc_text, has_exc_info)] = root.seen
    assert message == "gave up on /me after 3"
    assert args is payload
    assert payload == {"path": "/me", "tries": 3}
    assert has_exc_info
    # FLICK_LOG's own formatter ran before the root's handler; the stdlib's Formatter caches its
    # traceback text, the filter does not.
    assert exc_text is None or "RuntimeError: no key here" in exc_text
    assert "gave up on /me after 3" in capsys.readouterr().err


def test_flick_logs_handler_masks_a_child_logger_the_sdk_does_not_own(
    make_mock_client: Callable[..., AsyncFlick], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A logger's filter does not see its children's records; FLICK_LOG's output is masked all the same."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    logging.getLogger("flick_async.myapp").warning("oops %s", MOCK_KEY)
    err = capsys.readouterr().err
    assert "oops flick_sk_<redacted>" in err
    assert MOCK_KEY not in err


def test_every_sdk_logger_masks_keys() -> None:
    """The SDK's own loggers, the local server's included, carry the masking filter."""
    import flick_async._events
    import flick_async.testing._app
    from flick_async._logging import _RedactingFilter

    for name in ("flick_async", "flick_async.testing"):
        assert any(isinstance(f, _RedactingFilter) for f in logging.getLogger(name).filters), name
    assert flick_async._events.logger is logging.getLogger("flick_async")


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for this one")


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("%d tries", ("three",)),  # arguments that do not fit the format
        ("%s and %s", ("one",)),
        ("shown %s", (_Unprintable(),)),  # an argument whose str() raises
    ],
)
def test_a_message_its_arguments_do_not_fit_is_reported_by_the_handler_not_raised(
    make_mock_client: Callable[..., AsyncFlick],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    msg: str,
    args: tuple[object, ...],
) -> None:
    """The stdlib reports a bad log call from the handler ("--- Logging error ---") and the program
    goes on; the masking filter runs before any handler, so it must not raise either (a logging
    call inside a request would fail the call). A key among the arguments is still masked."""
    monkeypatch.setenv("FLICK_LOG", "info")
    make_mock_client()
    logger = logging.getLogger("flick_async")
    # Only FLICK_LOG's handler: pytest's own capture handler (on the root) raises logging errors.
    monkeypatch.setattr(logger, "propagate", False)
    logger.warning(msg + " for %s", *args, MOCK_KEY)  # must not raise
    err = capsys.readouterr().err
    assert "Logging error" in err
    assert MOCK_KEY not in err
