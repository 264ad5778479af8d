"""A seeded model test of the importer's write accounting and resume under random batch faults.

Whatever the batch route does (drops after commit, 500s, cut bodies, stalls past the timeout,
scrambled results, the API going down), the import's summary and journal must be true to the
server, and a second run with the faults gone must leave every review on the account exactly
once. The server runs in process on a fake clock with no rate limit, so each example is fast.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flick_async import APIDisabledError, AsyncFlick, RetryPolicy
from flick_async.cli._importer import Importer, ImportOptions, ImportSummary
from flick_async.cli._journal import Journal
from flick_async.cli._letterboxd import read_letterboxd
from flick_async.cli._overrides import Overrides
from flick_async.testing import (
    APIDisabled,
    DropAfterCommit,
    FakeClock,
    Fault,
    FlickServer,
    InternalError,
    ScrambledResults,
    Slow,
    TruncatedJSON,
)

BASE_URL = "http://127.0.0.1/api/beta"  # the in-process server answers any host; loopback allows http
BATCH = "POST /me/reviews/batch"
TITLES = [("Alien", 1979), ("Aliens", 1986), ("Dune", 2021)]  # each resolves `high` in the demo catalog
DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"

faults: st.SearchStrategy[Fault | None] = st.one_of(
    st.none(),
    st.sampled_from([DropAfterCommit(), InternalError(), TruncatedJSON(), Slow(30, after_commit=True)]),
    st.builds(ScrambledResults, order=st.sampled_from(["keep", "shuffle"]), drop=st.integers(0, 2)),
)


def _export(root: Path, count: int) -> Path:
    # reviews.csv alone (any subset of the files is an export): each row a distinct review by its text.
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(count):
        title, year = TITLES[i % len(TITLES)]
        rows.append(f"2024-01-01,{title},{year},https://boxd.it/m{i},{i % 10 / 2 + 0.5:g},,model review {i},,\n")
    (root / "reviews.csv").write_text(DIARY + "".join(rows), encoding="utf-8")
    return root


async def _run(
    server: FlickServer, key: str, root: Path, state: Path, retries: int, concurrency: int
) -> tuple[ImportSummary, list[dict[str, Any]]]:
    summary = ImportSummary(export=str(root))
    policy = RetryPolicy(max_retries=retries, initial_delay=0.0, jitter=0.0)
    async with (
        httpx.AsyncClient(transport=server.transport()) as http,
        AsyncFlick(key, base_url=BASE_URL, http_client=http, throttle=False, timeout=0.1, retry_policy=policy) as flick,
    ):
        with Journal(state / "journal.sqlite3", base_url=BASE_URL, api_key=key) as journal:
            importer = Importer(
                flick, read_letterboxd(root), journal, Overrides(), ImportOptions(concurrency=concurrency), summary
            )
            http.event_hooks["response"] = [importer.on_response]
            await importer.resolve(importer.titles_to_resolve())
            planned = importer.plan()
            try:
                await importer.write(planned)
            except APIDisabledError:
                summary.stopped = "error"
    return summary, importer.problems


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    count=st.sampled_from([1, 37, 50, 51, 99, 120]),  # one to three batches, around the 50 boundary
    schedule=st.lists(faults, max_size=4),
    down_from=st.sampled_from([None, 1, 2, 3]),
    retries=st.integers(0, 2),
    concurrency=st.integers(1, 3),
)
async def test_summary_and_journal_are_true_to_the_server_and_a_resume_completes(
    tmp_path_factory: pytest.TempPathFactory,
    count: int,
    schedule: list[Fault | None],
    down_from: int | None,
    retries: int,
    concurrency: int,
) -> None:
    """Every review planned is created, deduplicated, maybe stored, failed or not sent: once, and truly.

    Then a re-run without faults sends exactly the ones not confirmed, and the account ends
    with every review of the export once (the server deduplicates what was maybe stored).
    """
    if sum(isinstance(f, Slow) for f in schedule) > 1:  # each stall costs the client's real timeout
        schedule = [f for f in schedule if not isinstance(f, Slow)]
    root = tmp_path_factory.mktemp("export")
    _export(root, count)
    state = tmp_path_factory.mktemp("state")
    server = FlickServer(clock=FakeClock(), rate_limit=1_000_000, daily_limit=1_000_000, fault_seed=count)
    account = server.add_account("model")
    assert account.api_key is not None
    for number, fault in enumerate(schedule, 1):
        if fault is not None:
            server.faults.add(BATCH, fault, on=[number])
    if down_from is not None:
        # The API goes down from that batch request on (its retries too): the job stops mid-way.
        server.faults.add(BATCH, APIDisabled(), on=range(down_from, down_from + 20))

    first, problems = await _run(server, account.api_key, root, state, retries, concurrency)
    event(f"first run {'stopped' if first.stopped else 'finished'}")
    stored = Counter(review["review"] for review in server.reviews(account))
    assert set(stored.values()) <= {1}, "a review was stored twice"
    assert first.to_write == count
    accounted = first.created + first.deduplicated + first.uncertain + first.failed + first.not_sent
    assert accounted == count
    # Created is stored; maybe-stored may be; not sent is not. Nothing is created twice.
    assert first.created <= len(stored) <= first.created + first.deduplicated + first.uncertain + first.failed
    with Journal(state / "journal.sqlite3", base_url=BASE_URL, api_key=account.api_key) as journal:
        statuses = Counter(row[0] for row in journal._db.execute("SELECT status FROM writes").fetchall())
    assert statuses["created"] + statuses["deduplicated"] == first.created + first.deduplicated
    assert statuses["uncertain"] == first.uncertain
    # Reported failed means certainly not stored (a stored one must be "maybe stored" at worst).
    for problem in problems:
        event(f"a review {problem['status']}")
        if problem["status"] == "failed":
            assert f"model review {problem['row'] - 1}" not in stored, f"{problem} is on the server"

    server.faults.clear()
    second, _ = await _run(server, account.api_key, root, state, retries, concurrency)
    assert second.stopped is None
    assert second.already_imported == first.created + first.deduplicated
    assert second.resent_uncertain == first.uncertain
    assert (second.uncertain, second.failed, second.not_sent) == (0, 0, 0)
    assert second.created + second.deduplicated + second.already_imported == count
    texts = Counter(review["review"] for review in server.reviews(account))
    assert texts == Counter(f"model review {i}" for i in range(count)), "each review of the export, once"
