"""The patient check as the app uses it: a profile read from the form's texts, and each trial's fit.

Values are typed as people write them ("1200/mm3", "9 g/dL", "2 x ULN"); each field is read on its
own so one unreadable value is reported by name and the others still count. Sex is checked against
the trial's eligible sex, which is a registry field rather than a numeric threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialtui.eligibility.display import measure_label
from trialtui.eligibility.patient import FAIL, FAILS, FITS, PASS, UNKNOWN, Check, PatientProfile, evaluate, overall_fit
from trialtui.models import Trial

LAB_FIELDS = (
    ("ecog", "ECOG", "1"),
    ("karnofsky", "Karnofsky", "80"),
    ("lansky", "Lansky", "70"),
    ("anc", "ANC", "1200/mm3"),
    ("platelets", "Platelets", "90 x10^9/L"),
    ("hemoglobin", "Hemoglobin", "9.5 g/dL"),
    ("total_bilirubin", "Bilirubin", "1.1 mg/dL"),
    ("ast", "AST", "40 U/L or 1.2 x ULN"),
    ("alt", "ALT", "35 U/L"),
    ("creatinine", "Creatinine", "0.9 mg/dL"),
    ("gfr", "CrCl / GFR", "75 mL/min"),
    ("lvef", "LVEF", "55%"),
    ("spo2", "SpO₂", "96%"),
    ("weight", "Weight", "24 kg"),
)
"""(measure, label, example) of the form's lab fields, in the order clinicians list them."""


@dataclass
class PatientEntry:
    """What the user typed, kept so the form can be reopened and the profile saved by name."""

    age: str = ""
    sex: str = ""
    conditions: str = ""
    labs: dict[str, str] = field(default_factory=dict)
    other: str = ""
    """Further values as "measure value" pairs separated by ";" ("albumin 3.2 g/dL; INR 1.1")."""

    def to_json(self) -> dict:
        return {"age": self.age, "sex": self.sex, "conditions": self.conditions, "labs": self.labs, "other": self.other}

    @classmethod
    def from_json(cls, data: dict) -> PatientEntry:
        return cls(str(data.get("age", "")), str(data.get("sex", "")), str(data.get("conditions", "")),
                   {str(k): str(v) for k, v in dict(data.get("labs", {})).items()}, str(data.get("other", "")))


def read_profile(entry: PatientEntry) -> tuple[PatientProfile, list[str]]:
    """The profile the entry describes, and one message per value that could not be read."""
    profile = PatientProfile()
    problems: list[str] = []
    if entry.age.strip():
        try:
            profile.age = profile.set_lab("age", entry.age if any(c.isalpha() for c in entry.age) else f"{entry.age} years").value
        except ValueError:
            problems.append(f"Age: cannot read {entry.age!r}")
    profile.sex = entry.sex.strip().upper()
    profile.conditions = {c.strip().lower() for c in entry.conditions.split(",") if c.strip()}
    labels = {measure: label for measure, label, _ in LAB_FIELDS}
    for measure, text in entry.labs.items():
        if text.strip():
            try:
                profile.set_lab(measure, text)
            except ValueError:
                problems.append(f"{labels.get(measure, measure)}: cannot read {text!r}")
    for part in filter(str.strip, entry.other.split(";")):
        try:
            profile.add(part)
        except ValueError as err:
            problems.append(f"Other: {err}")
    return profile, problems


@dataclass(frozen=True)
class TrialFit:
    """A patient against one trial: each threshold's result, and the overall fit."""

    checks: list[Check]
    sex_ok: bool | None
    overall: str

    @property
    def counts(self) -> tuple[int, int, int]:
        results = [c.result for c in self.checks]
        return results.count(PASS), results.count(FAIL), results.count(UNKNOWN)

    def summary(self) -> str:
        """"fits", or "fails: platelets, ANC" naming what fails, or "unknown: 3 values missing"."""
        failing = [measure_label(c.threshold.measure) for c in self.checks if c.result == FAIL]
        if self.sex_ok is False:
            failing.insert(0, "sex")
        if failing:
            return "fails: " + ", ".join(dict.fromkeys(failing))
        missing = self.counts[2]
        return f"unknown: {missing} value{'s' if missing != 1 else ''} not given" if self.overall == UNKNOWN else "fits"


def trial_fit(profile: PatientProfile, trial: Trial, thresholds: list) -> TrialFit:
    checks = evaluate(profile, thresholds)
    eligible_sex = trial.eligibility.sex.upper()
    sex_ok = None if not profile.sex or eligible_sex in ("", "ALL") else profile.sex == eligible_sex
    overall = overall_fit(checks)
    if sex_ok is False:
        overall = FAILS
    return TrialFit(checks, sex_ok, overall)


FIT_BADGES = {FITS: "✓", FAILS: "✗", UNKNOWN: "?"}
