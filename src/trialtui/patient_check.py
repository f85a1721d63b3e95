"""The patient check as the app and the command line use it: a profile read from the form's texts
or the patient file, and each trial's verdict with its reasons.

Values are typed as people write them ("1200/mm3", "9 g/dL", "2 x ULN"); each field is read on its
own so one unreadable value is reported by name and the others still count. Beside the thresholds,
a trial is weighed on what it studies (`eligibility.conditions`), its eligible sex and whether it
takes healthy volunteers. A verdict is `fits` only when every requirement the trial states is known
and met (a limit the criteria state on a measure whose threshold was not read leaves it unknown);
each failing or undecided requirement gives one reason in a clinician's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialtui.eligibility.conditions import DIFFERS, ConditionResult, healthy_only, match_conditions, read_conditions
from trialtui.eligibility.display import limit_text, measure_label, threshold_text, unit_text
from trialtui.eligibility.facts import TrialFacts
from trialtui.eligibility.measures import MEASURES
from trialtui.eligibility.patient import FAIL, FAILS, FITS, PASS, SEX_CONDITIONS, UNKNOWN, Check, PatientProfile, evaluate
from trialtui.eligibility.weighed import registry_ages, unread_measures, unread_reason, weighed_ages
from trialtui.models import Trial
from trialtui.safe_text import quoted

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
    """Comma-separated, or semicolon-separated when a name holds a comma ("Carcinoma, Non-Small-Cell Lung")."""
    labs: dict[str, str] = field(default_factory=dict)
    other: str = ""
    """Further values as "measure value" pairs separated by ";" ("albumin 3.2 g/dL; INR 1.1")."""
    healthy: bool | None = None
    """A healthy volunteer (True), a patient (False), or not said (None)."""

    def to_json(self) -> dict:
        return {"age": self.age, "sex": self.sex, "conditions": self.conditions, "labs": self.labs,
                "other": self.other, "healthy": self.healthy}

    @classmethod
    def from_json(cls, data: dict) -> PatientEntry:
        healthy = data.get("healthy")
        return cls(str(data.get("age", "")), str(data.get("sex", "")), str(data.get("conditions", "")),
                   {str(k): str(v) for k, v in dict(data.get("labs", {})).items()}, str(data.get("other", "")),
                   healthy if isinstance(healthy, bool) else None)

    @classmethod
    def from_patient_file(cls, data: object) -> tuple[PatientEntry, list[str]]:
        """The entry a patient file describes (the command line's JSON: age, sex, conditions,
        healthy, values), and one message per key that cannot be used; the rest still counts.
        Raises ValueError when `data` is not a JSON object: then nothing in it describes a patient."""
        if not isinstance(data, dict):
            raise ValueError(f"a patient file is a JSON object, found {_json_type(data)}")
        problems = [f"unknown key {quoted(key)}" for key in data if key not in _FILE_KEYS]
        entry = cls()
        age = data.get("age")
        if isinstance(age, (int, float, str)) and not isinstance(age, bool):
            entry.age = str(age)
        elif age is not None:
            problems.append(f"age: a number is expected, found {_json_type(age)}")
        sex = data.get("sex")
        if isinstance(sex, str):
            entry.sex = _SEX_WORDS.get(sex.strip().lower(), "")
            if not entry.sex and sex.strip().lower() not in ("", "all", "any"):
                problems.append(f"sex: {quoted(sex)} is neither female nor male")
        elif sex is not None:
            problems.append(f"sex: female or male is expected, found {_json_type(sex)}")
        conditions = data.get("conditions")
        if isinstance(conditions, str):
            conditions = [conditions]
        if isinstance(conditions, list) and all(isinstance(c, str) for c in conditions):
            entry.conditions = "; ".join(c.strip() for c in conditions if c.strip())
        elif conditions is not None:
            problems.append("conditions: a list of names is expected")
        healthy = data.get("healthy")
        if isinstance(healthy, bool):
            entry.healthy = healthy
        elif healthy is not None:
            problems.append(f"healthy: true or false is expected, found "
                            f"{quoted(healthy) if isinstance(healthy, str) else _json_type(healthy)}")
        values = data.get("values")
        if isinstance(values, dict):
            for measure, value in values.items():
                if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                    entry.labs[str(measure)] = str(value)
                else:
                    problems.append(f"{quoted(measure)}: a number or a text is expected, found {_json_type(value)}")
        elif values is not None:
            problems.append("values: an object of measure → value is expected")
        return entry, problems


_FILE_KEYS = ("age", "sex", "conditions", "healthy", "values")
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}


def _json_type(value: object) -> str:
    """What a decoded JSON value is, in words ("a list"), so a message names it without echoing it."""
    return _JSON_TYPES.get(type(value), "a number")
_SEX_WORDS = {"female": "FEMALE", "f": "FEMALE", "woman": "FEMALE", "male": "MALE", "m": "MALE", "man": "MALE"}


def condition_names(text: str) -> list[str]:
    """The entry's conditions one by one: split on ";" when there is one, else on ","."""
    return [c.strip() for c in text.split(";" if ";" in text else ",") if c.strip()]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A value the check cannot read: the field it was given in ("age", a measure id, "other"),
    so a form can mark that field, and the line that names it and says why."""

    field: str
    text: str

    def __str__(self) -> str:
        return self.text


def read_profile(entry: PatientEntry) -> tuple[PatientProfile, list[Unreadable]]:
    """The profile the entry describes, and one message per value that could not be read; a value
    not read is left out (its limits stay unknown), never read as something else.

    The one way a patient is read: the form and the command line's patient file both come here."""
    profile = PatientProfile()
    problems: list[Unreadable] = []
    if entry.age.strip():
        try:
            profile.age = profile.set_lab("age", entry.age if any(c.isalpha() for c in entry.age) else f"{entry.age} years").value
        except ValueError as error:
            problems.append(Unreadable("age", f"Age: cannot read {quoted(entry.age)}: {error}"))
    profile.sex = entry.sex.strip().upper()
    names = condition_names(entry.conditions)
    profile.conditions = {c.lower() for c in names}
    profile.diagnoses = read_conditions(names)
    profile.healthy = entry.healthy
    labels = {measure: label for measure, label, _ in LAB_FIELDS}
    for measure, text in entry.labs.items():
        if measure not in MEASURES:
            problems.append(Unreadable(measure, f"values: {quoted(measure)} is not a measure trialtui knows"))
        elif text.strip():
            try:
                profile.set_lab(measure, text)
            except ValueError as error:
                problems.append(Unreadable(measure, f"{labels.get(measure, measure)}: cannot read {quoted(text)}: {error}"))
    for part in filter(str.strip, entry.other.split(";")):
        try:
            profile.add(part)
        except ValueError as error:
            problems.append(Unreadable("other", f"Other: cannot read {quoted(part.strip())}: {error}"))
    return profile, problems


