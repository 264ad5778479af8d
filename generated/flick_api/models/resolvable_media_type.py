from enum import StrEnum


class ResolvableMediaType(StrEnum):
    MOVIE = "movie"
    TV = "tv"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "ResolvableMediaType | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member
