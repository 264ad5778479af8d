from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.media import Media


T = TypeVar("T", bound="WatchlistItem")


@_attrs_define
class WatchlistItem:
    """
    Attributes:
        added_at (datetime.datetime):
        media (Media): A title. `season_number`, `episode_number` and `show_title` are present only for seasons and
            episodes; `tmdb_id` is then the show's id. Example: {'episode_number': 1, 'poster_url':
            'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', 'season_number': 1, 'show_title': 'Breaking
            Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode', 'year': 2008}.
    """

    added_at: datetime.datetime
    media: Media
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        added_at = self.added_at.isoformat()

        media = self.media.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added_at": added_at,
                "media": media,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media import Media

        d = dict(src_dict)
        added_at = datetime.datetime.fromisoformat(d.pop("added_at"))

        media = Media.from_dict(d.pop("media"))

        watchlist_item = cls(
            added_at=added_at,
            media=media,
        )

        watchlist_item.additional_properties = d
        return watchlist_item

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
