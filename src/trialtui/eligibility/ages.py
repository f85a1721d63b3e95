"""Which ages written in criteria bound the participant, and which only look like they do.

Criteria text mentions many ages that are not a limit on who may enrol: the age in a definition
("post-menopausal: amenorrhoea for 12 months after age 50"), an age of someone else ("sudden
death under 40 in first-degree relatives", "partner < 18 years of age"), a duration that reads
like an age ("5 years or more before study entry"), and an age that narrows one exclusion to a
subgroup ("subjects aged 65 or older who cannot take the 10 mg dose"). And where ages state
cohorts or alternative paths ("≤ 28 days", "29 days to < 2 years", "2 to < 12 years"), no one
participant can meet them all: the participant's bound is what the alternatives cover together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialtui.eligibility.prefilter import case_exact

if TYPE_CHECKING:
    from trialtui.eligibility.extract import Threshold

_CONTEXT_BEFORE = 160
_CONTEXT_AFTER = 80
_CLAUSE_EDGE = re.compile(r"[;\n.](?:(?<=\.)(?:\s|$)|(?<!\.))")
"""A ";", a line break, or a "." before a space or the end: written to begin with a character class,
which `re` looks for with a fast scan instead of trying every position."""
_LAST_CLAUSE_EDGE = re.compile(r".*(?:[;\n]|\.(?:\s|$))", re.DOTALL)
"""Up to the end of the last `_CLAUSE_EDGE`, found by walking back from the end rather than by
listing every edge from the start."""

_DEFINITION = re.compile(
    r"menstruat|menses|amenorr?h|follicle[\s-]stimulating|\bFSH\b"
    r"|(?:menopaus|child[\s-]?bearing|fertile)[^.;]{0,30}?\b(?:defin\w*|consider\w*|regard\w*|deem\w*|means?)\b"
    r"|\b(?:defin\w*|consider\w*)\b[^.;]{0,40}?(?:menopaus|child[\s-]?bearing|fertile)",
    re.IGNORECASE,
)
"""Before an age in its clause: a menopause or fertility definition that the age belongs to
("post-menopausal, defined as ... after age 50"); "non-childbearing women aged ≥ 18" is no definition."""
_DEFINITION_CLUE = re.compile("men|fsh|follicle|child|fertile|defin|consider")
"""What every `_DEFINITION` match holds, lowercased ("men" in menstruation, menses, amenorrhoea and
menopause): a scan for it skips most clauses, where `_DEFINITION`, with no literal to scan for, is
tried at every position."""
_DEFINITION_AFTER = re.compile(
    r"\b(?:consider\w*|defin\w*|regard\w*|deem\w*|count\w*\s+as)\b[^.;]{0,40}?(?:menopaus|child[\s-]?bearing|fertile)",
    re.IGNORECASE)
"""After an age: a menopause definition that the age is part of ("women under 50 are considered
postmenopausal if ..."); a plain "aged 21-30 and postmenopausal" states two requirements."""
_DEFINITION_AFTER_CLUE = re.compile("menopaus|child|fertile")
"""What every `_DEFINITION_AFTER` match holds, lowercased."""

_SOMEONE_ELSE = re.compile(
    r"\b(?:relatives?|family|familial|siblings?|parents?|mothers?|fathers?|partners?|spouses?|household|"
    r"contacts?|offspring|brothers?|sisters?|grand(?:parents?|children)|death|deaths|died|caregivers?)\b",
    re.IGNORECASE,
)
"""Before an age in the same clause: whose age it is, when it is not the participant's."""
_SOMEONE_ELSE_CLUE = re.compile(
    "relative|famil|sibling|parent|mother|father|partner|spouse|household|contact|offspring|brother|sister"
    "|grandchildren|death|died|caregiver")
"""What every `_SOMEONE_ELSE` match holds, lowercased."""
_SOMEONE_ELSE_AFTER = re.compile(
    r"^[^.;,]{0,20}?\bin\s+(?:a\s+|any\s+|his\s+|her\s+|their\s+)?(?:first|second|1st|2nd)?[\s-]*(?:degree\s+)?"
    r"(?:relatives?|family\s+members?|siblings?|parents?)\b",
    re.IGNORECASE,
)

_AGE_WORDS = re.compile(r"\bage|\bold\b|older|younger", re.IGNORECASE)
_DURATION_AFTER = re.compile(
    r"^\W{0,3}(?:before|after|since|ago|prior|between|from|following|of\s+(?:treatment|therapy|follow|remission|disease))\b",
    re.IGNORECASE,
)
_DURATION_BEFORE = re.compile(r"\b(?:interval|duration|period|history|for|within|last|past)\s+(?:of\s+)?$", re.IGNORECASE)
"""Around "N years or more" with no age word: a time span, not an age."""
_DURATION_BEFORE_CLUE = re.compile("interval|duration|period|history|for|within|last|past")
"""What every `_DURATION_BEFORE` match holds, lowercased."""

_SUBGROUP_AFTER = re.compile(r"^[\s,]*(?:who|whose|that|in\s+whom|with|and\s+(?:who|with|have|has|are))\b", re.IGNORECASE)
"""After an age under an exclusion: the age narrows the excluded group instead of bounding everyone."""


def _clause_before(criteria: str, start: int) -> str:
    context = max(0, start - _CONTEXT_BEFORE)
    last_edge = _LAST_CLAUSE_EDGE.match(criteria, context, start)
    return criteria[last_edge.end() if last_edge else context : start]


def _clause_after(criteria: str, end: int) -> str:
    after = criteria[end : end + _CONTEXT_AFTER]
    cut = _CLAUSE_EDGE.search(after)
    return after[: cut.start()] if cut else after


_AT_DIAGNOSIS = re.compile(
    r"\W{0,3}(?:at|on)\s+(?:the\s+)?(?:time\s+of\s+)?(?:(?:first|initial|original|primary)\s+)?diagnosis\b", re.IGNORECASE)


def age_at_diagnosis(threshold: Threshold, criteria: str) -> bool:
    """True for a text age stated at diagnosis ("4 to 18 years of age at the time of first
    diagnosis"): a bound on the age the disease began, which may differ from the age at entry."""
    if threshold.measure != "age" or threshold.end is None or threshold.condition:
        return False
    return _AT_DIAGNOSIS.match(criteria, threshold.end) is not None


def not_participant_age(threshold: Threshold, criteria: str) -> bool:
    """True when a text age, read in its clause, is not a bound on the participant's age."""
    if threshold.measure != "age" or threshold.start is None or threshold.condition:
        return False
    before = _clause_before(criteria, threshold.start)
    after = _clause_after(criteria, threshold.end or threshold.start)
    # A clue is lowercase ASCII: the lowered clause holds it wherever its case-insensitive pattern
    # matches, unless the clause has one of `CASE_TWINS` ("ſ" matches "s"), which `case_exact` finds
    # in the text as written as in its lowered form.
    lowered = before.lower() if case_exact(before) else None
    lowered_after = after.lower() if case_exact(after) else None
    if (_found(_DEFINITION, _DEFINITION_CLUE, before, lowered)
            or _found(_DEFINITION_AFTER, _DEFINITION_AFTER_CLUE, after, lowered_after)):
        return True
    if _found(_SOMEONE_ELSE, _SOMEONE_ELSE_CLUE, before, lowered) or _SOMEONE_ELSE_AFTER.match(after):
        return True
    if not _AGE_WORDS.search(threshold.raw) and (
            _DURATION_AFTER.match(after) or _found(_DURATION_BEFORE, _DURATION_BEFORE_CLUE, before, lowered)):
        return True
    return threshold.section == "exclusion" and bool(_SUBGROUP_AFTER.match(after))


def _found(pattern: re.Pattern[str], clue: re.Pattern[str], clause: str, lowered: str | None) -> bool:
    """Whether `pattern` is found in `clause`: searched only when `lowered`, the clause lowercased,
    holds `clue` (None: the clue could miss a match)."""
    return (lowered is None or clue.search(lowered) is not None) and pattern.search(clause) is not None


# ---------------------------------------------------------------- alternatives


@dataclass(slots=True)
class _Interval:
    """The ages one statement allows; None for an open end."""

    thresholds: list[Threshold]
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def disjoint(self, other: _Interval) -> bool:
        """No age meets both, and both come from the same section: an inclusion and an exclusion
        statement hold together, so a clash between them is a misreading, not two cohorts."""
        if self.thresholds[0].section != other.thresholds[0].section:
            return False
        return _below(self, other) or _below(other, self)


def _below(first: _Interval, second: _Interval) -> bool:
    """Every age `first` allows lies below every age `second` allows."""
    if first.high is None or second.low is None:
        return False
    if first.high != second.low:
        return first.high < second.low
    return not (first.high_inclusive and second.low_inclusive)


def _intervals(ages: list[Threshold]) -> list[_Interval]:
    """One interval per statement: the bounds read from the same words belong together."""
    by_span: dict[tuple[int | None, int | None], _Interval] = {}
    for threshold in ages:
        interval = by_span.setdefault((threshold.start, threshold.end), _Interval([]))
        interval.thresholds.append(threshold)
        if threshold.bound == "lower":
            interval.low, interval.low_inclusive = threshold.value, threshold.inclusive
        else:
            interval.high, interval.high_inclusive = threshold.value, threshold.inclusive
    return list(by_span.values())


def alternative_ages(thresholds: list[Threshold]) -> set[int]:
    """Ids of the text age thresholds that belong to alternatives and do not bound the participant.

    Age statements that no one age can satisfy together ("≤ 16 years" and "> 16 years"; "at least
    60" or "18-59") are cohorts or paths, not one requirement each. What the participant must meet
    is their envelope: the lowest lower bound when every alternative has one, the highest upper
    bound likewise. Thresholds that state an envelope end are kept; the rest are dropped."""
    ages = [t for t in thresholds if t.measure == "age" and t.start is not None and t.condition is None]
    intervals = _intervals(ages)
    if len(intervals) < 2:
        return set()
    alternatives = [a for a in intervals if any(a.disjoint(b) for b in intervals if b is not a)]
    if not alternatives:
        return set()
    lows = [a.low for a in alternatives]
    highs = [a.high for a in alternatives]
    low = min(lows) if None not in lows else None  # type: ignore[type-var]
    high = max(highs) if None not in highs else None  # type: ignore[type-var]
    dropped: set[int] = set()
    kept_ends: set[str] = set()
    for alternative in alternatives:
        for threshold in alternative.thresholds:
            end = low if threshold.bound == "lower" else high
            if end is not None and threshold.value == end and threshold.bound not in kept_ends:
                kept_ends.add(threshold.bound)
                continue
            dropped.add(id(threshold))
    return dropped


# ---------------------------------------------------------------- lists of alternatives

_ANY_OF_HEADER = re.compile(
    r"(?:\b(?:at\s+least\s+(?:one|1|two|2)|one\s+or\s+more|any(?:\s+one)?|either|one)\s+of|"
    r"\b(?:required|needed|mandatory|necessary)\s+(?:for|in|if)(?:\s+(?:any|each)\s+of)?)\s+the\s+following\b[^:]*:\s*$",
    re.IGNORECASE,
)
"""An inclusion item that opens a list of which some, not all, must hold ("At least 1 of the
following risk factors:"), or of the cases that call for something else ("Normal stress test
required for the following:")."""
_COHORT_HEADER = re.compile(
    r"\b(?:strata|stratum|cohorts?|age\s+groups?|age\s+brackets?|age\s+ranges)\b[^:]*:\s*$", re.IGNORECASE)
"""An item that opens a list of age cohorts ("Age strata:"): their ages are brackets, not bounds."""


_TOPIC = re.compile(r"[A-Z][A-Za-z /-]{2,30}:")
"""An item that opens with a topic label ("Prior treatment: ...", "Neurologic:")."""


def alternative_spans(items: tuple[tuple[str, str, int, str, int], ...]) -> list[tuple[int, int, bool]]:
    """Text spans of the items under an inclusion "any of the following" or cohort header:
    (start, end, ages only). Limits in an any-of list bound no one on their own when a sibling
    states no number (a risk factor such as "diabetes" is enough); ages under a cohort header are
    brackets. `items` are `criteria.iter_items` tuples."""
    spans: list[tuple[int, int, bool]] = []
    index = 0
    while index < len(items):
        section, _label, depth, text, _start = items[index]
        index += 1
        if not text.rstrip().endswith(":"):  # as both headers end: most items are not searched
            continue
        any_of = section != "exclusion" and _ANY_OF_HEADER.search(text) is not None
        cohort = _COHORT_HEADER.search(text) is not None
        if not (any_of or cohort):
            continue
        children = []
        while index < len(items) and items[index][2] > depth and items[index][0] == section:
            if any_of and not cohort and (items[index][2] > depth + 1 or _TOPIC.match(items[index][3])):
                break  # a deeper item or a new topic ("Neurologic:") ends a list of choices
            children.append(items[index])
            index += 1
        if not children:
            continue
        if cohort:
            spans.extend((start, start + len(body), True) for _s, _l, _d, body, start in children)
        elif any(not any(ch.isdigit() for ch in body) for _s, _l, _d, body, _start in children):
            spans.extend((start, start + len(body), False) for _s, _l, _d, body, start in children)
    return spans
