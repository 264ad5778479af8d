from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.review import Review


T = TypeVar("T", bound="ReviewWriteResult")


@_attrs_define
class ReviewWriteResult:
    """
    Attributes:
        deduplicated (bool):
        review (Review):  Example: {'created_at': '2026-06-14T20:31:00Z', 'id': 'rev_01J8Z3', 'media':
            {'episode_number': 1, 'poster_url': 'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg',
            'season_number': 1, 'show_title': 'Breaking Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode',
            'year': 2008}, 'rating': 9, 'review': 'A perfect pilot.', 'source': 'api', 'tags': ['rewatch'], 'watched_date':
            '2026-06-14'}.
    """

    deduplicated: bool
    review: Review
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deduplicated = self.deduplicated

        review = self.review.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deduplicated": deduplicated,
                "review": review,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.review import Review

        d = dict(src_dict)
        deduplicated = d.pop("deduplicated")

        review = Review.from_dict(d.pop("review"))

        review_write_result = cls(
            deduplicated=deduplicated,
            review=review,
        )

        review_write_result.additional_properties = d
        return review_write_result

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
