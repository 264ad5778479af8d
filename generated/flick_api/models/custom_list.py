from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CustomList")


@_attrs_define
class CustomList:
    """
    Attributes:
        created_at (datetime.datetime):
        description (None | str):
        id (str):
        item_count (int):
        name (str):
        ranked (bool):
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    description: None | str
    id: str
    item_count: int
    name: str
    ranked: bool
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        description: None | str
        description = self.description

        id = self.id

        item_count = self.item_count

        name = self.name

        ranked = self.ranked

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "id": id,
                "item_count": item_count,
                "name": name,
                "ranked": ranked,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        id = d.pop("id")

        item_count = d.pop("item_count")

        name = d.pop("name")

        ranked = d.pop("ranked")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        custom_list = cls(
            created_at=created_at,
            description=description,
            id=id,
            item_count=item_count,
            name=name,
            ranked=ranked,
            updated_at=updated_at,
        )

        custom_list.additional_properties = d
        return custom_list

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