@dataclass(frozen=True, slots=True)
class Reason:
    """What failed or stayed unknown, in a clinician's words."""

    kind: str
    """threshold, age, condition, sex or healthy_volunteers."""
    text: str
    measure: str | None = None
    fails: bool = True
    """False when it stayed unknown."""
    unread: bool = False
    """A limit the criteria state that was not read: named in the summary, as it has no value to give."""
    missing: bool = False
    """Unknown because the patient's value (or age) was not given."""

    def to_json(self) -> dict:
        out = {"kind": self.kind}
        if self.measure:
            out["measure"] = self.measure
        out["text"] = self.text
        return out


@dataclass(frozen=True)
class TrialFit:
    """A patient against one trial: each threshold's result, the condition, and the overall fit."""

    checks: list[Check]
    sex_ok: bool | None
    overall: str
    condition: str = UNKNOWN
    """matches, differs or unknown: does the trial study one of the patient's conditions."""
    reasons: list[Reason] = field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int, int]:
        results = [c.result for c in self.checks]
        return results.count(PASS), results.count(FAIL), results.count(UNKNOWN)

    def summary(self) -> str:
        """"fits", or "fails: condition, ANC" naming what fails, or "unknown: 3 values not given"."""
        failing = [_short(r) for r in self.reasons if r.fails]
        if failing:
            return "fails: " + ", ".join(dict.fromkeys(failing))
        if self.overall != UNKNOWN:
            return "fits"
        named = [_short(r) for r in self.reasons if r.kind not in ("threshold", "age")]
        named += [r.text for r in self.reasons if r.unread]
        missing = self.counts[2]
        if missing:
            named.append(f"{missing} value{'s' if missing != 1 else ''} not given")
        return "unknown: " + ", ".join(dict.fromkeys(named))

    def beside_limits(self) -> list[str]:
        """The reasons that are not a limit's (condition, sex, healthy volunteers), in full: a limit's
        is shown beside it in the thresholds table, these have no row there."""
        return [r.text for r in self.reasons if r.kind not in ("threshold", "age")]

    def to_json(self, trial_id: str) -> dict:
        """The contract's row: trial_id, verdict, condition, reasons."""
        return {"trial_id": trial_id, "verdict": self.overall, "condition": self.condition,
                "reasons": [r.to_json() for r in self.reasons]}


