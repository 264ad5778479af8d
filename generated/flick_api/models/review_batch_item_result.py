from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.error import Error
    from ..models.review import Review


T = TypeVar("T", bound="ReviewBatchItemResult")


@_attrs_define
class ReviewBatchItemResult:
    """
    Attributes:
        created (bool):
        deduplicated (bool):
        error (Error | None):
        index (int): Position in the request's `reviews`.
        review (None | Review):
    """

    created: bool
    deduplicated: bool
    error: Error | None
    index: int
    review: None | Review
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error import Error
        from ..models.review import Review

        created = self.created

        deduplicated = self.deduplicated

        error: dict[str, Any] | None
        if isinstance(self.error, Error):
            error = self.error.to_dict()
        else:
            error = self.error

        index = self.index

        review: dict[str, Any] | None
        if isinstance(self.review, Review):
            review = self.review.to_dict()
        else:
            review = self.review

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "deduplicated": deduplicated,
                "error": error,
                "index": index,
                "review": review,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.error import Error
        from ..models.review import Review

        d = dict(src_dict)
        created = d.pop("created")

        deduplicated = d.pop("deduplicated")

        def _parse_error(data: object) -> Error | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = Error.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Error | None, data)

        error = _parse_error(d.pop("error"))

        index = d.pop("index")

        def _parse_review(data: object) -> None | Review:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                review_type_0 = Review.from_dict(data)

                return review_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Review, data)

        review = _parse_review(d.pop("review"))

        review_batch_item_result = cls(
            created=created,
            deduplicated=deduplicated,
            error=error,
            index=index,
            review=review,
        )

        review_batch_item_result.additional_properties = d
        return review_batch_item_result

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
