"""`GET /resolve`: fuzzy matching of loose titles against the catalog.

Titles and aliases are normalised once, when the index is built: accents stripped, case
folded, apostrophes dropped, other punctuation turned into spaces, `&` read as `and`, and a
leading article ("The", "A", "An") removed. A query is normalised the same way, exact
normalised names are looked up in a dict, and `rapidfuzz.process.extract` (WRatio, C++) finds
the nearest others. Each candidate is then rescored so that a title that merely contains the
query ("Up" in "Upgrade") scores below one that is the query, and a given `year` moves
same-named titles apart.

Scores (0–1) and confidence:
    1.0            the exact normalised title (or alias)
    high           ≥ 0.90, or exact title with exact year; never when another candidate
                   scores within 0.02 without being that exact title-and-year
    medium         ≥ 0.70
    low            otherwise (candidates below 0.55 are dropped; `match` is None when none remain)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from ._catalog import MediaKind, Title

__all__ = ["Candidate", "Resolver", "normalize"]

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NON_WORD = re.compile(r"[\W_]+")
_ARTICLES = frozenset({"the", "a", "an"})
_CUTOFF = 0.55
_POOL = 40  # fuzzy hits rescored per query


def normalize(text: str) -> str:
    """Fold a title to the form titles are compared in."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    words = _NON_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One resolve candidate: a title with its score and confidence."""

    title: Title
    score: float
    confidence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "tmdb_id": self.title.tmdb_id,
            "media_type": self.title.media_type,
            "title": self.title.title,
            "year": self.title.year,
            "poster_url": self.title.poster_url,
            "score": self.score,
            "confidence": self.confidence,
        }


class _Index:
    """Normalised names of one slice of the catalog, each pointing at its title."""

    def __init__(self, titles: Sequence[Title], positions: Sequence[int]) -> None:
        self.names: list[str] = []
        self.owners: list[int] = []
        self.exact: dict[str, list[int]] = {}
        for position in positions:
            title = titles[position]
            for name in dict.fromkeys(normalize(n) for n in (title.title, *title.aliases)):
                if not name:
                    continue
                self.names.append(name)
                self.owners.append(position)
                self.exact.setdefault(name, []).append(position)


class Resolver:
    """Resolves loose titles against a fixed list of titles (build once, query many times)."""

    def __init__(self, titles: Sequence[Title]) -> None:
        self._titles = titles
        everything = range(len(titles))
        self._indexes = {
            None: _Index(titles, everything),
            "movie": _Index(titles, [i for i in everything if titles[i].media_type == "movie"]),
            "tv": _Index(titles, [i for i in everything if titles[i].media_type == "tv"]),
        }

    def exact(self, query: str, *, year: int | None = None, media_type: MediaKind | None = None) -> Title | None:
        """The first title whose normalised name is the query's (and whose year matches, if given)."""
        for position in self._indexes[media_type].exact.get(normalize(query), ()):
            if year is None or self._titles[position].year == year:
                return self._titles[position]
        return None

    def resolve(
        self, query: str, *, year: int | None = None, media_type: MediaKind | None = None, limit: int = 5
    ) -> list[Candidate]:
        """Up to `limit` candidates, strongest first (ties keep catalog order)."""
        index = self._indexes[media_type]
        q = normalize(query)
        if not q:
            return []
        best: dict[int, float] = {}
        for position in index.exact.get(q, ()):
            best[position] = 1.0
        hits = process.extract(q, index.names, scorer=fuzz.WRatio, processor=None, limit=_POOL, score_cutoff=50)
        for name, _, i in hits:
            position = index.owners[i]
            if best.get(position) == 1.0:
                continue
            text = max(fuzz.ratio(q, name), fuzz.token_sort_ratio(q, name), 0.9 * fuzz.WRatio(q, name)) / 100
            best[position] = max(best.get(position, 0.0), min(text, 0.99))
        scored: list[tuple[float, bool, int]] = []
        for position, text in best.items():
            title_year = self._titles[position].year
            score, exact_year = text, False
            if year is not None:
                if title_year == year:
                    exact_year = text == 1.0
                elif title_year is None:
                    score -= 0.1
                else:
                    score -= 0.05 if abs(title_year - year) == 1 else 0.2
            if score >= _CUTOFF:
                scored.append((round(score, 3), exact_year, position))
        scored.sort(key=lambda s: (-s[0], not s[1], s[2]))
        top = scored[:limit]
        candidates = []
        for rank, (score, exact_year, position) in enumerate(top):
            rivals = [s for j, (s, _, _) in enumerate(top) if j != rank]
            ambiguous = any(abs(s - score) <= 0.02 for s in rivals)
            if exact_year or (score >= 0.9 and not ambiguous):
                confidence = "high"
            elif score >= 0.7:
                confidence = "medium"
            else:
                confidence = "low"
            candidates.append(Candidate(self._titles[position], score, confidence))
        return candidates
