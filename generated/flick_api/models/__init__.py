"""Contains all the data models used in inputs/outputs"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .candidate import Candidate
    from .confidence import Confidence
    from .custom_list import CustomList
    from .custom_list_page import CustomListPage
    from .error import Error
    from .error_code import ErrorCode
    from .error_details import ErrorDetails
    from .error_envelope import ErrorEnvelope
    from .list_item import ListItem
    from .list_item_page import ListItemPage
    from .media import Media
    from .media_type import MediaType
    from .profile import Profile
    from .profile_stats import ProfileStats
    from .resolvable_media_type import ResolvableMediaType
    from .resolve_result import ResolveResult
    from .review import Review
    from .review_batch_create import ReviewBatchCreate
    from .review_batch_item_result import ReviewBatchItemResult
    from .review_batch_result import ReviewBatchResult
    from .review_create import ReviewCreate
    from .review_page import ReviewPage
    from .review_source import ReviewSource
    from .review_write_result import ReviewWriteResult
    from .watchlist_item import WatchlistItem
    from .watchlist_page import WatchlistPage

_MODULE_OF = {
    "Candidate": ".candidate",
    "Confidence": ".confidence",
    "CustomList": ".custom_list",
    "CustomListPage": ".custom_list_page",
    "Error": ".error",
    "ErrorCode": ".error_code",
    "ErrorDetails": ".error_details",
    "ErrorEnvelope": ".error_envelope",
    "ListItem": ".list_item",
    "ListItemPage": ".list_item_page",
    "Media": ".media",
    "MediaType": ".media_type",
    "Profile": ".profile",
    "ProfileStats": ".profile_stats",
    "ResolvableMediaType": ".resolvable_media_type",
    "ResolveResult": ".resolve_result",
    "Review": ".review",
    "ReviewBatchCreate": ".review_batch_create",
    "ReviewBatchItemResult": ".review_batch_item_result",
    "ReviewBatchResult": ".review_batch_result",
    "ReviewCreate": ".review_create",
    "ReviewPage": ".review_page",
    "ReviewSource": ".review_source",
    "ReviewWriteResult": ".review_write_result",
    "WatchlistItem": ".watchlist_item",
    "WatchlistPage": ".watchlist_page",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


__all__ = (
    "Candidate",
    "Confidence",
    "CustomList",
    "CustomListPage",
    "Error",
    "ErrorCode",
    "ErrorDetails",
    "ErrorEnvelope",
    "ListItem",
    "ListItemPage",
    "Media",
    "MediaType",
    "Profile",
    "ProfileStats",
    "ResolvableMediaType",
    "ResolveResult",
    "Review",
    "ReviewBatchCreate",
    "ReviewBatchItemResult",
    "ReviewBatchResult",
    "ReviewCreate",
    "ReviewPage",
    "ReviewSource",
    "ReviewWriteResult",
    "WatchlistItem",
    "WatchlistPage",
)
