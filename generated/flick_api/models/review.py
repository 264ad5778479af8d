from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.review_source import ReviewSource

if TYPE_CHECKING:
    from ..models.media import Media


T = TypeVar("T", bound="Review")


@_attrs_define
class Review:
    """
    Example:
        {'created_at': '2026-06-14T20:31:00Z', 'id': 'rev_01J8Z3', 'media': {'episode_number': 1, 'poster_url':
            'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', 'season_number': 1, 'show_title': 'Breaking
            Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode', 'year': 2008}, 'rating': 9, 'review': 'A
            perfect pilot.', 'source': 'api', 'tags': ['rewatch'], 'watched_date': '2026-06-14'}

    Attributes:
        created_at (datetime.datetime):
        id (str):
        media (Media): A title. `season_number`, `episode_number` and `show_title` are present only for seasons and
            episodes; `tmdb_id` is then the show's id. Example: {'episode_number': 1, 'poster_url':
            'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', 'season_number': 1, 'show_title': 'Breaking
            Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode', 'year': 2008}.
        rating (float | None):
        review (None | str):
        source (ReviewSource): `app` (logged in the app), `import` (Letterboxd/CSV import), or `api`.
        tags (list[str]):
        watched_date (datetime.date | None):
    """

    created_at: datetime.datetime
    id: str
    media: Media
    rating: float | None
    review: None | str
    source: ReviewSource
    tags: list[str]
    watched_date: datetime.date | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        media = self.media.to_dict()

        rating: float | None
        rating = self.rating

        review: None | str
        review = self.review

        source = self.source.value

        tags = self.tags

        watched_date: None | str
        if isinstance(self.watched_date, datetime.date):
            watched_date = self.watched_date.isoformat()
        else:
            watched_date = self.watched_date

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "media": media,
                "rating": rating,
                "review": review,
                "source": source,
                "tags": tags,
                "watched_date": watched_date,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media import Media

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        media = Media.from_dict(d.pop("media"))

        def _parse_rating(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        rating = _parse_rating(d.pop("rating"))

        def _parse_review(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        review = _parse_review(d.pop("review"))

        source = ReviewSource(d.pop("source"))

        tags = cast(list[str], d.pop("tags"))

        def _parse_watched_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                watched_date_type_0 = datetime.date.fromisoformat(data)

                return watched_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        watched_date = _parse_watched_date(d.pop("watched_date"))

        review = cls(
            created_at=created_at,
            id=id,
            media=media,
            rating=rating,
            review=review,
            source=source,
            tags=tags,
            watched_date=watched_date,
        )

        review.additional_properties = d
        return review

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
