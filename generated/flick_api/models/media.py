from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.media_type import MediaType
from ..types import UNSET, Unset

T = TypeVar("T", bound="Media")


@_attrs_define
class Media:
    """A title. `season_number`, `episode_number` and `show_title` are present only for seasons and episodes; `tmdb_id` is
    then the show's id.

        Example:
            {'episode_number': 1, 'poster_url': 'https://image.tmdb.org/t/p/w500/ggFHVNu6YYI5L9pCfOacjizRGt.jpg',
                'season_number': 1, 'show_title': 'Breaking Bad', 'title': 'Pilot', 'tmdb_id': '1396', 'type': 'tv_episode',
                'year': 2008}

        Attributes:
            poster_url (None | str):
            title (str):
            tmdb_id (str): TMDB id, as a string.
            type_ (MediaType): The kind of title.
            year (int | None):
            episode_number (int | Unset):
            season_number (int | Unset):
            show_title (str | Unset):
    """

    poster_url: None | str
    title: str
    tmdb_id: str
    type_: MediaType
    year: int | None
    episode_number: int | Unset = UNSET
    season_number: int | Unset = UNSET
    show_title: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        poster_url: None | str
        poster_url = self.poster_url

        title = self.title

        tmdb_id = self.tmdb_id

        type_ = self.type_.value

        year: int | None
        year = self.year

        episode_number = self.episode_number

        season_number = self.season_number

        show_title = self.show_title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "poster_url": poster_url,
                "title": title,
                "tmdb_id": tmdb_id,
                "type": type_,
                "year": year,
            }
        )
        if episode_number is not UNSET:
            field_dict["episode_number"] = episode_number
        if season_number is not UNSET:
            field_dict["season_number"] = season_number
        if show_title is not UNSET:
            field_dict["show_title"] = show_title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_poster_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        poster_url = _parse_poster_url(d.pop("poster_url"))

        title = d.pop("title")

        tmdb_id = d.pop("tmdb_id")

        type_ = MediaType(d.pop("type"))

        def _parse_year(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        year = _parse_year(d.pop("year"))

        episode_number = d.pop("episode_number", UNSET)

        season_number = d.pop("season_number", UNSET)

        show_title = d.pop("show_title", UNSET)

        media = cls(
            poster_url=poster_url,
            title=title,
            tmdb_id=tmdb_id,
            type_=type_,
            year=year,
            episode_number=episode_number,
            season_number=season_number,
            show_title=show_title,
        )

        media.additional_properties = d
        return media

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
