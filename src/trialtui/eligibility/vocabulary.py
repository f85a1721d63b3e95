"""Measure names in criteria text: one pass finds every spelling of every measure in a sentence.

The spellings live in the measure table (`measures`); here they are joined, in the order they are
tried, with names that look like a measure and are not ("HbA1c", "creatine kinase", "weight
loss") and names of two measures or of no scale in particular ("transaminases", "performance
status").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from trialtui.eligibility.measures import CATEGORY_ORDER, MEASURE_ORDER, MEASURES, Measure
from trialtui.eligibility.prefilter import (
    alternatives_by_letter,
    case_exact,
    first_char_lookahead,
    fold_words,
    lowered_text,
    starts_lookahead,
)

__all__ = ["CATEGORY_ORDER", "MEASURES", "MEASURE_ORDER", "MENTION", "NORMAL_WORDS", "NUMBER_WORDS", "Measure", "Name",
           "limit_words", "may_begin_with_name", "measure_names", "mention_measures"]

# The order spellings are tried in: a measure id (its spellings from the table) or (name, pattern).
# Inside one alternation the leftmost match wins and, at one position, the earlier alternative:
# specific names ("direct bilirubin", "creatinine clearance") come first. Entries named "ignore"
# are things that look like a measure and are not ("HbA1c", "creatine kinase", "weight loss");
# they stop a window without producing a threshold. A measure of the table not listed here is
# tried last.
_ORDER: list[str | tuple[str, str]] = [
    ("ignore", r"glyc(?:ated|osylated)\s+h(?:a)?emoglobin|h(?:a)?emoglobin\s*A1c|(?-i:HbA1c|HBA1C|A1[cC])"
               r"|molecular[\s-]+weight|weight[\s-]+(?:loss|gain|bearing|based|adjusted|change|reduction|management)"
               r"|(?:child[\s-]?bearing|reproductive|gestational|bone|mental|corrected|post[\s-]?menstrual|post[\s-]?conception(?:al)?)\s+ages?"
               r"|age[\s-]+(?:related|appropriate|adjusted|matched|specific|group)"
               r"|(?:urine|urinary|micro)\s*albumin|albumin[\s-]+(?:to|/)[\s-]*creatinine|albuminuria|creatinine[\s-]+ratio"
               r"|platelet[\s-]+(?:transfusions?|aggregation|inhibitors?|function|rich)"
               r"|(?:neutrophil|platelet)\s+engraftment|creatine\s+(?:phospho)?kinase|(?-i:CPK|CK)"
               r"|(?-i:Hb\s?S|HbSC|HbSS|IIEF(?:-EF)?|EF\s+domain)|erectile\s+function|age\s+of\s+(?:majority|consent|onset|diagnosis)"
               # a T-cell subset count ("CD4+ T lymphocyte count"), not the absolute lymphocyte count
               r"|(?:CD4|CD8|CD3|OKT4|OKT8|T4|T8)\+?(?:\s*\(T4\))?(?:\s+positive)?[\s-]*(?:T[\s-]*)?(?:lymphocytes?|cells?)"
               # Labs outside the vocabulary: named so that their values end the previous measure's reach.
               r"|alkaline\s+phosphatase|gamma[\s-]*glutamyl\s*transferase|lactate\s+dehydrogenase|(?-i:ALP|ALKP|GGT|LDH|PSA|TSH|BNP)"),
    ("ast_alt", r"(?:serum\s+|liver\s+)?(?:trans\s?aminases?|aminotransferases|transaminase\s+levels?)"
                r"|(?-i:SGOT\s*/\s*SGPT|AST\s*/\s*ALT|ALT\s*/\s*AST|SGPT\s*/\s*SGOT|ASAT\s*/\s*ALAT|ALAT\s*/\s*ASAT|LFTs)"),
    "direct_bilirubin",
    ("ignore", r"indirect\s+bilirubin|unconjugated\s+bilirubin"),
    "total_bilirubin",
    "ast",
    "alt",
    "gfr",
    "creatinine",
    "anc",
    "alc",
    "wbc",
    "platelets",
    "hemoglobin",
    "albumin",
    "lipase",
    "amylase",
    "shortening_fraction",
    "lvef",
    "spo2",
    "inr",
    "aptt",
    "pt",
    "lansky",
    "karnofsky",
    "ecog",
    ("performance", r"performance\s+(?:status|score)|(?-i:PS)(?![A-Za-z])"),
    "life_expectancy",
    "bmi",
    "weight",
    "age",
]

_ALIASES: list[tuple[str, str]] = [
    (entry, MEASURES[entry].spellings or "") if isinstance(entry, str) else entry for entry in _ORDER
] + [(m.id, m.spellings) for m in MEASURES.values() if m.spellings and m.id not in _ORDER]

MENTION = re.compile(
    "(?<![A-Za-z0-9])(?=[A-Za-z])(?:"
    + "|".join(f"{first_char_lookahead(pattern, re.IGNORECASE)}(?P<{name}_{index}>(?:{pattern})(?![A-Za-z0-9]))"
               for index, (name, pattern) in enumerate(_ALIASES))
    + ")",
    re.IGNORECASE,
)
"""One pass finds every measure name in a sentence; `mention_measures` maps the group to ids. Each
spelling is behind a lookahead for its first letters, so `re` passes over it after one test where
it cannot begin instead of entering each of its alternatives."""


def _mention_by_letter() -> dict[str, Callable[[str, int], re.Match[str] | None]]:
    branches: dict[str, list[str]] = {}
    for index, (name, pattern) in enumerate(_ALIASES):
        for letter, alternatives in alternatives_by_letter(pattern, re.IGNORECASE).items():
            branches.setdefault(letter, []).append(f"(?P<{name}_{index}>(?:{alternatives})(?![A-Za-z0-9]))")
    return {letter: re.compile("(?<![A-Za-z0-9])(?=[A-Za-z])(?:" + "|".join(spellings) + ")", re.IGNORECASE).match
            for letter, spellings in branches.items()}


_MENTION_AT = _mention_by_letter()
"""`MENTION.match` where the lowercased text has a letter, keyed by it: only the spellings (and
their alternatives) that may begin with it, in MENTION's order, so the same alternative wins."""

