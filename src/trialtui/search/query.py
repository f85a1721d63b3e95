"""The query language: free words, field prefixes and quoted phrases.

``dinutuximab site:"great ormond" id:NCT0123`` → three groups of terms; every term must match.
A prefix narrows its term to a group of digest fields; a quoted phrase must appear as a run of
words in one field value; the word being typed (the last one, no space after it) also matches as
a prefix however short it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialtui.search.normalize import STOPWORDS, words

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "drug": ("drugs", "drug_text"),
    "site": ("facilities", "cities", "states", "countries"),
    "cond": ("conditions", "keywords"),
    "sponsor": ("sponsors",),
    "id": ("ids",),
    "title": ("title", "official_title"),
}
"""What each prefix searches; the names are `TrialDigest` fields (``ids`` also holds the trial id)."""

_CHUNK = re.compile(r'(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)("|$)|(?P<word>[^\s"]+))')


@dataclass(frozen=True, slots=True)
class QueryTerm:
    text: str
    """One folded word."""
    fields: tuple[str, ...] | None = None
    """Digest fields it must match in; None for any."""
    phrase: int | None = None
    """Terms sharing a phrase number must appear consecutively in one field value."""
    typing: bool = False
    """The word still being typed: matches as a prefix even when very short."""


@dataclass(frozen=True, slots=True)
class Query:
    terms: tuple[QueryTerm, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(text: str) -> Query:
    """Split a search box string into terms; stopwords go (they are not indexed) unless being typed."""
    terms: list[QueryTerm] = []
    phrases = 0
    for chunk in _CHUNK.finditer(text):
        field = (chunk.group("field") or "").lower()
        fields = FIELD_GROUPS.get(field)
        if chunk.group("field") and fields is None:
            raw = chunk.group(0)  # "http:" or "covid:19" are words, not prefixes
        else:
            raw = chunk.group("phrase") if chunk.group("phrase") is not None else chunk.group("word")
        folded = words(raw or "")
        phrase = None
        if chunk.group("phrase") is not None and len(folded) > 1:
            phrases += 1
            phrase = phrases
        terms.extend(QueryTerm(word, fields, phrase) for word in folded)
    terms = _nct_joined(terms)
    if terms and text[-1:].isalnum():
        last = terms[-1]
        terms[-1] = QueryTerm(last.text, last.fields, last.phrase, typing=True)
    kept = [t for t in terms if t.text not in STOPWORDS or t.typing]
    return Query(tuple(kept or terms))


def _nct_joined(terms: list[QueryTerm]) -> list[QueryTerm]:
    """"NCT 06674265" is one id: the two words become the term ``nct06674265``."""
    joined: list[QueryTerm] = []
    for term in terms:
        before = joined[-1] if joined else None
        if before is not None and before.text == "nct" and term.text.isdigit() and before.fields == term.fields:
            joined[-1] = QueryTerm("nct" + term.text, term.fields, term.phrase)
        else:
            joined.append(term)
    return joined
