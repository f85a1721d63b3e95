"""What the patient check weighs of a trial's thresholds, and the limits it states but trialtui
does not read.

Ages: the registry's minimum and maximum age are the trial's own ages. Criteria text holds many
ages that are not the participant's (an age of onset, a caregiver's age, one branch of an "or",
the age above which a scan is done), and a misread one tells an eligible patient "fails". So on a
side where the registry gives an age, the text's ages on that side are not weighed (one that
restates the registry's value stands for it); on a side it leaves open, a text age is weighed
unless no age the registry admits could meet it (a misreading, such as an upper bound below the
registry's minimum).

Unread limits: a criterion that names a measure the check knows, next to a number or a comparison
("Body mass index < 40kg • m-2", "Bilirubin normal"), while no threshold of that measure was read,
states a requirement the check cannot weigh: the trial is not a bare "fits".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from trialtui.digest import age_in_years
from trialtui.eligibility.criteria import donor_ranges, iter_items
from trialtui.eligibility.measures import MEASURES
from trialtui.eligibility.prefilter import lowered_text
from trialtui.eligibility.vocabulary import measure_names

if TYPE_CHECKING:
    from trialtui.eligibility.extract import Threshold
    from trialtui.models import Trial


def registry_ages(trial: Trial) -> tuple[float | None, float | None]:
    """The registry's minimum and maximum age in years (None where it gives none; a minimum of 0
    bounds no one)."""
    low = age_in_years(trial.eligibility.minimum_age)
    return (low if low else None), age_in_years(trial.eligibility.maximum_age)


def _restates(threshold: Threshold, value: float) -> bool:
    return abs(threshold.value - value) <= 0.02 * max(value, 1)


def _outside(threshold: Threshold, low: float | None, high: float | None) -> bool:
    """No age within the registry's range meets this text bound."""
    if threshold.bound == "upper" and low is not None:
        return threshold.value < low or (threshold.value == low and not threshold.inclusive)
    if threshold.bound == "lower" and high is not None:
        return threshold.value > high or (threshold.value == high and not threshold.inclusive)
    return False


def weighed_ages(thresholds: list[Threshold], low: float | None, high: float | None) -> list[Threshold]:
    """The thresholds the check weighs, given the registry's ages (`registry_ages`)."""
    if low is None and high is None:
        return thresholds
    kept = []
    for t in thresholds:
        if t.measure == "age" and t.section != "structured" and t.condition is None:
            registry = low if t.bound == "lower" else high
            if registry is not None and not _restates(t, registry):
                continue
            if registry is None and _outside(t, low, high):
                continue
        kept.append(t)
    return kept


_FAMILIES = ({"ecog", "karnofsky", "lansky"}, {"creatinine", "gfr"}, {"pt", "inr"})
"""Measures a trial states as alternatives ("ECOG 0-1 or Karnofsky ≥ 70", "creatinine ≤ 1.5 ×
ULN or clearance ≥ 60"): one of them read, the others' mentions are that requirement's."""
_COVERED = {m: family for family in _FAMILIES for m in family}

_ERECTILE = re.compile(r"erecti|IIEF", re.IGNORECASE)
"""Beside "EF", a domain score of erectile function, not an ejection fraction."""
_LABEL_COLON = re.compile(r"\s*:")
_CLAUSE_END = re.compile(r";|\.(?:\s|$)|\n|:")
_LIMIT_AFTER = re.compile(
    r"[<>≤≥=]|\d|\b(?:normal|ULN|upper\s+limit|lower\s+limit|greater|less|more|fewer|above|below|under|"
    r"at\s+least|at\s+most|exceed\w*|within|between|range|higher|lower|no\s+greater)\b",
    re.IGNORECASE)
_NORMAL_BEFORE = re.compile(r"\bnormal\b[^;.:]{0,60}$", re.IGNORECASE)
"""Before a measure's name in its clause: "Normal level of alkaline phosphatase, and creatinine"."""
_CLEARANCE = re.compile(r"\b(?:clearance|MDRD|Cock?croft)\b[^;.\n]{0,40}?\d+\s*ml\s*/\s*min", re.IGNORECASE)
"""A kidney clearance limit written without the words the vocabulary names it by ("Severe Renal
Insufficiency (Clearance MDRD Cockroft <30ml / min)")."""
_CLEARANCE_WORDS = ("clearance", "mdrd", "cockcroft", "cocroft")
"""`_CLEARANCE`'s words in lowercased text (none holds "i" or "s", which "ı" and "ſ" match without
lowercasing to them): a search far cheaper than the pattern's own, which every criteria text paid.
Each is looked for with `in`, which scans a text several times faster than `re` scans for the first
letters of an alternation."""
_REACH = 80
"""Characters after a measure's name in which its limit is looked for (a legacy record's
"PATIENT CHARACTERISTICS" paragraph lists a dozen measures in one item)."""


def _has_clearance_word(lowered: str) -> bool:
    return any(word in lowered for word in _CLEARANCE_WORDS)


def unread_measures(criteria: str, thresholds: list[Threshold]) -> tuple[str, ...]:
    """The measures the criteria state a limit on that no threshold was read for, in table order.

    A name is weighed within its criterion: the words after it up to the next measure's name or
    the clause's end, and "normal" before it in its clause."""
    if not criteria:
        return ()
    read = {t.measure for t in thresholds}
    read |= {m for measure in read for m in _COVERED.get(measure, ())}
    names = measure_names(criteria)
    named = [(index, measures) for index, (_start, _end, ids) in enumerate(names)
             if (measures := [m for m in ids if m in MEASURES and m != "age" and m not in read])]
    clearance = (_CLEARANCE.search(criteria) if "gfr" not in read and _has_clearance_word(lowered_text(criteria)) else None)
    if not named and clearance is None:
        return ()
    donors = donor_ranges(criteria)
    items = [(start, start + len(text)) for _s, _l, _d, text, start in iter_items(criteria)
             if not any(low <= start < high for low, high in donors)]
    starts = [start for start, _ in items]

    def item_of(position: int) -> tuple[int, int] | None:
        at = bisect_right(starts, position) - 1
        return items[at] if at >= 0 and position < items[at][1] else None

    found: set[str] = set()
    if clearance is not None and item_of(clearance.start()) is not None:
        found.add("gfr")
    for index, measures in named:
        start, end, _ids = names[index]
        item = item_of(start)
        if item is None or found.issuperset(measures):
            continue
        if "lvef" in measures and _ERECTILE.search(criteria, item[0], item[1]):
            measures = [m for m in measures if m != "lvef"]
        stop = min(item[1], end + _REACH)
        if index + 1 < len(names):
            stop = min(stop, names[index + 1][0])
        after = criteria[end:stop]
        after = after[len(label.group()):] if (label := _LABEL_COLON.match(after)) else after
        edge = _CLAUSE_END.search(after)
        after = after[: edge.start()] if edge else after
        if _LIMIT_AFTER.search(after) or _NORMAL_BEFORE.search(criteria, max(item[0], start - 60), start):
            found.update(measures)
    return tuple(m for m in MEASURES if m in found)


def unread_reason(measure_label: str) -> str:
    """A reason's text for a limit stated and not read ("creatinine stated, not read")."""
    return f"{measure_label} stated, not read"

