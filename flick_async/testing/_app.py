"""The ASGI app: routing, the request pipeline and the eight operations.

Every API request goes through one pipeline, in this order:

1. the global `api_disabled` switch (503; nothing counted);
2. authentication (401 `invalid_api_key` / `api_key_revoked`, 403 `pro_required`; nothing counted);
3. fault selection (`_faults.py`); an injected 429 burst answers here, counting nothing;
4. the rate limiter: a 429 counts nothing, anything else spends one request of both windows;
5. an injected error fault, or the operation itself (possibly slowed, truncated or dropped).

Every answer from the API itself carries the five `X-RateLimit-*` headers and a `Date` from
the server clock, and every error uses the envelope with the statuses of contract.md: an
unknown route or method is a 404 `not_found`, an unreadable body a 400 `invalid_request`, and
an exception in a handler a 500 `internal_error` (logged on `flick_async.testing`).
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import functools
import importlib.resources
import json
import math
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from flick_async._logging import sdk_logger

from . import _faults
from ._ratelimit import Decision
from ._requestlog import LoggedRequest
from ._store import Collection, hash_key
from ._validation import Invalid, batch_items, resolve_params, review_input

if TYPE_CHECKING:
    from ._server import FlickServer

__all__ = ["ConnectionDropped", "build_app"]

logger = sdk_logger("flick_async.testing")
PREFIX = "/api/beta"
_AUTH_STATUS = {"invalid_api_key": 401, "api_key_revoked": 401, "pro_required": 403}
_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

Handler = Callable[[Request, str], Awaitable[Response]]


class ConnectionDropped(Exception):
    """Raised mid-response to make the server drop the connection (`DropAfterCommit`)."""


def error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    """An error in the envelope."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


class _DroppedResponse(Response):
    """Sends the status line and a Content-Length, half the body, then drops the connection."""

    def __init__(self, inner: Response) -> None:
        self.inner = inner
        self.status_code = inner.status_code
        self.body = bytes(inner.body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.inner.raw_headers})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        raise ConnectionDropped("connection dropped after the request was committed (DropAfterCommit)")


def _scrambled(inner: Response, fault: _faults.ScrambledResults, faults: _faults.Faults) -> Response:
    body = json.loads(bytes(inner.body))
    if inner.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("results"), list):
        return inner
    return JSONResponse({**body, "results": faults.scramble(fault, body["results"])}, status_code=200)


