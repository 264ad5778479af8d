"""Contains all the data models used in inputs/outputs"""

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
