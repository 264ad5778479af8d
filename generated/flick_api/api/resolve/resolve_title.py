from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.resolvable_media_type import ResolvableMediaType
from ...models.resolve_result import ResolveResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    title: str,
    year: int | Unset = UNSET,
    media_type: ResolvableMediaType | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["title"] = title

    params["year"] = year

    json_media_type: str | Unset = UNSET
    if not isinstance(media_type, Unset):
        json_media_type = media_type.value

    params["media_type"] = json_media_type

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/resolve",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ResolveResult | None:
    if response.status_code == 200:
        response_200 = ResolveResult.from_dict(response.json())

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
) -> Response[ErrorEnvelope | ResolveResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    title: str,
    year: int | Unset = UNSET,
    media_type: ResolvableMediaType | Unset = UNSET,
) -> Response[ErrorEnvelope | ResolveResult]:
    """Resolve a title to a TMDB id

     Best-effort lookup from loose metadata (a title, optionally a year and type) to the TMDB id and
    media_type the rest of the API expects. A fuzzy match, not an authority: `match` is the strongest
    candidate (or `null` when nothing plausible turns up); `candidates` holds up to five ranked
    alternatives. Each carries a `score` (0–1) and a `confidence` of `high`, `medium` or `low` — verify
    before trusting a `low`. Only `movie` and `tv` are resolvable; for a season or episode, resolve the
    show, then pass `season_number` / `episode_number` to the review endpoints.

    Args:
        title (str):
        year (int | Unset):
        media_type (ResolvableMediaType | Unset): The kinds of title `/resolve` can return.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ResolveResult]
    """

    kwargs = _get_kwargs(
        title=title,
        year=year,
        media_type=media_type,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    title: str,
    year: int | Unset = UNSET,
    media_type: ResolvableMediaType | Unset = UNSET,
) -> ErrorEnvelope | ResolveResult | None:
    """Resolve a title to a TMDB id

     Best-effort lookup from loose metadata (a title, optionally a year and type) to the TMDB id and
    media_type the rest of the API expects. A fuzzy match, not an authority: `match` is the strongest
    candidate (or `null` when nothing plausible turns up); `candidates` holds up to five ranked
    alternatives. Each carries a `score` (0–1) and a `confidence` of `high`, `medium` or `low` — verify
    before trusting a `low`. Only `movie` and `tv` are resolvable; for a season or episode, resolve the
    show, then pass `season_number` / `episode_number` to the review endpoints.

    Args:
        title (str):
        year (int | Unset):
        media_type (ResolvableMediaType | Unset): The kinds of title `/resolve` can return.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ResolveResult
    """

    return sync_detailed(
        client=client,
        title=title,
        year=year,
        media_type=media_type,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    title: str,
    year: int | Unset = UNSET,
    media_type: ResolvableMediaType | Unset = UNSET,
) -> Response[ErrorEnvelope | ResolveResult]:
    """Resolve a title to a TMDB id

     Best-effort lookup from loose metadata (a title, optionally a year and type) to the TMDB id and
    media_type the rest of the API expects. A fuzzy match, not an authority: `match` is the strongest
    candidate (or `null` when nothing plausible turns up); `candidates` holds up to five ranked
    alternatives. Each carries a `score` (0–1) and a `confidence` of `high`, `medium` or `low` — verify
    before trusting a `low`. Only `movie` and `tv` are resolvable; for a season or episode, resolve the
    show, then pass `season_number` / `episode_number` to the review endpoints.

    Args:
        title (str):
        year (int | Unset):
        media_type (ResolvableMediaType | Unset): The kinds of title `/resolve` can return.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ResolveResult]
    """

    kwargs = _get_kwargs(
        title=title,
        year=year,
        media_type=media_type,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    title: str,
    year: int | Unset = UNSET,
    media_type: ResolvableMediaType | Unset = UNSET,
) -> ErrorEnvelope | ResolveResult | None:
    """Resolve a title to a TMDB id

     Best-effort lookup from loose metadata (a title, optionally a year and type) to the TMDB id and
    media_type the rest of the API expects. A fuzzy match, not an authority: `match` is the strongest
    candidate (or `null` when nothing plausible turns up); `candidates` holds up to five ranked
    alternatives. Each carries a `score` (0–1) and a `confidence` of `high`, `medium` or `low` — verify
    before trusting a `low`. Only `movie` and `tv` are resolvable; for a season or episode, resolve the
    show, then pass `season_number` / `episode_number` to the review endpoints.

    Args:
        title (str):
        year (int | Unset):
        media_type (ResolvableMediaType | Unset): The kinds of title `/resolve` can return.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ResolveResult
    """

    return (
        await asyncio_detailed(
            client=client,
            title=title,
            year=year,
            media_type=media_type,
        )
    ).parsed
