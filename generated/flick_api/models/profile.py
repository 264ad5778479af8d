from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.profile_stats import ProfileStats


T = TypeVar("T", bound="Profile")


@_attrs_define
class Profile:
    """
    Attributes:
        avatar_url (None | str):
        created_at (datetime.datetime):
        display_name (str):
        id (str):
        pro (bool):
        stats (ProfileStats):
        username (str):
    """

    avatar_url: None | str
    created_at: datetime.datetime
    display_name: str
    id: str
    pro: bool
    stats: ProfileStats
    username: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        avatar_url: None | str
        avatar_url = self.avatar_url

        created_at = self.created_at.isoformat()

        display_name = self.display_name

        id = self.id

        pro = self.pro

        stats = self.stats.to_dict()

        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "avatar_url": avatar_url,
                "created_at": created_at,
                "display_name": display_name,
                "id": id,
                "pro": pro,
                "stats": stats,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.profile_stats import ProfileStats

        d = dict(src_dict)

        def _parse_avatar_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        avatar_url = _parse_avatar_url(d.pop("avatar_url"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        display_name = d.pop("display_name")

        id = d.pop("id")

        pro = d.pop("pro")

        stats = ProfileStats.from_dict(d.pop("stats"))

        username = d.pop("username")

        profile = cls(
            avatar_url=avatar_url,
            created_at=created_at,
            display_name=display_name,
            id=id,
            pro=pro,
            stats=stats,
            username=username,
        )

        profile.additional_properties = d
        return profile

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
