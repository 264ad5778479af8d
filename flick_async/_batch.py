"""Bulk review writes: chunks of up to 50 through `POST /me/reviews/batch`, several in flight.

Every item handed in is accounted for exactly once:

- it gets a `BatchOutcome`: `created` or `deduplicated` (stored), `failed` (certainly not
  stored by this job), or `uncertain` (the SDK cannot know: it may be stored), or
- the job stopped before the server answered for it, and its index is in `unsent` (the server
  has not stored it: never sent, or rejected whole) or `unconfirmed` (sent without an answer:
  it may be stored; re-sending is safe because the server deduplicates).

Results are matched to items by their `index`, never by position. An item the answer does not
name exactly once (missing, duplicated, or pushed out of range) is `uncertain`, as is an item
whose every attempt may have reached the server without a readable answer.

Input is read lazily and at most `concurrency + 1` chunks are held at once, so the streaming
variant runs in constant memory whatever the input's length.
"""

from __future__ import annotations

import array
import contextlib
import datetime
import functools
import importlib
import itertools
import json
import operator
import threading
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable, Iterator, Mapping, Sequence, Sized
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias, overload

import anyio
import attrs
import httpx
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from flick_api.api.reviews import create_reviews_batch
from flick_api.models import Review, ReviewBatchCreate

from ._errors import (
    APIDisabledError,
    AuthenticationError,
    ClientClosedError,
    DailyQuotaExceededError,
    FlickError,
    InternalServerError,
    MalformedResponseError,
    PermissionDeniedError,
    ValidationError,
    error_from_envelope,
)
from ._json import dumps as _dumps
from ._json import encoder as _encoder
from ._json import loads as _loads
from ._parsing import parse_review as _review
from ._pipeline import CallRecord, _parse_body
from ._validation import MAX_CHUNK, ReviewInput, fast_body, latest_watched_date

if TYPE_CHECKING:
    from ._pipeline import Pipeline

__all__ = ["MAX_CHUNK", "BatchCounts", "BatchOutcome", "BatchResult", "BatchStream", "ReviewItem", "run_to_result"]

OutcomeStatus = Literal["created", "deduplicated", "failed", "uncertain"]
ReviewItem: TypeAlias = ReviewInput | Mapping[str, Any]
ProgressCallback = Callable[[int, "int | None", "BatchCounts"], None]

# These stop the whole job: every other chunk would fail the same way.
_JOB_ERRORS = (AuthenticationError, PermissionDeniedError, APIDisabledError, DailyQuotaExceededError, ClientClosedError)


def _frozen(outcome: object, value: object = None) -> None:
    raise attrs.exceptions.FrozenInstanceError()


_new = object.__new__


class BatchOutcome:
    """What became of one input item.

    The four statuses, and whether re-sending `outcome.input` unchanged is safe:

    - `created`: stored by this job. Re-sending comes back `deduplicated`.
    - `deduplicated`: an identical review (same title, rating, text and watched date) was
      already stored, before the job or by an earlier attempt whose answer was lost.
    - `failed`: certainly not stored by this job: refused client-side (`ValidationError`), an
      error the server reported for this item (`media_not_found`, `invalid_request`), or a chunk
      refused on every attempt with an answer that writes nothing (a 4xx) or before it was sent
      (a connection refused, a connect or pool timeout). Re-sending is safe;
      it only succeeds once the cause is fixed (or passed, for a 429).
    - `uncertain`: the SDK cannot know. An attempt may have been stored but no readable answer
      came back (a connection lost after sending, a timeout, a 5xx, a cut or unreadable body),
      the answer did not name this item exactly once, or it reported an `internal_error` for
      it. It may be stored. Re-sending the same `input` unchanged is safe: the server
      deduplicates identical reviews, so a stored one comes back `deduplicated` instead of a
      copy. Only a changed rating, text, title or watched date (or a stored copy edited in the
      app meanwhile) would make a second review.

    Attributes:
        index: The item's position in the input, from 0.
        status: `created`, `deduplicated`, `failed` or `uncertain`, as above.
        input: The item as handed in (a `ReviewInput` where it could be read as one), so that
            failed and uncertain items can be re-submitted.
        review: The created or existing review, where the server returned one. Parsed into a
            `Review` when first read: a bulk job whose caller never reads it skips the parse.
        error: Why the item failed or is uncertain (`ValidationError`, a per-item server
            error, `MalformedResponseError` for an answer that did not name it, or the error
            that made its chunk give up).
    """

    # `_review` holds the parsed review, or the chunk's `_Answer` it is parsed from on first
    # read; `_input` the item, or (`_lazy`) the snapshot of the caller's plain dict (`_snapshot`)
    # it is read from on first read.
    # Frozen as the attrs class this replaces, but not through a `__setattr__` (or `__delattr__`:
    # either one routes every store through Python) that refuses everything: that made each of
    # the 7 stores of `__init__` a call (1.3 us an outcome, 0.25 without). The public fields are
    # read-only properties over private slots instead.
    __slots__ = ("_error", "_index", "_input", "_lazy", "_position", "_review", "_status")

    _index: int
    _status: OutcomeStatus
    _input: Any
    _lazy: bool
    _review: Review | _Answer | None
    _position: int
    _error: FlickError | None

    if TYPE_CHECKING:  # read-only to type checkers, as on the attrs class this replaces

        @property
        def index(self) -> int: ...
        @property
        def status(self) -> OutcomeStatus: ...
        @property
        def error(self) -> FlickError | None: ...

    else:
        index = property(operator.attrgetter("_index"), _frozen, _frozen)
        status = property(operator.attrgetter("_status"), _frozen, _frozen)
        error = property(operator.attrgetter("_error"), _frozen, _frozen)

    def __init__(
        self,
        index: int,
        status: OutcomeStatus,
        input: Any,
        review: Review | None = None,
        error: FlickError | None = None,
    ) -> None:
        self._index = index
        self._status = status
        self._input = input
        self._lazy = False
        self._review = review
        self._position = 0
        self._error = error

    @classmethod
    def _stored(
        cls, index: int, status: OutcomeStatus, item: Any, answer: _Answer | None, position: int
    ) -> BatchOutcome:
        """A created or deduplicated outcome: its review is `answer`'s result at `position`, parsed
        when first read; an `item` that is a plain dict (read by the fast path) becomes a
        `ReviewInput` when first read. Built without `__init__`: one per item of a bulk job."""
        outcome = _new(cls)
        outcome._index = index
        outcome._status = status
        outcome._input = item
        outcome._lazy = type(item) is tuple or type(item) is bytes
        outcome._review = answer
        outcome._position = position
        outcome._error = None
        return outcome

    @classmethod
    def _unstored(
        cls,
        index: int,
        status: OutcomeStatus,
        item: Any,
        error: FlickError,
        raw: dict[str, Any],
        answer: _Answer,
        position: int,
    ) -> BatchOutcome:
        """A failed or uncertain outcome read from a result: its input made a `ReviewInput` now (it
        is the one to re-send, so it is taken as it was), its review (if the result has one) lazy."""
        outcome = cls(index, status, _eager(item), None, error)
        if type(raw["review"]) is dict:
            outcome._review = answer
            outcome._position = position
        return outcome

    @property
    def input(self) -> ReviewItem:
        """The item as handed in: a `ReviewInput` where it could be read as one.

        A stored item handed in as a plain dict is read into its `ReviewInput` when first asked
        for (a bulk job whose caller never reads it skips that), from a copy taken when it was read.
        """
        item = self._input
        # By the value's type, not only the flag: another thread may have read it between the two stores.
        if self._lazy and (type(item) is tuple or type(item) is bytes):
            item = self._input = _from_snapshot(item)
            self._lazy = False
        return item  # type: ignore[no-any-return]

    @property
    def review(self) -> Review | None:
        """The created or existing review, where the server returned one (parsed on first read)."""
        review = self._review
        if type(review) is _Answer:
            review = self._review = review.review(self._position)  # parsed: the chunk's answer may go once read
        return review  # type: ignore[return-value]

    if not TYPE_CHECKING:  # refused as on every field (type checkers see read-only properties)
        input = input.setter(_frozen).deleter(_frozen)
        review = review.setter(_frozen).deleter(_frozen)

    def _fields(self) -> tuple[int, OutcomeStatus, Any, Review | None, FlickError | None]:
        return (self.index, self.status, self.input, self.review, self.error)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, BatchOutcome)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"BatchOutcome(index={self.index!r}, status={self.status!r}, input={self.input!r},"
            f" review={self.review!r}, error={self.error!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (BatchOutcome, self._fields())