_GROUP_MEASURES = {
    f"{name}_{index}": (("ast", "alt") if name == "ast_alt" else () if name == "ignore" else (name,))
    for index, (name, _) in enumerate(_ALIASES)
}


NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "twelve", "twice", "thrice")
"""Numbers written as words that a limit may use ("twice the ULN")."""
NORMAL_WORDS = ("uln", "upper limit", "upper normal", "normal", "wnl")
"""Words that state a limit without a number ("≤ ULN", "within normal limits")."""
_LIMIT_WORDS_BY_LETTER = {letter: tuple(word for word in NUMBER_WORDS + NORMAL_WORDS if word[0] == letter)
                          for letter in {word[0] for word in NUMBER_WORDS + NORMAL_WORDS}}
"""The words of `NUMBER_WORDS` and `NORMAL_WORDS` by their first letter."""

_START_LENGTH = 8
"""How many characters `_NAME_START` reads at a place (a run of spaces counting as one): eight rather
than three, as "pat", "pla" and "per" begin far more words than measures, and "bone m" or "blood p"
begin none of the names that begin "bone a" or "blood c"."""
_NAME_START = re.compile((" " + starts_lookahead(
    [*(pattern for _, pattern in _ALIASES), *map(re.escape, NUMBER_WORDS + NORMAL_WORDS)], re.IGNORECASE,
    _START_LENGTH, word_end="(?![a-z0-9])", folded=True)).encode("ascii"))
"""In lowercased text as `fold_words` gives it, a space (a character that is no letter or digit)
before a place where some measure spelling, or a word of `NUMBER_WORDS` or `NORMAL_WORDS`, may begin
(the match ends there): MENTION runs only there. A spelling shorter than `_START_LENGTH` ("Cr",
"PS") must end a word there, as in MENTION: "criteria" and "psychiatric" begin with none.
Beginning with a literal lets `re` pass over the other characters with a fast scan; a text is read
after a space, so that its first character is such a place too. One scan finds both kinds of place
as cheaply as one: the alternatives after the space are one trie, and the scan's cost is in the
spaces it stops at."""

Name = tuple[int, int, tuple[str, ...]]
"""A measure name in a text: its start, its end and the measure ids it names (`mention_measures`)."""


def mention_measures(match: re.Match[str]) -> tuple[str, ...]:
    """The measure ids a MENTION match names: usually one, two for "transaminases", none for noise."""
    return _GROUP_MEASURES[match.lastgroup or ""]


def may_begin_with_name(lowered: str) -> bool:
    """Whether a measure name may begin a text (`lowered`: it lowercased, with the same offsets)."""
    return _NAME_START.match(fold_words(" " + lowered)) is not None


def measure_names(text: str) -> tuple[Name, ...]:
    """Every measure name in a text, left to right, each read once (a name inside a longer one, as
    "hemoglobin" in "glycated hemoglobin" or "EF" in "IIEF-EF", is that one's): what MENTION's
    `finditer` finds."""
    return _scan(text)[0]


def limit_words(text: str) -> tuple[tuple[int, int], ...]:
    """The spans of the words of `NUMBER_WORDS` and `NORMAL_WORDS` that stand whole in a text (no
    letter, digit or "_" either side), left to right."""
    return _scan(text)[1]


@lru_cache(maxsize=64)
def _scan(text: str) -> tuple[tuple[Name, ...], tuple[tuple[int, int], ...]]:
    """`measure_names` and `limit_words` of a text, from one scan of its places (`_NAME_START`).
    Cached: the extractor and the check for unread limits read the same text."""
    lowered = lowered_text(text)
    exact = case_exact(lowered)  # else the filter would miss a name
    names: list[Name] = []
    words: list[tuple[int, int]] = []
    match_for = _MENTION_AT.get
    words_for = _LIMIT_WORDS_BY_LETTER.get
    size = len(lowered)
    end = 0
    for place in _NAME_START.finditer(fold_words(" " + lowered)):
        at = place.end() - 1
        letter = lowered[at]
        if (candidates := words_for(letter)) is not None and (
                at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] == "_")):
            for word in candidates:
                word_end = at + len(word)
                if lowered.startswith(word, at) and (
                        word_end == size or not (lowered[word_end].isalnum() or lowered[word_end] == "_")):
                    words.append((at, word_end))
        if exact and at >= end and (match_at := match_for(letter)) is not None and (
                match := match_at(text, at)) is not None:
            names.append((at, match.end(), _GROUP_MEASURES[match.lastgroup or ""]))
            end = match.end()
    if not exact:
        names = [(match.start(), match.end(), _GROUP_MEASURES[match.lastgroup or ""]) for match in MENTION.finditer(text)]
    return tuple(names), tuple(words)
