from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.list_item import ListItem


T = TypeVar("T", bound="ListItemPage")


@_attrs_define
class ListItemPage:
    """A page of list items.

    Attributes:
        data (list[ListItem]):
        has_more (bool): Whether a later page holds more items.
        limit (int): The page size served.
        page (int): The 1-indexed page number served.
        total (int): Items across all pages.
    """

    data: list[ListItem]
    has_more: bool
    limit: int
    page: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        has_more = self.has_more

        limit = self.limit

        page = self.page

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "has_more": has_more,
                "limit": limit,
                "page": page,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.list_item import ListItem

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = ListItem.from_dict(data_item_data)

            data.append(data_item)

        has_more = d.pop("has_more")

        limit = d.pop("limit")

        page = d.pop("page")

        total = d.pop("total")

        list_item_page = cls(
            data=data,
            has_more=has_more,
            limit=limit,
            page=page,
            total=total,
        )

        list_item_page.additional_properties = d
        return list_item_page

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
