"""Check a patient's values against a trial's thresholds: pass / fail / unknown, and overall fit.

Values are entered as people write them ("1200/mm3", "9 g/dL", "ECOG 1", "2 x ULN") and go
through the same unit grammar as the criteria, so a patient's ANC in cells/µL meets a trial's limit
in ×10⁹/L. A conditional threshold replaces the unconditional one of its measure only when the
patient is known to have the condition (age conditions are decided from the age); an OR-group
passes when any member passes. Anything not decidable is `unknown`, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trialtui.eligibility.conditions import PatientCondition
from trialtui.eligibility.units import UNIT, to_canonical
from trialtui.eligibility.vocabulary import MENTION, mention_measures

if TYPE_CHECKING:
    from trialtui.eligibility.extract import Threshold  # its patterns compile at import: not before a check

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
FITS, FAILS = "fits", "fails"

_VALUE = re.compile(rf"(?P<number>\d+(?:[.,]\d+)*)\s*(?P<unit>{UNIT})?", re.IGNORECASE)
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
        if not measures:
            raise ValueError(f"no known measure in {text!r}")
        rest = text[mention.end() :]
        value = None
        for measure in measures:
            value = self.set_lab(measure, rest)
            if measure == "age":
                self.age = value.value
        return measures[0], value


def parse_lab(measure: str, text: str) -> LabValue:
    match = _VALUE.search(text)
    if not match:
        raise ValueError(f"no value in {text!r}")
    number = float(match.group("number").replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", match.group("number"))
                   else match.group("number").replace(",", "."))
    converted = to_canonical(measure, number, match.group("unit"))
    if converted is None:
        raise ValueError(f"{text!r} is not a value of {measure}")
    return LabValue(converted[0], converted[1])


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


def _condition_holds(profile: PatientProfile, condition: str) -> bool | None:
    age_rule = _AGE_CONDITION.match(condition)
    if age_rule:
        if profile.age is None:
            return None
        limit = float(age_rule.group("value"))
        return {">=": profile.age >= limit, "<=": profile.age <= limit,
                ">": profile.age > limit, "<": profile.age < limit}[age_rule.group("op")]
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
        elif _condition_holds(profile, threshold.condition) is None and threshold.condition.startswith("age"):
            applicable.append(threshold)
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
