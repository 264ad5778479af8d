from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.review_batch_item_result import ReviewBatchItemResult


T = TypeVar("T", bound="ReviewBatchResult")


@_attrs_define
class ReviewBatchResult:
    """
    Attributes:
        created_count (int):
        deduplicated_count (int):
        error_count (int):
        results (list[ReviewBatchItemResult]):
    """

    created_count: int
    deduplicated_count: int
    error_count: int
    results: list[ReviewBatchItemResult]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_count = self.created_count

        deduplicated_count = self.deduplicated_count

        error_count = self.error_count

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_count": created_count,
                "deduplicated_count": deduplicated_count,
                "error_count": error_count,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.review_batch_item_result import ReviewBatchItemResult

        d = dict(src_dict)
        created_count = d.pop("created_count")

        deduplicated_count = d.pop("deduplicated_count")

        error_count = d.pop("error_count")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = ReviewBatchItemResult.from_dict(results_item_data)

            results.append(results_item)

        review_batch_result = cls(
            created_count=created_count,
            deduplicated_count=deduplicated_count,
            error_count=error_count,
            results=results,
        )

        review_batch_result.additional_properties = d
        return review_batch_result

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
