"""`GET /resolve`: fuzzy matching of loose titles against the catalog.

Titles and aliases are normalised once, when the index is built: accents stripped, case
folded, apostrophes dropped, other punctuation turned into spaces, `&` read as `and`, and a
leading article ("The", "A", "An") removed. A query is normalised the same way, exact
normalised names are looked up in a dict, and the nearest others are found as `Resolver`
says. Each candidate is then rescored (`_text_score`) so that a title that merely contains
the query ("Godfather" in "The Godfather Part II") scores below one that is the query, and a
given `year` moves same-named titles apart: a year off by one costs 0.05, a
further one 0.2, a title without a year 0.1.

Scores (0–1) and confidence:
    1.0            the exact normalised title (or alias)
    high           ≥ 0.90, or exact title with exact year; never when another candidate
                   scores within 0.02 without being that exact title-and-year
    medium         ≥ 0.70
    low            otherwise (candidates below 0.6 are dropped; `match` is None when none remain)
"""

from __future__ import annotations

import heapq
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
_CUTOFF = 0.6
_POOL = 50  # fuzzy hits rescored per query


def normalize(text: str) -> str:
    """Fold a title to the form titles are compared in."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    text = _APOSTROPHES.sub("", text.replace("&", " and "))
    words = _NON_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _text_score(query: str, name: str) -> float:
    """How alike two different normalised names are, below 1.0.

    Edit similarity, in order or not; or the shared words when one name's words are all in the
    other's, discounted by how much of the longer name is left over ("godfather" is in "godfather
    part ii", but it is not that film). Substrings that cut through words ("her" in "godfather")
    earn nothing, unlike in WRatio.
    """
    coverage = min(len(query), len(name)) / max(len(query), len(name))
    score = max(
        fuzz.ratio(query, name),
        fuzz.token_sort_ratio(query, name),
        fuzz.token_set_ratio(query, name) * (0.75 + 0.2 * coverage),
    )
    return min(score / 100, 0.99)


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


class Resolver:
    """Resolves loose titles against a fixed list of titles (build once, query many times).

    Every distinct normalised name (titles and aliases) is stored once, with the titles it
    names, its words sorted (for word-order swaps) and an inverted index from words to names
    (for a query whose words all appear in a longer title). A query gathers its pool from the
    exact name, the nearest names by edit similarity in either word order (rapidfuzz, C++), and
    the shortest names holding all its words; only that pool is rescored in Python.
    """

    def __init__(self, titles: Sequence[Title]) -> None:
        self._titles = titles
        self._ids: dict[str, int] = {}
        self._names: list[str] = []
        self._owners: list[list[int]] = []
        self._kinds: list[set[str]] = []
        for position, title in enumerate(titles):
            for raw in (title.title, *title.aliases):
                name = normalize(raw)
                if not name:
                    continue
                i = self._ids.get(name)
                if i is None:
                    i = self._ids[name] = len(self._names)
                    self._names.append(name)
                    self._owners.append([])
                    self._kinds.append(set())
                if not self._owners[i] or self._owners[i][-1] != position:
                    self._owners[i].append(position)
                self._kinds[i].add(title.media_type)
        self._postings: dict[str, set[int]] = {}
        for i, name in enumerate(self._names):
            for word in name.split():
                self._postings.setdefault(word, set()).add(i)
        everything = list(range(len(self._names)))
        self._scopes: dict[str | None, tuple[list[int], list[str], list[str]]] = {}
        for kind in (None, "movie", "tv"):
            members = everything if kind is None else [i for i in everything if kind in self._kinds[i]]
            names = [self._names[i] for i in members]
            self._scopes[kind] = (members, names, [" ".join(sorted(n.split())) for n in names])

    def exact(self, query: str, *, year: int | None = None, media_type: MediaKind | None = None) -> Title | None:
        """The first title whose normalised name is the query's (and whose year matches, if given)."""
        i = self._ids.get(normalize(query))
        for position in self._owners[i] if i is not None else ():
            title = self._titles[position]
            if (media_type is None or title.media_type == media_type) and (year is None or title.year == year):
                return title
        return None

    def _pool(self, q: str, media_type: MediaKind | None) -> set[int]:
        members, names, sorted_names = self._scopes[media_type]
        pool = set()
        if q in self._ids:
            pool.add(self._ids[q])
        for choices, query in ((names, q), (sorted_names, " ".join(sorted(q.split())))):
            hits = process.extract(query, choices, scorer=fuzz.ratio, processor=None, limit=_POOL, score_cutoff=55)
            pool.update(members[j] for _, _, j in hits)
        postings = sorted((self._postings.get(w, set()) for w in set(q.split())), key=len)
        if postings and postings[0]:
            holding = set.intersection(*postings)
            if media_type is not None:
                holding = {i for i in holding if media_type in self._kinds[i]}
            pool.update(heapq.nsmallest(_POOL, holding, key=lambda i: (len(self._names[i]), i)))
        return pool

    def resolve(
        self, query: str, *, year: int | None = None, media_type: MediaKind | None = None, limit: int = 5
    ) -> list[Candidate]:
        """Up to `limit` candidates, strongest first (ties keep catalog order)."""
        q = normalize(query)
        if not q:
            return []
        best: dict[int, float] = {}
        for i in self._pool(q, media_type):
            name = self._names[i]
            text = 1.0 if name == q else _text_score(q, name)
            for position in self._owners[i]:
                if media_type is None or self._titles[position].media_type == media_type:
                    best[position] = max(best.get(position, 0.0), text)
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