# `ReviewInput`'s fields in order, tags last: a snapshot holds their values in this order.
_FIELDS = tuple(field.name for field in attrs.fields(ReviewInput))
_FIELDS_BUT_TAGS = _FIELDS[:-1]
assert _FIELDS[-1] == "tags"


def _snapshot(item: Any) -> tuple[Any, ...]:
    """A dict item the fast path read, as it was then: a caller may hand in one dict refilled for
    each row, or change it after the job, and each outcome's input (the one a re-send uses) must
    still be the item that was sent. The fast path accepts only plain values, so the values with
    the tags list made a tuple are a full copy.

    Only for an item whose body differs from it (a value converted, a None left out). Where
    `fast_body` sends the item as given, the encoded body itself is the snapshot: JSON of plain
    values reads back as the same values, and bytes cost the collector nothing.

    A flat tuple rather than a copy of the dict: the collector stops tracking a tuple of plain
    values at its first collection, but keeps a dict tracked until a full one. A result holds a
    snapshot per stored item; as dicts, they doubled the objects every full collection walks
    and made those collections come twice as often (`bench_batch.py`: 2 of about 75 ms in a
    100,000-item job, against 1 with tuples). A missing key and a None give the same `ReviewInput`.
    """
    get = item.get
    tags = get("tags")
    return (*map(get, _FIELDS_BUT_TAGS), tuple(tags) if type(tags) is list else tags)


def _kept(item: Any, body: Any, encoded: bytes) -> Any:
    """What a chunk keeps of an item it sends: the encoded body where `fast_body` sent the item
    itself, a `_snapshot` of any other plain dict, else the item (a `ReviewInput`)."""
    if body is item:
        return encoded
    return _snapshot(item) if type(item) is dict else item


def _from_snapshot(snapshot: tuple[Any, ...] | bytes) -> ReviewInput:
    """The `ReviewInput` of a snapshot: `_snapshot`'s values, or the item's body as sent."""
    if type(snapshot) is bytes:
        return ReviewInput.coerce(_loads(snapshot))
    return ReviewInput(**dict(zip(_FIELDS, snapshot, strict=True)))


def _eager(item: Any) -> Any:
    """A chunk's input as outcomes other than stored ones hold it: a snapshot of a plain dict the
    fast path read (it passed validation) becomes its `ReviewInput` now."""
    return _from_snapshot(item) if type(item) is tuple or type(item) is bytes else item


