"""Client-side rules of the Flick API, read from openapi.json by scripts/regen.py: do not edit.

flick_async checks requests against these before sending; a regenerated schema changes them.
"""

from typing import Final, Literal, TypeAlias

DEFAULT_BASE_URL: Final[str] = "https://flickmovies.com/api/beta"

MediaTypeValue: TypeAlias = Literal["movie", "tv", "tv_season", "tv_episode"]
MEDIA_TYPES: Final[tuple[str, ...]] = ("movie", "tv", "tv_season", "tv_episode")

ResolvableMediaTypeValue: TypeAlias = Literal["movie", "tv"]
RESOLVABLE_MEDIA_TYPES: Final[tuple[str, ...]] = ("movie", "tv")

TMDB_ID_MIN_LENGTH: Final[int | None] = 1  # /components/schemas/ReviewCreate/properties/tmdb_id minLength
SEASON_MINIMUM: Final[int | None] = 0  # /components/schemas/ReviewCreate/properties/season_number minimum
EPISODE_MINIMUM: Final[int | None] = 0  # /components/schemas/ReviewCreate/properties/episode_number minimum
RATING_MINIMUM: Final[float | None] = 0  # /components/schemas/ReviewCreate/properties/rating minimum
RATING_MAXIMUM: Final[float | None] = 10  # /components/schemas/ReviewCreate/properties/rating maximum
REVIEW_MAX_LENGTH: Final[int | None] = 10000  # /components/schemas/ReviewCreate/properties/review maxLength
TAGS_MAX_ITEMS: Final[int | None] = 20  # /components/schemas/ReviewCreate/properties/tags maxItems
TAG_MAX_LENGTH: Final[int | None] = 64  # /components/schemas/ReviewCreate/properties/tags/items maxLength
BATCH_MAX_ITEMS: Final[int | None] = 50  # /components/schemas/ReviewBatchCreate/properties/reviews maxItems
PAGE_MINIMUM: Final[int | None] = 1  # /components/parameters/page/schema minimum
LIMIT_MINIMUM: Final[int | None] = 1  # /components/parameters/limit/schema minimum
LIMIT_MAXIMUM: Final[int | None] = 100  # /components/parameters/limit/schema maximum
LIMIT_DEFAULT: Final[int | None] = 50  # /components/parameters/limit/schema default
TITLE_MIN_LENGTH: Final[int | None] = 1  # /paths/~1resolve/get/parameters/title/schema minLength
TITLE_MAX_LENGTH: Final[int | None] = 200  # /paths/~1resolve/get/parameters/title/schema maxLength
YEAR_MINIMUM: Final[int | None] = None  # /paths/~1resolve/get/parameters/year/schema minimum
YEAR_MAXIMUM: Final[int | None] = None  # /paths/~1resolve/get/parameters/year/schema maximum
