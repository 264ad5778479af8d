from enum import StrEnum


class MediaType(StrEnum):
    MOVIE = "movie"
    TV = "tv"
    TV_EPISODE = "tv_episode"
    TV_SEASON = "tv_season"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "MediaType | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member