class _Answer:
    """One chunk's answer, kept as the bytes that came (shared by the chunk's outcomes).

    Bytes, not the decoded results: about 380 bytes an item against 1,250 for a decoded review
    dict (980 parsed). Decoded again on the first read of one of its reviews; the decoded
    results stay until the last of the chunk's reviews is read. A result that holds many
    outcomes (`run_to_result`, past `_COMPACT_AFTER`) keeps them LZ4-compressed instead: about
    65 bytes an item, for about 10 us a chunk (0.2 us an item) when packed and as much when read.
    """

    __slots__ = ("_content", "_packed", "_results", "_unread")

    def __init__(self, content: bytes, unread: int) -> None:
        self._content = content
        self._packed = False
        self._results: list[Any] | None = None
        self._unread = unread

    def compact(self) -> None:
        """Hold the answer compressed (until a review is read: then decoded as before)."""
        if not self._packed and self._results is None and self._unread > 0:
            self._content = _lz4().compress(self._content, store_size=True)
            self._packed = True

    def review(self, position: int) -> Review | None:
        results = self._results
        if results is None:
            content = self._content
            if self._packed:
                content = _lz4().decompress(content)
            results = self._results = _parse_results(_loads(content))
        self._unread -= 1
        if self._unread <= 0:
            self._results = None
        try:
            return _review(results[position]["review"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


@functools.cache
def _lz4() -> Any:
    """`lz4.block` (untyped), imported only for results big enough to need it."""
    return importlib.import_module("lz4.block")


class _Run:
    """The outcomes of a chunk whose every item the server stored (the usual answer), held as
    columns and made `BatchOutcome`s when first read.

    A result holds one of these per chunk instead of 50 outcomes: a caller that reads only the
    counts, `failed()` and `uncertain()` never has them made, and the collector never walks
    them. Held as objects, they were the one tracked object per item a big job keeps, which made
    its full collections come (`bench_batch.py`: a 100,000-item job spent about 15% of its time
    in them, where the raw loop spends none).
    """

    __slots__ = ("answer", "indices", "inputs", "statuses")

    def __init__(self, chunk: _Chunk, statuses: list[OutcomeStatus], answer: _Answer) -> None:
        indices = chunk.indices
        first = indices[0]
        # Usually consecutive: a range instead of an int object an item.
        self.indices: Sequence[int] = (
            range(first, first + len(indices)) if indices[-1] - first == len(indices) - 1 else indices
        )
        inputs, bodies = chunk.inputs, chunk.bodies
        # Usually each input's snapshot is its body as sent (`_snapshot`): then the one request
        # body holds them all, exactly sized, where each body's own bytes kept its encoder's
        # spare room (about 220 bytes an item against 150).
        self.inputs: Sequence[Any] = _Sent(chunk.content, bodies) if _all_sent(inputs, bodies) else inputs
        self.statuses = statuses
        self.answer = answer

    def __len__(self) -> int:
        return len(self.indices)

    def outcomes(self) -> list[BatchOutcome]:
        stored, answer = BatchOutcome._stored, self.answer
        return [
            stored(index, status, item, answer, position)
            for position, (index, status, item) in enumerate(zip(self.indices, self.statuses, self.inputs, strict=True))
        ]


def _all_sent(inputs: list[Any], bodies: list[bytes]) -> bool:
    """True if every input's snapshot is its body itself (see `_snapshot`)."""
    return len(inputs) == len(bodies) and all(map(operator.is_, inputs, bodies))


class _Sent(Sequence[bytes]):
    """The bodies of a chunk's items, read back out of the request body they were sent in."""

    __slots__ = ("_content", "_starts")

    def __init__(self, content: bytes, bodies: list[bytes]) -> None:
        self._content = content
        # Where each body starts in `b'{"reviews":[' + b",".join(bodies) + b"]}"`, and one past the last.
        self._starts = array.array("Q", itertools.accumulate([len(body) + 1 for body in bodies], initial=_PREFIX))

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, position: int) -> bytes: ...
    @overload
    def __getitem__(self, position: slice) -> Sequence[bytes]: ...
    def __getitem__(self, position: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(position, slice):
            return [self[p] for p in range(len(self))[position]]
        position = range(len(self))[position]  # negative positions count from the end; IndexError past it
        starts = self._starts
        return self._content[starts[position] : starts[position + 1] - 1]

    def __iter__(self) -> Iterator[bytes]:
        content, starts = self._content, self._starts
        return (content[start : end - 1] for start, end in itertools.pairwise(starts))


# What a chunk (or an item refused before sending) delivers: its outcomes, or a `_Run` of them.
_Batch: TypeAlias = "list[BatchOutcome] | _Run"


def _outcomes_of(batch: _Batch) -> list[BatchOutcome]:
    return batch.outcomes() if isinstance(batch, _Run) else batch


def _compact(batches: list[_Batch]) -> None:
    """Compress the answers `batches` hold (each chunk's answer once: its outcomes come together)."""
    last: object = None
    for batch in batches:
        if isinstance(batch, _Run):
            batch.answer.compact()
            continue
        for outcome in batch:
            answer = outcome._review
            if type(answer) is _Answer and answer is not last:
                answer.compact()
                last = answer


@attrs.frozen
class BatchCounts:
    """Running totals of a bulk write, one per outcome status (see `BatchOutcome`)."""

    created: int = 0
    deduplicated: int = 0
    failed: int = 0
    uncertain: int = 0

    @property
    def done(self) -> int:
        """Items with an outcome so far (all four statuses)."""
        return self.created + self.deduplicated + self.failed + self.uncertain


@attrs.frozen(eq=False, repr=False)
class BatchResult:
    """One outcome per input item, in input order, and what was left when a job stopped early.

    Every item read is in exactly one place: `outcomes`, `unsent` or `unconfirmed` (the last two
    are empty unless the job stopped early), so `counts.done + len(unsent) + len(unconfirmed)`
    is the number of items read.

    Attributes:
        outcomes: Outcomes in input order.
        unsent: Indices the server has not stored (never sent, or rejected as a whole).
        unconfirmed: Indices sent without an answer when the job stopped; like `uncertain`
            outcomes they may be stored, and are safe to resend unchanged.
        counts: Totals by status.

    A result `create_many` returns holds most outcomes in a compact form, and makes them
    `BatchOutcome`s the first time `outcomes` (or iteration) is read: the same objects from then
    on. `counts`, `failed()` and `uncertain()` never need that.
    """

    # The outcomes, or (a result `create_many` made) the `_Lazy` that makes them when first read.
    # A field either way, so that `attrs.evolve` and copies carry it (and share what it made).
    _outcomes: list[BatchOutcome] | _Lazy = attrs.field(alias="outcomes")
    unsent: list[int] = attrs.field(factory=list)
    unconfirmed: list[int] = attrs.field(factory=list)
    counts: BatchCounts = attrs.field(init=False, default=BatchCounts())

    def __attrs_post_init__(self) -> None:
        # Counted once: results can hold millions of outcomes, and totals are read often.
        held = self._outcomes
        counts = held.counts if isinstance(held, _Lazy) else _count(held)
        object.__setattr__(self, "counts", counts)  # frozen: set once, here

    @classmethod
    def _of(cls, batches: list[_Batch], unsent: list[int] | None = None, unconfirmed: list[int] | None = None) -> Self:
        """A result of what a stream delivered, its outcomes made when first read."""
        return cls(_Lazy(batches), unsent or [], unconfirmed or [])

    @property
    def outcomes(self) -> list[BatchOutcome]:
        """Outcomes in input order."""
        held = self._outcomes
        return held.made() if isinstance(held, _Lazy) else held

    @property
    def complete(self) -> bool:
        """True when every item read from the input has an outcome (some may be `uncertain`)."""
        return not self.unsent and not self.unconfirmed

    @property
    def created(self) -> int:
        """Items the server created (`counts.created`)."""
        return self.counts.created

    @property
    def deduplicated(self) -> int:
        """Items that matched an existing review (`counts.deduplicated`)."""
        return self.counts.deduplicated

    @property
    def failed_count(self) -> int:
        """Items that certainly failed (`counts.failed`; `failed()` lists them)."""
        return self.counts.failed

    @property
    def uncertain_count(self) -> int:
        """Items that may or may not be stored (`counts.uncertain`; `uncertain()` lists them)."""
        return self.counts.uncertain

    def failed(self) -> list[BatchOutcome]:
        """The outcomes that certainly failed: none of them is stored by this job.

        `[o.input for o in result.failed()]` re-submits them; per-item errors fail again until fixed.
        """
        return self._with_status("failed")

    def uncertain(self) -> list[BatchOutcome]:
        """The outcomes whose fate the SDK cannot know: each may be stored.

        Re-sending them unchanged is safe, the server deduplicates: a stored one comes back
        `deduplicated`. `[o.input for o in (*result.failed(), *result.uncertain())]` re-submits
        everything not known to be stored.
        """
        return self._with_status("uncertain")

    def _with_status(self, status: OutcomeStatus) -> list[BatchOutcome]:
        held = self._outcomes
        if isinstance(held, _Lazy):
            # The batches first: `made()` empties them only after its outcomes are in place.
            batches = held.batches
            if held.outcomes is None:
                # A run holds stored outcomes only: the others are among the lists, made already.
                found = [
                    outcome
                    for batch in batches
                    if not isinstance(batch, _Run)
                    for outcome in batch
                    if outcome._status == status
                ]
                found.sort(key=_by_index)
                return found
            held = held.outcomes
        return [outcome for outcome in held if outcome._status == status]

    def __len__(self) -> int:
        return self.counts.done

    def __iter__(self) -> Iterator[BatchOutcome]:
        return iter(self.outcomes)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, BatchResult)
        return (self.outcomes, self.unsent, self.unconfirmed) == (other.outcomes, other.unsent, other.unconfirmed)

    __hash__ = None  # type: ignore[assignment]  # holds lists, as the attrs class it was

    def __repr__(self) -> str:
        # Bounded, and without making the outcomes: asyncio.run formats the repr of the main
        # task's result (Python 3.11's `signal.getsignal` puts the task's repr in an error it
        # discards), so a job returning a result of a million outcomes paid for a repr of each.
        held = self._outcomes
        made = held.outcomes if isinstance(held, _Lazy) else held
        small = made is not None and len(made) <= _REPR_OUTCOMES
        outcomes = repr(made) if small else f"<{len(self):,} outcomes>"
        return (
            f"BatchResult(outcomes={outcomes}, unsent={_indices_repr(self.unsent)},"
            f" unconfirmed={_indices_repr(self.unconfirmed)}, counts={self.counts!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (BatchResult, (self.outcomes, self.unsent, self.unconfirmed))


class _Lazy:
    """A result's outcomes as the stream delivered them (lists and `_Run`s), made `BatchOutcome`s
    in input order when first read, once: the same objects from then on, from any thread."""

    __slots__ = ("batches", "counts", "outcomes")

    def __init__(self, batches: list[_Batch]) -> None:
        self.batches: tuple[_Batch, ...] = tuple(batches)
        self.outcomes: list[BatchOutcome] | None = None
        statuses: Counter[str] = Counter()
        for batch in batches:
            statuses.update(batch.statuses if isinstance(batch, _Run) else map(_status_of, batch))
        self.counts = _counts_of(statuses)

    def made(self) -> list[BatchOutcome]:
        outcomes = self.outcomes
        if outcomes is None:
            with _MAKING:
                outcomes = self.outcomes
                if outcomes is None:
                    outcomes = [outcome for batch in self.batches for outcome in _outcomes_of(batch)]
                    outcomes.sort(key=_by_index)  # each batch is in input order: a merge of runs
                    self.outcomes = outcomes
                    self.batches = ()  # after `outcomes`: see `BatchResult._with_status`
        return outcomes


_MAKING = threading.Lock()
_REPR_OUTCOMES = 10


def _indices_repr(indices: list[int]) -> str:
    return repr(indices) if len(indices) <= _REPR_OUTCOMES else f"<{len(indices):,} indices>"


def _counts_of(statuses: Counter[str]) -> BatchCounts:
    return BatchCounts(statuses["created"], statuses["deduplicated"], statuses["failed"], statuses["uncertain"])


def _count(outcomes: Iterable[BatchOutcome]) -> BatchCounts:
    return _counts_of(Counter(map(_status_of, outcomes)))


@attrs.define(eq=False)  # hashed by identity: the job's sets hold chunks
class _Chunk:
    indices: list[int] = attrs.field(factory=list)
    # ReviewInputs, or snapshots of plain dicts that `fast_body` read (`_snapshot`, or the
    # encoded body; made ReviewInputs when needed: `_eager`).
    inputs: list[Any] = attrs.field(factory=list)
    # Each item's body, encoded as it was read: the bytes are the snapshot sent (a dict the
    # caller changes later cannot change them), and hold no objects for the collector to walk.
    bodies: list[bytes] = attrs.field(factory=list)
    # The latest watched date allowed, for `fast_body`: read once a chunk (it only grows, and a
    # date it refuses goes through `to_body`, which reads the clock again).
    latest: datetime.date = attrs.field(factory=latest_watched_date)
    # The request body, once built (`_send_chunk`): `_Run` reads the items' bodies back out of it.
    content: bytes = b""


def _body(item: ReviewInput, *, validate: bool) -> dict[str, Any]:
    if validate:
        return item.to_body()
    # Unvalidated: send the fields as given and let the server judge each item. Only what cannot
    # be sent at all (a Decimal, NaN) is refused here, so that it fails alone, not its chunk.
    body: dict[str, Any] = {}
    for field in attrs.fields(ReviewInput):
        value = getattr(item, field.name)
        if value is None:
            continue
        if field.name == "tags":
            # A tuple is ReviewInput's reading of an iterable of tags (a list, a set, a
            # generator); anything else (a string, a bool, a mapping) goes as given, for the
            # server to refuse: making it a list would send "drama" as five one-letter tags.
            if value == ():
                continue  # pragma: no mutate (tags is ReviewInput's last field: `break` skips the same nothing)
            if isinstance(value, tuple):
                value = list(value)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        body[field.name] = value
        try:
            # Encoded as httpx will: a lone surrogate passes json.dumps but not UTF-8.
            json.dumps(body[field.name], allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
            raise ValidationError(field.name, "cannot be sent as JSON", value) from None
    return body


class BatchStream:
    """Outcomes of a bulk write as its chunks finish: `reviews.stream_create(...)`.

    Use it as an async context manager, then iterate. The context manager is what keeps the
    chunk tasks inside your call: leaving the block early (a `break`, an exception,
    cancellation) stops them, and `undelivered`, `unsent` and `unconfirmed` then say exactly
    where the job stopped.

    Example:
        async with flick.reviews.stream_create(rows) as outcomes:
            async for outcome in outcomes:
                journal.record(outcome.index, outcome.status)
    """

    def __init__(
        self,
        pipeline: Pipeline,
        items: Iterable[ReviewItem] | AsyncIterable[ReviewItem],
        *,
        # `stream_create`, the one maker of a stream, passes every argument: these defaults are never used.
        concurrency: int = 4,  # pragma: no mutate
        chunk_size: int = MAX_CHUNK,  # pragma: no mutate
        validate: bool = True,  # pragma: no mutate
        on_progress: ProgressCallback | None = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValidationError("concurrency", "must be a positive integer", concurrency)
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 1 <= chunk_size <= MAX_CHUNK:
            raise ValidationError("chunk_size", f"must be an integer from 1 to {MAX_CHUNK}", chunk_size)
        if not isinstance(items, Iterable | AsyncIterable) or isinstance(items, str | bytes | Mapping):
            raise ValidationError("items", "must be an iterable or async iterable of review inputs", items)
        self._pipeline = pipeline
        self._items = items
        self._concurrency = concurrency
        self._chunk_size = chunk_size
        self._validate = validate
        self._on_progress = on_progress
        self.total: int | None = len(items) if isinstance(items, Sized) else None
        self.consumed = 0
        # Every index read is in exactly one place: an outcome (delivered or in _ready), a chunk
        # of _pending (not sent: the chunk being filled, or waiting for a worker), a chunk of
        # _in_flight (sent, no answer), _rejected or _unanswered (the job stopped on it).
        # Outcomes are recorded synchronously when decided, so cancellation at any await loses
        # none. Chunks, not indices, so that the bookkeeping is per chunk, not per item.
        self._ready: deque[_Batch] = deque()
        self._ready_count = 0  # outcomes in `_ready`
        self._max_ready = chunk_size * (concurrency + 1)
        self._pending: set[_Chunk] = set()
        self._in_flight: set[_Chunk] = set()
        self._rejected: set[int] = set()
        self._unanswered: set[int] = set()
        self._created = self._deduplicated = self._failed = self._uncertain = 0
        self._reported = 0
        self._error: FlickError | None = None
        self._input_error: Exception | None = None
        self._done = False
        self._consumer_wakeup = anyio.Event()
        self._room = anyio.Event()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._job_scope: anyio.CancelScope | None = None

    # -- accounting ------------------------------------------------------------------------

    @property
    def counts(self) -> BatchCounts:
        """Outcomes decided so far (delivered or not)."""
        return BatchCounts(self._created, self._deduplicated, self._failed, self._uncertain)

    @property
    def undelivered(self) -> list[BatchOutcome]:
        """Outcomes decided but not yet yielded (after leaving the block early)."""
        ready = self._ready
        for at, batch in enumerate(ready):
            if isinstance(batch, _Run):
                ready[at] = batch.outcomes()  # made once: the same objects on every read
        return [outcome for batch in ready for outcome in _outcomes_of(batch)]

    @property
    def unsent(self) -> list[int]:
        """Indices read but not stored by the server: never sent, or rejected whole."""
        return sorted([*_indices(self._pending), *self._rejected])

    @property
    def unconfirmed(self) -> list[int]:
        """Indices sent without an answer when the job stopped: they may be stored; resending is safe."""
        return sorted([*_indices(self._in_flight), *self._unanswered])

    @property
    def error(self) -> FlickError | None:
        """The error that stopped the job, if one did."""
        return self._error

    # -- context manager and iteration -----------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._task_group is not None:
            raise RuntimeError("a BatchStream can be entered only once")
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._run)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()  # no-op once the job is done; else stop it
        if exc is not None and not isinstance(exc, anyio.get_cancelled_exc_class()):
            # The block's own exception (the job's error from `__anext__`, or the caller's) must
            # come out as itself: handed to the task group, it would come out wrapped in an
            # ExceptionGroup. The chunk tasks are stopped all the same.
            await self._task_group.__aexit__(None, None, None)
            return None
        return await self._task_group.__aexit__(exc_type, exc, tb)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BatchOutcome:
        if self._task_group is None:
            raise RuntimeError("use `async with reviews.stream_create(...) as outcomes:` before iterating")
        while True:
            ready = self._ready
            if ready:
                head = ready[0]
                if isinstance(head, _Run):
                    head = ready[0] = head.outcomes()
                outcome = head.pop(0)  # at most a chunk's worth
                if not head:
                    ready.popleft()
                self._ready_count -= 1
                self._room.set()
                return outcome
            if self._done:
                self._raise_failure()
                raise StopAsyncIteration
            wakeup = self._consumer_wakeup = anyio.Event()
            await wakeup.wait()

    def _raise_failure(self) -> None:
        """Raise what stopped the job: an error that stops every chunk, or the input's own."""
        if self._error is not None:
            raise self._error
        if self._input_error is not None:
            raise self._input_error

    async def _next_ready(self) -> list[_Batch]:
        """Every batch of outcomes ready now (at least one), or `[]` once the job is over.

        `run_to_result` takes outcomes a chunk at a time: one `__anext__` per item was a
        coroutine and an event `set()` per item. Taken in one synchronous step, none is lost to
        cancellation between leaving `_ready` and reaching the caller.
        """
        while True:
            if self._ready:
                ready = list(self._ready)
                self._ready.clear()
                self._ready_count = 0
                self._room.set()
                return ready
            if self._done:
                self._raise_failure()
                return []
            wakeup = self._consumer_wakeup = anyio.Event()
            await wakeup.wait()

    # -- the job ---------------------------------------------------------------------------

    def _deliver(self, batch: _Batch) -> None:
        statuses = batch.statuses if isinstance(batch, _Run) else [outcome._status for outcome in batch]
        created, deduplicated = statuses.count("created"), statuses.count("deduplicated")
        failed = statuses.count("failed")
        self._created += created
        self._deduplicated += deduplicated
        self._failed += failed
        self._uncertain += len(statuses) - created - deduplicated - failed
        self._ready.append(batch)
        self._ready_count += len(statuses)
        self._consumer_wakeup.set()

    async def _wait_for_room(self) -> None:
        # Backpressure: a consumer slower than the server holds back the input, so memory stays
        # bounded by the undelivered outcomes plus the chunks in flight.
        # The producer and every worker may wait at once: they share one event, replaced only
        # once set, so that one `set()` from the consumer wakes them all.
        while self._ready_count >= self._max_ready:
            if self._room.is_set():
                self._room = anyio.Event()
            await self._room.wait()

    async def _run(self) -> None:
        chunks_send, chunks_receive = anyio.create_memory_object_stream[_Chunk](0)
        try:
            async with anyio.create_task_group() as job:
                self._job_scope = job.cancel_scope
                job.start_soon(self._produce, chunks_send)
                for _ in range(self._concurrency):
                    job.start_soon(self._work, chunks_receive.clone())
                chunks_receive.close()
        finally:
            self._done = True
            self._consumer_wakeup.set()
        self._report_progress()

    async def _produce(self, chunks: MemoryObjectSendStream[_Chunk]) -> None:
        try:
            await self._read_input(chunks)
        except Exception as exc:
            # The caller's iterable raised: stop the job and re-raise it from the iteration as
            # itself, not inside the task groups' ExceptionGroups.
            self._input_error = exc
            assert self._job_scope is not None
            self._job_scope.cancel()

    def _open_chunk(self) -> _Chunk:
        """A new chunk, unsent from its first item on (see `unsent`)."""
        chunk = _Chunk()
        self._pending.add(chunk)
        return chunk

    async def _read_input(self, chunks: MemoryObjectSendStream[_Chunk]) -> None:
        async with chunks:
            chunk = self._open_chunk()
            items = self._items
            if isinstance(items, AsyncIterable):
                # aclosing: a job stopped early must not leave the wrapper generator to the garbage
                # collector (an "Exception ignored" warning on trio, a stray finalizer task on asyncio).
                async with contextlib.aclosing(_aiter(items)) as source:
                    async for item in source:
                        if self._take(item, chunk):
                            await chunks.send(chunk)
                            chunk = self._open_chunk()
                        if self._ready_count >= self._max_ready:
                            await self._wait_for_room()
            else:
                # Iterated here rather than through an async generator (a generator step per item),
                # with `_take` inlined: this loop runs once per item of every bulk job.
                # A long synchronous iterable must not starve the chunk tasks (items that all fail
                # validation send nothing), and a checkpoint per item cost an event-loop turn per
                # item: one per chunk's worth, where the generator this replaces took it. (Right
                # after a full chunk's send, too: the worker that took it starts before the next
                # chunk is read, so chunks reach the server in input order.)
                size = self._chunk_size
                fast = self._validate
                encode = _encoder()
                indices, inputs, bodies, latest = chunk.indices, chunk.inputs, chunk.bodies, chunk.latest
                for count, item in enumerate(items, 1):
                    index = self.consumed
                    self.consumed = index + 1
                    body = fast_body(item, latest) if fast and type(item) is dict else None
                    if body is None:
                        body, item = self._take_slow(index, item)
                    if body is not None:
                        try:
                            encoded = encode(body)
                        except TypeError:  # what msgspec cannot write: see `_json.dumps`
                            encoded = _dumps(body)
                        indices.append(index)
                        inputs.append(_kept(item, body, encoded))
                        bodies.append(encoded)
                        if len(indices) == size:
                            await chunks.send(chunk)
                            chunk = self._open_chunk()
                            indices, inputs, bodies, latest = chunk.indices, chunk.inputs, chunk.bodies, chunk.latest
                    if self._ready_count >= self._max_ready:
                        await self._wait_for_room()
                    if count % size == 0:
                        await anyio.lowlevel.checkpoint()
            if chunk.indices:
                await chunks.send(chunk)
            else:
                self._pending.discard(chunk)

    def _take(self, item: object, chunk: _Chunk) -> bool:
        """Read one input item into `chunk`, or settle it as failed; True once `chunk` is full."""
        index = self.consumed
        self.consumed += 1
        # A plain dict of plain values goes through the fast path (no ReviewInput built); any
        # other item, or one the fast path does not vouch for, through `coerce` and `to_body`,
        # which give the body or the exact ValidationError.
        body = fast_body(item, chunk.latest) if self._validate and type(item) is dict else None
        if body is None:
            body, item = self._take_slow(index, item)
            if body is None:
                return False
        encoded = _dumps(body)
        chunk.indices.append(index)
        chunk.inputs.append(_kept(item, body, encoded))
        chunk.bodies.append(encoded)
        return len(chunk.indices) == self._chunk_size

    def _take_slow(self, index: int, item: Any) -> tuple[dict[str, Any] | None, Any]:
        """The body and `ReviewInput` of an item through `coerce` and `to_body`; (None, item) when
        it fails, once its failed outcome is delivered."""
        review_input: Any = item
        try:
            review_input = ReviewInput.coerce(item)
            return _body(review_input, validate=self._validate), review_input
        except ValidationError as error:
            # The input as documented: a ReviewInput where the item could be read as one.
            self._deliver([BatchOutcome(index, "failed", review_input, error=error)])
            return None, item

    async def _work(self, chunks: MemoryObjectReceiveStream[_Chunk]) -> None:
        async with chunks:
            async for chunk in chunks:
                outcomes = await self._send_chunk(chunk)
                if outcomes is not None:
                    self._deliver(outcomes)
                    self._report_progress()
                await self._wait_for_room()

    def _mark_sent(self, chunk: _Chunk) -> None:
        self._pending.discard(chunk)
        self._in_flight.add(chunk)

    def _settle(self, chunk: _Chunk) -> None:
        self._pending.discard(chunk)
        self._in_flight.discard(chunk)

    async def _send_chunk(self, chunk: _Chunk) -> _Batch | None:
        # Encoded as read (msgspec, see `_json`): every number in a body has been checked, none is NaN.
        chunk.content = content = _BODY_PREFIX + b",".join(chunk.bodies) + b"]}"
        kwargs = {**_BATCH_REQUEST, "content": content}
        record = CallRecord(on_sent=lambda: self._mark_sent(chunk), indices=chunk.indices)
        # Cancellation leaves the indices where they are: _pending (unsent) or _in_flight
        # (unconfirmed), which is exactly what is known about them.
        try:
            results, content = await self._pipeline.send(kwargs, _read_answer, record)
        except _JOB_ERRORS as error:
            self._settle(chunk)
            (self._unanswered if record.uncertain else self._rejected).update(chunk.indices)
            if self._error is None:
                self._error = error
            assert self._job_scope is not None
            self._job_scope.cancel()
            return None
        except FlickError as error:
            # Retries are spent; the job goes on. The last error is not the whole story: if any
            # attempt may have reached the server unanswered (a drop after commit, then 500s),
            # the items may be stored.
            self._settle(chunk)
            status: OutcomeStatus = "uncertain" if record.uncertain else "failed"
            return [
                BatchOutcome(i, status, _eager(item), error=error)
                for i, item in zip(chunk.indices, chunk.inputs, strict=True)
            ]
        self._settle(chunk)
        return _match(chunk, results, content)

    @staticmethod
    def _outcome(index: int, item: Any, raw: Any, answer: _Answer, position: int) -> BatchOutcome:
        # Read from the decoded JSON rather than through ReviewBatchItemResult.from_dict: that
        # wrapper cost a third of the client's time per item (profiled in bench_batch.py). The
        # review itself is parsed only when read (`BatchOutcome.review`), from `answer`.
        if type(raw) is not dict or not raw.keys() >= _RESULT_KEYS:
            return BatchOutcome(index, "uncertain", _eager(item), error=_unreadable())
        failure = raw["error"]
        status: OutcomeStatus
        error: FlickError
        if failure is None:
            if raw["deduplicated"] is True:
                status = "deduplicated"
            elif raw["created"] is True:
                status = "created"
            else:
                return BatchOutcome._unstored(index, "uncertain", item, _unreadable(), raw, answer, position)
            # The common case, and the only one whose input may stay a dict until read (see `input`).
            return BatchOutcome._stored(index, status, item, answer if type(raw["review"]) is dict else None, position)
        if raw["created"] is not False:
            # An error on an item that says it was created (or will not say): no verdict.
            status, error = "uncertain", _unreadable()
        elif not isinstance(failure, dict) or "code" not in failure or not isinstance(failure.get("message"), str):
            status, error = "failed", _unreadable()
        else:
            details = failure.get("details")
            error = error_from_envelope(
                status_code=200,
                code=str(failure["code"]),
                message=failure["message"],
                details=details if isinstance(details, dict) else None,
                method="POST",
            )
            # An internal error is the server's own failure mid-item: as for a 500, it may have stored it.
            status = "uncertain" if isinstance(error, InternalServerError) else "failed"
        return BatchOutcome._unstored(index, status, item, error, raw, answer, position)

    def _report_progress(self) -> None:
        counts = self.counts
        if self._on_progress is not None and counts.done != self._reported:
            self._reported = counts.done
            self._on_progress(counts.done, self.total, counts)


async def run_to_result(stream: BatchStream) -> BatchResult:
    """Run a `BatchStream` to the end and collect its outcomes in input order.

    A job-stopping error is re-raised with `.partial` (a `BatchResult`) attached; so is
    cancellation, where the cancellation exception allows it.
    """
    batches: list[_Batch] = []
    held = 0
    try:
        async with stream:
            while ready := await stream._next_ready():
                batches.extend(ready)
                held += sum(map(len, ready))
                if held > _COMPACT_AFTER:
                    # A result this big holds its answers compressed (see `_Answer`).
                    _compact(ready)
    except BaseException as exc:
        partial = BatchResult._of([*batches, *stream._ready], unsent=stream.unsent, unconfirmed=stream.unconfirmed)
        with contextlib.suppress(AttributeError, TypeError):
            exc.partial = partial  # type: ignore[attr-defined]
        raise
    return BatchResult._of(batches)


# The generated module owns the batch route; each chunk only swaps in its own body.
_BATCH_REQUEST = create_reviews_batch._get_kwargs(body=ReviewBatchCreate(reviews=[]))
del _BATCH_REQUEST["json"]  # replaced by each chunk's encoded `content`
_RESULT_KEYS = frozenset({"index", "created", "deduplicated", "review", "error"})
_BODY_PREFIX = b'{"reviews":['
_PREFIX = len(_BODY_PREFIX)


def _unreadable() -> MalformedResponseError:
    return MalformedResponseError(
        "the batch response has no readable result for this item", status_code=200, method="POST"
    )


def _unmatched(count: int) -> MalformedResponseError:
    said = "no result" if count == 0 else f"{count} results"
    return MalformedResponseError(
        f"the batch response has {said} with this item's index, so its fate is unknown", status_code=200, method="POST"
    )


_NOT_ANSWERED: Any = object()
# Outcomes a result holds before it keeps the answers of later ones compressed: about 4 MB of
# answers. Smaller jobs keep them as they came (no CPU spent); bigger ones save 80% of that memory.
_COMPACT_AFTER = 10_000


def _match(chunk: _Chunk, results: list[Any], content: bytes) -> _Batch:
    """One outcome per item of `chunk`, each read from the one result carrying its `index`.

    The API sends results in input order, but order is not what the SDK trusts: a result names
    its item. A result naming no item of the chunk (out of range, not an integer, unreadable) is
    set aside; the item it was meant for then has no result. An item with none, or with several
    (which one is true?), is `uncertain`: the server may have stored it.
    """
    size = len(chunk.indices)
    if results and type(results[0]) is _StoredResult:
        # Decoded by `_read_answer` as the usual answer (each result stored, with its review):
        # read in one pass if every result also sits in its item's place, so that each position
        # names exactly one item. Otherwise decoded again as plain JSON, for the general path.
        if len(results) == size:
            statuses: list[OutcomeStatus] = []
            for p, result in enumerate(results):
                if result.index != p or memoryview(result.review)[0] != _OBJECT:  # the review is an object
                    break
                if result.deduplicated:
                    statuses.append("deduplicated")
                elif result.created:
                    statuses.append("created")
                else:
                    break
            else:
                return _Run(chunk, statuses, _Answer(content, size))
        results = _parse_results(_loads(content))
    found: list[Any] = [_NOT_ANSWERED] * size
    where = [0] * size  # the result's position in `results`, to find its review again
    counts = [0] * size
    for at, raw in enumerate(results):
        position = raw.get("index") if type(raw) is dict else None
        if type(position) is int and 0 <= position < size:
            found[position] = raw
            where[position] = at
            counts[position] += 1
    answer = _Answer(content, sum(1 for raw in found if type(raw) is dict and type(raw.get("review")) is dict))
    return [
        BatchStream._outcome(i, item, found[p], answer, where[p])
        if counts[p] == 1
        else BatchOutcome(i, "uncertain", _eager(item), error=_unmatched(counts[p]))
        for p, (i, item) in enumerate(zip(chunk.indices, chunk.inputs, strict=True))
    ]


_by_index = operator.attrgetter("_index")  # C: the sort of a result calls it once per outcome
_status_of = operator.attrgetter("_status")


def _indices(chunks: Iterable[_Chunk]) -> Iterator[int]:
    for chunk in chunks:
        yield from chunk.indices


class _StoredResult(msgspec.Struct):
    """A result of the usual kind: the item stored (or found stored), with its review.

    The review is left undecoded (`msgspec.Raw`): it is parsed only when read, from the bytes
    `_Answer` keeps. Unknown fields are ignored, as the API is beta; any other shape fails the
    decoding, and the answer is read as plain JSON instead.
    """

    index: int
    created: bool
    deduplicated: bool
    review: msgspec.Raw
    error: None


class _StoredAnswer(msgspec.Struct):
    results: list[_StoredResult]


_STORED_ANSWER = msgspec.json.Decoder(_StoredAnswer)
_OBJECT = ord("{")


def _read_answer(response: httpx.Response) -> tuple[list[Any], bytes]:
    """The decoded results, and the bytes they came from (`_Answer` keeps those).

    First as the usual answer (`_StoredAnswer`, reviews undecoded: a third of the decoding, and
    none of the review's dicts and lists for the collector); an answer of any other shape, or
    not JSON, is read as before (`_parse_body`: plain JSON, its errors).
    """
    content = response.content
    try:
        return _STORED_ANSWER.decode(content).results, content
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return _parse_body(response, _parse_results), content


def _parse_results(data: Any) -> list[Any]:
    results = data["results"]
    if not isinstance(results, list):
        raise TypeError("results is not a list")
    return results


async def _aiter(items: AsyncIterable[ReviewItem]) -> AsyncGenerator[Any, None]:
    async for item in items:
        yield item
