"""Check a patient's values against a trial's thresholds: pass / fail / unknown, and overall fit.

Values are entered as people write them ("1200/mm3", "9 g/dL", "ECOG 1", "2 x ULN") and go
through the same unit grammar as the criteria, so a patient's ANC in cells/µL meets a trial's limit
in ×10⁹/L. A conditional threshold replaces the unconditional one of its measure only when the
patient is known to have the condition (age conditions are decided from the age); an OR-group
passes when any member passes. Anything not decidable is `unknown`, never a guess.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trialtui.eligibility.conditions import PatientCondition
from trialtui.eligibility.display import measure_label, unit_text
from trialtui.eligibility.measures import MEASURES, ULN_RANGE
from trialtui.eligibility.units import UNIT, to_canonical, unit_kind
from trialtui.eligibility.vocabulary import MENTION, mention_measures
from trialtui.safe_text import quoted

if TYPE_CHECKING:
    from trialtui.eligibility.extract import Threshold  # its patterns compile at import: not before a check

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
FITS, FAILS = "fits", "fails"

_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:[.,][0-9]+)?|\.[0-9]+)"
"""One number as people write it: "1,200" (thousands), "1.5" or "1,5" (decimals), ".5"."""
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_PATIENT_VALUE = re.compile(rf"\s*(?P<number>{_NUMBER})\s*(?P<unit>{UNIT})?\s*", re.IGNORECASE)
_LEADING_NUMBER = re.compile(_NUMBER)
_LEADING_UNIT = re.compile(UNIT, re.IGNORECASE)
_AGE_CONDITION = re.compile(r"^age\s*(?P<op>>=|<=|>|<)\s*(?P<value>\d+(?:\.\d+)?)$")


@dataclass(slots=True)
class LabValue:
    """A patient's value of one measure, in the measure's canonical unit."""

    value: float
    unit: str


@dataclass(slots=True)
class PatientProfile:
    age: float | None = None
    sex: str = ""
    labs: dict[str, list[LabValue]] = field(default_factory=dict)
    """Measure id → the value in every canonical unit it was given in (absolute and/or ×ULN)."""
    conditions: set[str] = field(default_factory=set)
    """Conditions the patient has, named as thresholds name them ("bone marrow involvement")."""
    diagnoses: list[PatientCondition] = field(default_factory=list)
    """The same conditions read as diagnoses a trial may study (findings left out)."""
    healthy: bool | None = None
    """A healthy volunteer (True), a patient (False), or not said."""

    def set_lab(self, measure: str, text: str) -> LabValue:
        """Record a value written as text ("1200/mm3", "2 x ULN", "1"); raises ValueError if unreadable."""
        value = parse_lab(measure, text)
        values = [v for v in self.labs.get(measure, []) if (v.unit == "xULN") != (value.unit == "xULN")]
        self.labs[measure] = [*values, value]
        return value

    def add(self, text: str) -> tuple[str, LabValue]:
        """Record "ANC 1200/mm3", "ECOG 1", "Hb 9 g/dL": the measure named, then its value."""
        mention = MENTION.search(text)
        measures = mention_measures(mention) if mention else ()
        if not measures or text[: mention.start()].strip():
            raise UnreadableValue("it does not begin with a measure trialtui knows")
        rest = re.sub(r"^\s*[:=]", "", text[mention.end() :])  # "albumin: 3.2 g/dL", "INR = 1.1"
        value = None
        for measure in measures:
            value = self.set_lab(measure, rest)
            if measure == "age":
                self.age = value.value
        return measures[0], value


class UnreadableValue(ValueError):
    """A patient's value that is not one number in a unit of its measure; the message says why in
    a few words ("a negative number", "'furlongs' is not a unit trialtui knows")."""


def parse_lab(measure: str, text: str) -> LabValue:
    """The value `text` gives of `measure`: the whole text one non-negative number, then no unit
    or a unit of that measure. A patient's value is read exactly as written or not at all: the
    guesses `to_canonical` makes for a criterion's unit (a slip of mg for g, per mL for per µL)
    are refused here; a value written without a unit is read as the measure's entry says."""
    match = _PATIENT_VALUE.fullmatch(text)
    if not match:
        raise UnreadableValue(_why_not_a_number(text))
    written = match.group("number")
    number = float(written.replace(",", "") if _THOUSANDS.fullmatch(written) else written.replace(",", "."))
    if not math.isfinite(number):
        raise UnreadableValue("a number too large to read")
    unit = match.group("unit")
    converted = to_canonical(measure, number, unit)
    if converted is None or (unit and converted[2] is not None):
        raise UnreadableValue(_why_not_this_measure(measure, unit))
    return LabValue(converted[0], converted[1])


