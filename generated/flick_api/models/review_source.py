from enum import StrEnum


class ReviewSource(StrEnum):
    API = "api"
    APP = "app"
    IMPORT = "import"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "ReviewSource | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member