def _truncated(inner: Response) -> Response:
    body = bytes(inner.body)
    return Response(body[: max(1, len(body) // 2)], status_code=inner.status_code, media_type="application/json")


def _odd_total(inner: Response, fault: _faults.OddTotal) -> Response:
    body = json.loads(bytes(inner.body))
    if inner.status_code != 200 or not isinstance(body, dict) or "data" not in body:
        return inner
    if fault.value is _faults.OddTotal.MISSING:
        body.pop("total", None)
    else:
        body["total"] = fault.value
    return JSONResponse(body, status_code=inner.status_code)


def presented_key(request: Request) -> str | None:
    """The key from `Authorization: Bearer …` or, failing that, `X-API-Key`; "" when malformed."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        if request.headers.get("x-api-key") is None:
            return ""
    key = request.headers.get("x-api-key")
    return key.strip() if key is not None else None


class _API:
    def __init__(self, server: FlickServer) -> None:
        self.server = server

    # -- the pipeline ----------------------------------------------------------------------------

    def route(self, method: str, path: str, handler: Handler) -> Route:
        name = f"{method} {path}"

        async def endpoint(request: Request) -> Response:
            return await self.dispatch(request, name, handler)

        return Route(PREFIX + path, endpoint, methods=[method], name=name)

    async def dispatch(self, request: Request, route: str, handler: Handler) -> Response:
        server = self.server
        now = server.clock.time()
        key = presented_key(request)
        key_id = hash_key(key) if key else None
        account_id: str | None = None
        fault: _faults.Fault | None = None
        decision: Decision | None = None
        try:
            if server.api_disabled:
                response: Response = error(503, "api_disabled", "The API is temporarily disabled.")
            else:
                auth = server.store.authenticate(key, now=now)
                account_id = auth.account_id
                if auth.error is not None:
                    response = error(_AUTH_STATUS[auth.error], auth.error, auth.message)
                else:
                    assert auth.account_id is not None
                    assert auth.key_id is not None
                    fault = server.faults.pick(route)
                    response, decision = await self.admit(request, handler, auth.account_id, auth.key_id, fault, now)
        except Exception:  # a bug here must still answer in the envelope
            logger.exception("internal error answering %s", route)
            response = error(500, "internal_error", "Something went wrong on our side.")
        if not isinstance(fault, _faults.BadGatewayHTML | _faults.NonStandardStatus):
            decision = decision or server.limiter.peek(key_id, now, account_id=account_id)
            self.stamp(response, decision, now, fault)
        server.request_log.append(_log_entry(now, key_id, account_id, route, request, response.status_code, fault))
        return response

    async def admit(
        self,
        request: Request,
        handler: Handler,
        account_id: str,
        key_id: str,
        fault: _faults.Fault | None,
        now: float,
    ) -> tuple[Response, Decision]:
        server = self.server
        if isinstance(fault, _faults.RateLimitBurst):
            decision = server.limiter.refuse(
                key_id, now, retry_after=fault.retry_after, window=fault.window, account_id=account_id
            )
            return self.too_many(decision), decision
        decision = server.limiter.hit(key_id, now, account_id=account_id)
        if not decision.allowed:
            return self.too_many(decision), decision
        if isinstance(fault, _faults.InternalError):
            return error(500, "internal_error", "Something went wrong on our side."), decision
        if isinstance(fault, _faults.APIDisabled):
            return error(503, "api_disabled", "The API is temporarily disabled."), decision
        if isinstance(fault, _faults.BadGatewayHTML):
            return Response(_BAD_GATEWAY, status_code=502, media_type="text/html"), decision
        if isinstance(fault, _faults.NonStandardStatus):
            return Response(b"", status_code=fault.status), decision
        if isinstance(fault, _faults.Slow) and not fault.after_commit:
            await server.clock.sleep(fault.seconds)
        try:
            response = await handler(request, account_id)
        except Invalid as exc:
            response = error(400, "invalid_request", exc.message, exc.details)
        if isinstance(fault, _faults.Slow) and fault.after_commit:
            await server.clock.sleep(fault.seconds)
        if isinstance(fault, _faults.ScrambledResults):
            return _scrambled(response, fault, server.faults), decision
        if isinstance(fault, _faults.DropAfterCommit):
            return _DroppedResponse(response), decision
        if isinstance(fault, _faults.TruncatedJSON):
            return _truncated(response), decision
        if isinstance(fault, _faults.OddTotal):
            return _odd_total(response, fault), decision
        if isinstance(fault, _faults.RepeatedCursor) and request.query_params.get("cursor"):
            body = json.loads(bytes(response.body))
            if response.status_code == 200 and isinstance(body, dict) and body.get("next_cursor"):
                body["next_cursor"] = request.query_params["cursor"]
                return JSONResponse(body), decision
        return response, decision

    @staticmethod
    def too_many(decision: Decision) -> Response:
        return error(429, "rate_limited", decision.message(), {"window": decision.window})

    @staticmethod
    def stamp(response: Response, decision: Decision, now: float, fault: _faults.Fault | None = None) -> None:
        target = response.inner if isinstance(response, _DroppedResponse) else response
        # Appended raw: no handler sets these, and MutableHeaders would rescan the list per name.
        headers = {name.lower(): value for name, value in decision.headers().items()}
        headers["date"] = email.utils.formatdate(now, usegmt=True)
        if isinstance(fault, _faults.RateLimitBurst) and fault.http_date and decision.retry_after is not None:
            headers["retry-after"] = email.utils.formatdate(math.floor(now) + decision.retry_after, usegmt=True)
        if isinstance(fault, _faults.HeaderFault):
            headers = fault.rewrite(headers)
        target.raw_headers.extend((name.lower().encode(), value.encode()) for name, value in headers.items())

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """Unknown paths and methods: 404 `not_found` in the envelope, with the usual headers."""
        now = self.server.clock.time()
        key = presented_key(request)
        key_id = hash_key(key) if key else None
        response = error(404, "not_found", f"No such operation: {request.method} {request.url.path}.")
        self.stamp(response, self.server.limiter.peek(key_id, now), now)
        self.server.request_log.append(_log_entry(now, key_id, None, None, request, 404, None))
        return response

    # -- request bodies -------------------------------------------------------------------------

    async def json_body(self, request: Request) -> object:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise Invalid({"content-type": "must be application/json"}, "Send the body as application/json.")
        limit = self.server.max_body_bytes
        too_large = Invalid(
            {"body": f"must be at most {limit:,} bytes"}, f"Request body too large (max {limit:,} bytes)."
        )
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async with contextlib.aclosing(request.stream()) as stream:
            async for chunk in stream:
                size += len(chunk)
                if size > limit:
                    raise too_large
                chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise Invalid({"body": "must be valid JSON"}, f"Malformed JSON body: {exc}.") from None

    def today(self) -> datetime.date:
        return datetime.datetime.fromtimestamp(self.server.clock.time(), datetime.UTC).date()

    # -- operations -----------------------------------------------------------------------------

    async def get_me(self, request: Request, account_id: str) -> Response:
        return JSONResponse(self.server.store.profile(account_id))

    async def resolve(self, request: Request, account_id: str) -> Response:
        title, year, media_type = resolve_params(request.query_params)
        candidates = self.server.catalog.resolver.resolve(title, year=year, media_type=media_type)
        found = [c.as_json() for c in candidates]
        return JSONResponse({"match": found[0] if found else None, "candidates": found})

    async def list_reviews(self, request: Request, account_id: str) -> Response:
        return self.page_of(request, account_id, "GET /me/reviews", "reviews")

    async def create_review(self, request: Request, account_id: str) -> Response:
        item = review_input(await self.json_body(request), today=self.today())
        media = self.server.catalog.media(item.ref)
        if media is None:
            return error(404, "media_not_found", self.server.catalog.not_found_message(item.ref))
        review, created = self.server.store.write_review(
            account_id,
            item.ref,
            media,
            rating=item.rating,
            review=item.review,
            watched_date=item.watched_date,
            tags=item.tags,
            source="api",
            now=self.server.clock.time(),
        )
        return JSONResponse({"review": review, "deduplicated": not created}, status_code=201 if created else 200)

    async def create_reviews_batch(self, request: Request, account_id: str) -> Response:
        items = batch_items(await self.json_body(request))
        today = self.today()
        results: list[dict[str, Any]] = []
        for index, raw in enumerate(items):
            result: dict[str, Any] = {"index": index, "created": False, "deduplicated": False, "review": None}
            try:
                item = review_input(raw, today=today)
            except Invalid as exc:
                result["error"] = {"code": "invalid_request", "message": exc.message, "details": exc.details}
                results.append(result)
                continue
            media = self.server.catalog.media(item.ref)
            if media is None:
                message = self.server.catalog.not_found_message(item.ref)
                result["error"] = {"code": "media_not_found", "message": message}
                results.append(result)
                continue
            review, created = self.server.store.write_review(
                account_id,
                item.ref,
                media,
                rating=item.rating,
                review=item.review,
                watched_date=item.watched_date,
                tags=item.tags,
                source="api",
                now=self.server.clock.time(),
            )
            result.update(created=created, deduplicated=not created, review=review, error=None)
            results.append(result)
        return JSONResponse(
            {
                "results": results,
                "created_count": sum(r["created"] for r in results),
                "deduplicated_count": sum(r["deduplicated"] for r in results),
                "error_count": sum(r["error"] is not None for r in results),
            }
        )

    async def list_watchlist(self, request: Request, account_id: str) -> Response:
        return self.page_of(request, account_id, "GET /me/watchlist", "watchlist")

    async def list_lists(self, request: Request, account_id: str) -> Response:
        return self.page_of(request, account_id, "GET /me/lists", "lists")

    async def list_list_items(self, request: Request, account_id: str) -> Response:
        list_id = request.path_params["list_id"]
        return self.page_of(request, account_id, "GET /me/lists/{list_id}/items", "list_items", list_id)

    def page_of(
        self, request: Request, account_id: str, route: str, collection: Collection, list_id: str | None = None
    ) -> Response:
        body = self.server.paging.serve(
            self.server,
            request.query_params,
            account_id=account_id,
            key_id=hash_key(presented_key(request) or ""),
            route=route,
            collection=collection,
            list_id=list_id,
        )
        return error(404, "not_found", f"No list {list_id} among your lists.") if body is None else JSONResponse(body)

    # -- the schema and its docs ------------------------------------------------------------------

    async def openapi(self, request: Request) -> Response:
        return self.public(Response(schema_bytes(), media_type="application/json"))

    async def docs(self, request: Request) -> Response:
        return self.public(HTMLResponse(docs_html()))

    def public(self, response: Response) -> Response:
        """The schema and docs need no key and spend nothing, but carry the usual headers."""
        now = self.server.clock.time()
        self.stamp(response, self.server.limiter.peek(None, now), now)
        return response


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _log_entry(
    now: float,
    key_id: str | None,
    account_id: str | None,
    route: str | None,
    request: Request,
    status: int,
    fault: _faults.Fault | None,
) -> LoggedRequest:
    path: str = request.scope["path"]
    return LoggedRequest(
        time=now,
        key_id=key_id,
        account_id=account_id,
        route=route or f"{request.method} {path.removeprefix(PREFIX)}",
        path=path,
        status=status,
        fault=type(fault).__name__ if fault is not None else None,
    )


@functools.cache
def schema_bytes() -> bytes:
    """The project's openapi.json, as shipped inside the package."""
    return (importlib.resources.files("flick_async.testing") / "openapi.json").read_bytes()


@functools.cache
def docs_html() -> str:
    """The docs page, rendered once from the shipped schema."""
    from ._docs import render

    return render(json.loads(schema_bytes()))


def build_app(server: FlickServer) -> Starlette:
    """The ASGI app serving `server`."""
    api = _API(server)
    routes = [
        api.route("GET", "/me", api.get_me),
        api.route("GET", "/resolve", api.resolve),
        api.route("GET", "/me/reviews", api.list_reviews),
        api.route("POST", "/me/reviews", api.create_review),
        api.route("POST", "/me/reviews/batch", api.create_reviews_batch),
        api.route("GET", "/me/watchlist", api.list_watchlist),
        api.route("GET", "/me/lists", api.list_lists),
        api.route("GET", "/me/lists/{list_id}/items", api.list_list_items),
        Route(PREFIX + "/openapi.json", api.openapi, methods=["GET"]),
        Route(PREFIX + "/docs", api.docs, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: api.not_found})
