from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.confidence import Confidence
from ..models.resolvable_media_type import ResolvableMediaType

T = TypeVar("T", bound="Candidate")


@_attrs_define
class Candidate:
    """
    Attributes:
        confidence (Confidence): How far to trust a resolve candidate; verify a `low`.
        media_type (ResolvableMediaType): The kinds of title `/resolve` can return.
        poster_url (None | str):
        score (float):
        title (str):
        tmdb_id (str):
        year (int | None):
    """

    confidence: Confidence
    media_type: ResolvableMediaType
    poster_url: None | str
    score: float
    title: str
    tmdb_id: str
    year: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        confidence = self.confidence.value

        media_type = self.media_type.value

        poster_url: None | str
        poster_url = self.poster_url

        score = self.score

        title = self.title

        tmdb_id = self.tmdb_id

        year: int | None
        year = self.year

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "confidence": confidence,
                "media_type": media_type,
                "poster_url": poster_url,
                "score": score,
                "title": title,
                "tmdb_id": tmdb_id,
                "year": year,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        confidence = Confidence(d.pop("confidence"))

        media_type = ResolvableMediaType(d.pop("media_type"))

        def _parse_poster_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        poster_url = _parse_poster_url(d.pop("poster_url"))

        score = d.pop("score")

        title = d.pop("title")

        tmdb_id = d.pop("tmdb_id")

        def _parse_year(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        year = _parse_year(d.pop("year"))

        candidate = cls(
            confidence=confidence,
            media_type=media_type,
            poster_url=poster_url,
            score=score,
            title=title,
            tmdb_id=tmdb_id,
            year=year,
        )

        candidate.additional_properties = d
        return candidate

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
