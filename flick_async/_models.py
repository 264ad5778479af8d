"""The generated response models, under the names flick-async promises to keep.

They come straight from `generated/flick_api` (attrs classes that keep unknown fields in
`additional_properties` and parse unknown enum values), so a regenerated schema flows through.
"""

from flick_api.models import (
    Candidate,
    Confidence,
    CustomList,
    ListItem,
    Media,
    MediaType,
    Profile,
    ProfileStats,
    ResolvableMediaType,
    ResolveResult,
    Review,
    ReviewSource,
    ReviewWriteResult,
    WatchlistItem,
)

__all__ = [
    "Candidate",
    "Confidence",
    "CustomList",
    "ListItem",
    "Media",
    "MediaType",
    "Profile",
    "ProfileStats",
    "ResolvableMediaType",
    "ResolveResult",
    "Review",
    "ReviewSource",
    "ReviewWriteResult",
    "WatchlistItem",
]