def _short(reason: Reason) -> str:
    if reason.measure:
        return measure_label(reason.measure)
    return {"healthy_volunteers": "healthy volunteers"}.get(reason.kind, reason.kind)


_SEX_ONLY = {"FEMALE": "women", "MALE": "men"}


def _age_text(years: float) -> str:
    """An age as a clinician says it: years from 2 on, months under that, days under a month (a
    20-day-old is not "1 months", against a limit of 1 month)."""
    if years >= 2:
        return f"{years:g} years"
    months = round(years * 12, 1)
    if months >= 1:
        return f"{months:g} month" + ("" if months == 1 else "s")
    days = round(years * 365.25)
    return f"{days:g} day" + ("" if days == 1 else "s")


def _value_text(measure: str, value: float, unit: str) -> str:
    if measure == "age":
        return f"age {_age_text(value)}"
    shown = unit_text(unit)
    number = f"{round(value, 2):g}"
    return f"{measure_label(measure)} {number} {shown}" if shown else f"{measure_label(measure)} {number}"


def _threshold_reason(profile: PatientProfile, check: Check) -> Reason:
    t = check.threshold
    kind = "age" if t.measure == "age" else "threshold"
    needed = threshold_text(t, with_condition=False) + " required" + (f" if {t.condition}" if t.condition else "")
    if check.result == UNKNOWN:
        given = profile.labs.get(t.measure, []) if t.measure != "age" else []
        if any(v.unit == t.unit for v in given):  # the value is there; the age or sex it depends on is not
            text = f"{'sex' if t.condition in SEX_CONDITIONS else 'age'} not given; {measure_label(t.measure)} {needed}"
        elif not given:
            text = f"{'age' if t.measure == 'age' else measure_label(t.measure)} not given; {needed}"
            return Reason(kind, text, t.measure, fails=False, missing=True)
        else:
            text = f"{measure_label(t.measure)} given in {unit_text(given[0].unit)}, not {unit_text(t.unit)}; {needed}"
        return Reason(kind, text, t.measure, fails=False)
    value = profile.age if t.measure == "age" else next(v.value for v in profile.labs[t.measure] if v.unit == t.unit)
    limit = limit_text(t, with_unit=t.measure in ("age", "life_expectancy"))
    if t.bound == "lower":
        verdict = f"< {limit} required" if t.inclusive else f"not above {limit} as required"
    else:
        verdict = f"> {limit} maximum" if t.inclusive else f"not below {limit} as required"
    suffix = f" (if {t.condition})" if t.condition else ""
    return Reason(kind, f"{_value_text(t.measure, value, t.unit)} {verdict}{suffix}", t.measure)


