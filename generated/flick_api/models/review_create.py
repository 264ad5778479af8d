from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_type import MediaType
from ..types import UNSET, Unset

T = TypeVar("T", bound="ReviewCreate")


@_attrs_define
class ReviewCreate:
    """One review to write. For seasons and episodes, `tmdb_id` is the show's TMDB id: `season_number` is required when
    `media_type` is `tv_season` or `tv_episode`, and `episode_number` when it is `tv_episode` (expressed below with
    `if`/`then`, which not every tool enforces).

        Attributes:
            media_type (MediaType): The kind of title.
            tmdb_id (str): For seasons and episodes, the show's TMDB id.
            episode_number (int | Unset): Required if media_type is `tv_episode`.
            rating (float | Unset): 0–10; omit for an unrated log.
            review (str | Unset):
            season_number (int | Unset): Required if media_type is `tv_season` or `tv_episode`.
            tags (list[str] | Unset):
            watched_date (datetime.date | Unset): `YYYY-MM-DD`; not in the future.
    """

    media_type: MediaType
    tmdb_id: str
    episode_number: int | Unset = UNSET
    rating: float | Unset = UNSET
    review: str | Unset = UNSET
    season_number: int | Unset = UNSET
    tags: list[str] | Unset = UNSET
    watched_date: datetime.date | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        media_type = self.media_type.value

        tmdb_id = self.tmdb_id

        episode_number = self.episode_number

        rating = self.rating

        review = self.review

        season_number = self.season_number

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        watched_date: str | Unset = UNSET
        if not isinstance(self.watched_date, Unset):
            watched_date = self.watched_date.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "media_type": media_type,
                "tmdb_id": tmdb_id,
            }
        )
        if episode_number is not UNSET:
            field_dict["episode_number"] = episode_number
        if rating is not UNSET:
            field_dict["rating"] = rating
        if review is not UNSET:
            field_dict["review"] = review
        if season_number is not UNSET:
            field_dict["season_number"] = season_number
        if tags is not UNSET:
            field_dict["tags"] = tags
        if watched_date is not UNSET:
            field_dict["watched_date"] = watched_date

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        media_type = MediaType(d.pop("media_type"))

        tmdb_id = d.pop("tmdb_id")

        episode_number = d.pop("episode_number", UNSET)

        rating = d.pop("rating", UNSET)

        review = d.pop("review", UNSET)

        season_number = d.pop("season_number", UNSET)

        tags = cast(list[str], d.pop("tags", UNSET))

        _watched_date = d.pop("watched_date", UNSET)
        watched_date: datetime.date | Unset
        if isinstance(_watched_date, Unset):
            watched_date = UNSET
        else:
            watched_date = datetime.date.fromisoformat(_watched_date)

        review_create = cls(
            media_type=media_type,
            tmdb_id=tmdb_id,
            episode_number=episode_number,
            rating=rating,
            review=review,
            season_number=season_number,
            tags=tags,
            watched_date=watched_date,
        )

        review_create.additional_properties = d
        return review_create

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
