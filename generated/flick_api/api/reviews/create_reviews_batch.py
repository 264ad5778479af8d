from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.review_batch_create import ReviewBatchCreate
from ...models.review_batch_result import ReviewBatchResult
from ...types import Response


def _get_kwargs(
    *,
    body: ReviewBatchCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/me/reviews/batch",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ReviewBatchResult | None:
    if response.status_code == 200:
        response_200 = ReviewBatchResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

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
) -> Response[ErrorEnvelope | ReviewBatchResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewBatchCreate,
) -> Response[ErrorEnvelope | ReviewBatchResult]:
    """Create reviews in batch

     Up to 50 reviews in one request. Items are processed independently; the response reports per-item
    outcomes in input order. Duplicates — against existing reviews or within the batch — are skipped and
    counted in `deduplicated_count`. No all-or-nothing rollback: check each item's `created` / `error`,
    not the HTTP status. `media_not_found` is reported per item in `results[].error`, not as a top-level
    status. A malformed envelope (0 or more than 50 items) is a top-level `400 invalid_request`.

    Args:
        body (ReviewBatchCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ReviewBatchResult]
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
    body: ReviewBatchCreate,
) -> ErrorEnvelope | ReviewBatchResult | None:
    """Create reviews in batch

     Up to 50 reviews in one request. Items are processed independently; the response reports per-item
    outcomes in input order. Duplicates — against existing reviews or within the batch — are skipped and
    counted in `deduplicated_count`. No all-or-nothing rollback: check each item's `created` / `error`,
    not the HTTP status. `media_not_found` is reported per item in `results[].error`, not as a top-level
    status. A malformed envelope (0 or more than 50 items) is a top-level `400 invalid_request`.

    Args:
        body (ReviewBatchCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ReviewBatchResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewBatchCreate,
) -> Response[ErrorEnvelope | ReviewBatchResult]:
    """Create reviews in batch

     Up to 50 reviews in one request. Items are processed independently; the response reports per-item
    outcomes in input order. Duplicates — against existing reviews or within the batch — are skipped and
    counted in `deduplicated_count`. No all-or-nothing rollback: check each item's `created` / `error`,
    not the HTTP status. `media_not_found` is reported per item in `results[].error`, not as a top-level
    status. A malformed envelope (0 or more than 50 items) is a top-level `400 invalid_request`.

    Args:
        body (ReviewBatchCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ReviewBatchResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ReviewBatchCreate,
) -> ErrorEnvelope | ReviewBatchResult | None:
    """Create reviews in batch

     Up to 50 reviews in one request. Items are processed independently; the response reports per-item
    outcomes in input order. Duplicates — against existing reviews or within the batch — are skipped and
    counted in `deduplicated_count`. No all-or-nothing rollback: check each item's `created` / `error`,
    not the HTTP status. `media_not_found` is reported per item in `results[].error`, not as a top-level
    status. A malformed envelope (0 or more than 50 items) is a top-level `400 invalid_request`.

    Args:
        body (ReviewBatchCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ReviewBatchResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