def _why_not_a_number(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return "no value"
    if re.match(r"[-−–][\s.]*[0-9]", stripped):
        return "a negative number"
    if re.match(r"[-+−]?\s*(?:nan|inf)", stripped, re.IGNORECASE):
        return "not a finite number"
    number = _LEADING_NUMBER.match(stripped)
    if not number:
        return "it does not begin with a number"
    rest = stripped[number.end() :].lstrip()
    if re.match(r"(?:[-–—]|to\b)\s*[0-9]", rest):
        return "a range, not one value"
    if re.match(r"[eE][-+]?[0-9]", rest):
        return "a power of ten: write the number out (150, not 1.5e2)"
    unit = _LEADING_UNIT.match(rest)
    if unit:
        return f"{quoted(rest[unit.end() :].strip())} after the unit"
    if re.search(r"[0-9]", rest):
        return "more than one number"
    return f"{quoted(rest)} is not a unit trialtui knows"


def _why_not_this_measure(measure: str, unit: str | None) -> str:
    spec = MEASURES.get(measure)
    if spec is None:
        return "not a measure trialtui knows"
    label = measure_label(measure)
    if unit:
        kind = unit_kind(unit)
        if kind is None:
            return f"{quoted(unit.strip())} is not a unit trialtui knows"
        if kind[0] in ("xULN", "%ULN") and not spec.uln_as:
            return f"{label} is not given as a multiple of the ULN"
        if kind[0] == "%ULN":
            return "a share of the ULN: write it as a multiple (1.5 x ULN)"
        if kind[0] == "xULN":
            low, high = ULN_RANGE
            return f"outside {low:g}–{high:g} × ULN, the multiples trialtui reads"
        if kind[0] not in dict(spec.units):
            return f"{quoted(unit.strip())} is not a unit of {label}"
    elif spec.no_unit is None:
        return f"{label} needs a unit"
    low, high = spec.plausible
    return f"outside {low:g}–{high:g} {unit_text(spec.unit) or 'on its scale'}, the values trialtui reads as {label}"


def _patient_value(profile: PatientProfile, threshold: Threshold) -> float | None:
    if threshold.measure == "age":
        return profile.age
    for value in profile.labs.get(threshold.measure, []):
        if value.unit == threshold.unit:
            return value.value
    return None


def _meets(value: float, threshold: Threshold) -> bool:
    if threshold.bound == "lower":
        return value >= threshold.value if threshold.inclusive else value > threshold.value
    return value <= threshold.value if threshold.inclusive else value < threshold.value


SEX_CONDITIONS = {"male": "MALE", "female": "FEMALE"}
"""The conditions the extractor gives a limit for one sex, and the patient's sex each holds for."""


def of_the_person(condition: str) -> bool:
    """Whether a limit's condition is the patient's age or sex, which every patient has: a limit on
    it stays unknown until it is given (a diagnosis the patient does not state is one they lack)."""
    return condition.startswith("age") or condition in SEX_CONDITIONS


def _condition_holds(profile: PatientProfile, condition: str) -> bool | None:
    age_rule = _AGE_CONDITION.match(condition)
    if age_rule:
        if profile.age is None:
            return None
        limit = float(age_rule.group("value"))
        return {">=": profile.age >= limit, "<=": profile.age <= limit,
                ">": profile.age > limit, "<": profile.age < limit}[age_rule.group("op")]
    sex = SEX_CONDITIONS.get(condition)
    if sex is not None:  # a limit for one sex ("≥ 45 kg for females")
        return (profile.sex == sex) if profile.sex else None
    return True if condition in profile.conditions else None


@dataclass(slots=True)
class Check:
    threshold: Threshold
    result: str
    """pass, fail or unknown; "not applicable" thresholds (a condition the patient lacks) are left out."""


def evaluate(profile: PatientProfile, thresholds: list[Threshold]) -> list[Check]:
    """Each applicable threshold's result for this patient."""
    applicable: list[Threshold] = []
    by_measure_condition: dict[str, list[Threshold]] = {}
    for threshold in thresholds:
        if threshold.condition is not None:
            by_measure_condition.setdefault(threshold.measure, []).append(threshold)
    for threshold in thresholds:
        if threshold.condition is None:
            # The unconditional limit gives way to a conditional one that applies to the patient
            # ("ANC ≥ 1.0, or ≥ 0.5 if bone marrow involvement").
            replaced = any(
                other.bound == threshold.bound and _condition_holds(profile, other.condition) is True
                and not other.condition.startswith("age")
                for other in by_measure_condition.get(threshold.measure, [])
            )
            if not replaced:
                applicable.append(threshold)
        elif _condition_holds(profile, threshold.condition) is True:
            applicable.append(threshold)
        elif _condition_holds(profile, threshold.condition) is None and of_the_person(threshold.condition):
            applicable.append(threshold)  # unknown until the patient's age or sex is given
    checks = []
    for threshold in applicable:
        value = _patient_value(profile, threshold)
        if value is None or (threshold.condition and _condition_holds(profile, threshold.condition) is None):
            checks.append(Check(threshold, UNKNOWN))
        else:
            checks.append(Check(threshold, PASS if _meets(value, threshold) else FAIL))
    return _resolve_groups(checks)


def _resolve_groups(checks: list[Check]) -> list[Check]:
    """In an OR-group one pass is enough: the group's failing members then count as passed."""
    groups: dict[str, list[Check]] = {}
    for check in checks:
        if check.threshold.group:
            groups.setdefault(check.threshold.group, []).append(check)
    for members in groups.values():
        results = {c.result for c in members}
        if PASS in results:
            for check in members:
                if check.result == FAIL:
                    check.result = PASS
        elif UNKNOWN in results:
            for check in members:
                if check.result == FAIL:
                    check.result = UNKNOWN
    return checks


def overall_fit(checks: list[Check]) -> str:
    """fits when every applicable threshold passes, fails when any fails, else unknown."""
    results = {check.result for check in checks}
    if FAIL in results:
        return FAILS
    if UNKNOWN in results:
        return UNKNOWN
    return FITS
