from enum import StrEnum


class ErrorCode(StrEnum):
    API_DISABLED = "api_disabled"
    API_KEY_REVOKED = "api_key_revoked"
    INTERNAL_ERROR = "internal_error"
    INVALID_API_KEY = "invalid_api_key"
    INVALID_REQUEST = "invalid_request"
    MEDIA_NOT_FOUND = "media_not_found"
    NOT_FOUND = "not_found"
    PRO_REQUIRED = "pro_required"
    RATE_LIMITED = "rate_limited"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "ErrorCode | None":
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member
