from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.review_create import ReviewCreate
from ...models.review_write_result import ReviewWriteResult
from ...types import Response


def _get_kwargs(
    *,
    body: ReviewCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/me/reviews",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ReviewWriteResult | None:
    if response.status_code == 200:
        response_200 = ReviewWriteResult.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = ReviewWriteResult.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorEnvelope.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | ReviewWriteResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewCreate,
) -> Response[ErrorEnvelope | ReviewWriteResult]:
    """Create a review

     Adds one review. Re-POSTing an identical review (same title, rating, text, watched date) is
    deduplicated and returns `200` with `deduplicated: true` instead of creating a copy. Reviews created
    via the API are tagged `source: "api"`. Known beta limitation: rewatch numbering and rating-tier
    ordering normalize the next time the user edits in the app.

    Endpoint error: `media_not_found` — the tmdb_id / media_type combination doesn't exist on TMDB.

    Args:
        body (ReviewCreate): One review to write. For seasons and episodes, `tmdb_id` is the
            show's TMDB id: `season_number` is required when `media_type` is `tv_season` or
            `tv_episode`, and `episode_number` when it is `tv_episode` (expressed below with
            `if`/`then`, which not every tool enforces).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ReviewWriteResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewCreate,
) -> ErrorEnvelope | ReviewWriteResult | None:
    """Create a review

     Adds one review. Re-POSTing an identical review (same title, rating, text, watched date) is
    deduplicated and returns `200` with `deduplicated: true` instead of creating a copy. Reviews created
    via the API are tagged `source: "api"`. Known beta limitation: rewatch numbering and rating-tier
    ordering normalize the next time the user edits in the app.

    Endpoint error: `media_not_found` — the tmdb_id / media_type combination doesn't exist on TMDB.

    Args:
        body (ReviewCreate): One review to write. For seasons and episodes, `tmdb_id` is the
            show's TMDB id: `season_number` is required when `media_type` is `tv_season` or
            `tv_episode`, and `episode_number` when it is `tv_episode` (expressed below with
            `if`/`then`, which not every tool enforces).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ReviewWriteResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewCreate,
) -> Response[ErrorEnvelope | ReviewWriteResult]:
    """Create a review

     Adds one review. Re-POSTing an identical review (same title, rating, text, watched date) is
    deduplicated and returns `200` with `deduplicated: true` instead of creating a copy. Reviews created
    via the API are tagged `source: "api"`. Known beta limitation: rewatch numbering and rating-tier
    ordering normalize the next time the user edits in the app.

    Endpoint error: `media_not_found` — the tmdb_id / media_type combination doesn't exist on TMDB.

    Args:
        body (ReviewCreate): One review to write. For seasons and episodes, `tmdb_id` is the
            show's TMDB id: `season_number` is required when `media_type` is `tv_season` or
            `tv_episode`, and `episode_number` when it is `tv_episode` (expressed below with
            `if`/`then`, which not every tool enforces).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ReviewWriteResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewCreate,
) -> ErrorEnvelope | ReviewWriteResult | None:
    """Create a review

     Adds one review. Re-POSTing an identical review (same title, rating, text, watched date) is
    deduplicated and returns `200` with `deduplicated: true` instead of creating a copy. Reviews created
    via the API are tagged `source: "api"`. Known beta limitation: rewatch numbering and rating-tier
    ordering normalize the next time the user edits in the app.

    Endpoint error: `media_not_found` — the tmdb_id / media_type combination doesn't exist on TMDB.

    Args:
        body (ReviewCreate): One review to write. For seasons and episodes, `tmdb_id` is the
            show's TMDB id: `season_number` is required when `media_type` is `tv_season` or
            `tv_episode`, and `episode_number` when it is `tv_episode` (expressed below with
            `if`/`then`, which not every tool enforces).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ReviewWriteResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