def trial_fit(profile: PatientProfile, trial: Trial, thresholds: list) -> TrialFit:
    """The patient against one trial: thresholds and ages (`weighed`), limits stated and not read,
    sex, healthy volunteers and conditions."""
    weighed = weighed_ages(thresholds, *registry_ages(trial))
    return facts_fit(profile, TrialFacts.of(trial), weighed, unread_measures(trial.eligibility.criteria, thresholds))


def facts_fit(profile: PatientProfile, facts: TrialFacts, thresholds: list, unread: tuple[str, ...]) -> TrialFit:
    """`trial_fit` on what the check reads of a trial (stored with it in the library): the
    thresholds it weighs and the measures whose stated limit was not read."""
    return assemble_fit(profile, facts.sex, facts.healthy_volunteers, condition_part(profile, facts),
                        threshold_part(profile, thresholds, unread))


ConditionPart = tuple[ConditionResult, bool]
"""How the trial's studied conditions stand against the patient's, and whether it studies only
healthy volunteers: the same for every trial naming the same conditions."""
ThresholdPart = tuple[list[Check], list[Reason]]
"""Each applicable threshold's check, and the reasons of those not passed: the same for every
trial with the same limits (`check_key`)."""


def condition_part(profile: PatientProfile, facts: TrialFacts) -> ConditionPart:
    condition = match_conditions(profile.diagnoses, facts.conditions, facts.keywords, facts.mesh_terms,
                                 facts.mesh_ancestors, frozenset(facts.excluded))
    return condition, healthy_only(facts.conditions, facts.mesh_terms)


def threshold_part(profile: PatientProfile, thresholds: list, unread: tuple[str, ...]) -> ThresholdPart:
    checks = evaluate(profile, thresholds)
    reasons: list[Reason] = []
    seen: set[str] = set()
    for check in checks:
        if check.result != PASS:
            reason = _threshold_reason(profile, check)
            if reason.text not in seen:
                seen.add(reason.text)
                reasons.append(reason)
    reasons += [Reason("threshold", unread_reason(measure_label(m)), m, fails=False, unread=True) for m in unread]
    return checks, reasons


def assemble_fit(profile: PatientProfile, sex: str, accepts: bool | None, conditions: ConditionPart,
                 limits: ThresholdPart) -> TrialFit:
    """The verdict and its reasons, in the order a clinician reads them: what the trial studies,
    sex, healthy volunteers, each limit, then a condition left undecided."""
    condition, only_healthy = conditions
    checks, threshold_reasons = limits
    reasons: list[Reason] = []
    if condition.outcome == DIFFERS:
        reasons.append(Reason("condition", condition.text))
    eligible_sex = sex.upper()
    sex_ok = None
    if eligible_sex in _SEX_ONLY:
        sex_ok = None if not profile.sex else profile.sex == eligible_sex
        if sex_ok is False:
            reasons.append(Reason("sex", f"trial enrols {_SEX_ONLY[eligible_sex]} only"))
        elif sex_ok is None:
            reasons.append(Reason("sex", f"trial enrols {_SEX_ONLY[eligible_sex]} only; sex not given", fails=False))
    if profile.healthy is True and not only_healthy:
        if accepts is False:
            reasons.append(Reason("healthy_volunteers", "trial does not accept healthy volunteers"))
        elif accepts is None:
            reasons.append(Reason("healthy_volunteers", "trial does not say whether it accepts healthy volunteers",
                                  fails=False))
    elif profile.healthy is False and only_healthy and condition.outcome != DIFFERS:
        reasons.append(Reason("healthy_volunteers", "trial enrols healthy volunteers only"))
    reasons += threshold_reasons
    if condition.outcome == UNKNOWN and profile.diagnoses:
        reasons.append(Reason("condition", condition.text, fails=False))
    if any(r.fails for r in reasons):
        overall = FAILS
    elif reasons:
        overall = UNKNOWN
    else:
        overall = FITS
    return TrialFit(checks, sex_ok, overall, condition.outcome, reasons)


FIT_BADGES = {FITS: "✓", FAILS: "✗", UNKNOWN: "?"}
