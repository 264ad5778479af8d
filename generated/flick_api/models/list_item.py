from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.media import Media


T = TypeVar("T", bound="ListItem")


@_attrs_define
class ListItem:
    """
    Attributes:
        added_at (datetime.datetime):
        media (Media): A title. `season_number`, `episode_number` and `show_title` are present only for seasons and
            episodes; `tmdb_id` is then the show's id. Example: {'episode_number': 1, 'poster_url':
            'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg', 'season_number': 1, 'show_title': 'Breaking
            Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode', 'year': 2008}.
        note (None | str):
        rank (int | None): Null for unranked lists.
    """

    added_at: datetime.datetime
    media: Media
    note: None | str
    rank: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        added_at = self.added_at.isoformat()

        media = self.media.to_dict()

        note: None | str
        note = self.note

        rank: int | None
        rank = self.rank

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added_at": added_at,
                "media": media,
                "note": note,
                "rank": rank,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media import Media

        d = dict(src_dict)
        added_at = datetime.datetime.fromisoformat(d.pop("added_at"))

        media = Media.from_dict(d.pop("media"))

        def _parse_note(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        note = _parse_note(d.pop("note"))

        def _parse_rank(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rank = _parse_rank(d.pop("rank"))

        list_item = cls(
            added_at=added_at,
            media=media,
            note=note,
            rank=rank,
        )

        list_item.additional_properties = d
        return list_item

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
