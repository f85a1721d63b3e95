"""Patient check: values in any unit, conditional limits, OR-groups, overall fit."""

import pytest

from trialtui.eligibility.extract import extract_text_thresholds
from trialtui.eligibility.patient import PatientProfile, evaluate, overall_fit, parse_lab

SEED_004_LABS = (
    "Inclusion Criteria:\n\n"
    "⁃ Karnofsky (≥16 years) or Lansky (<16 years) performance status score of at least 50.\n"
    "⁃ Absolute neutrophil count (ANC) ≥ 1.0 × 10^9/L (ANC ≥ 0.5 × 10^9/L if bone marrow involvement).\n"
    "⁃ Platelet count (PLT) ≥ 75 × 10^9/L (PLT ≥ 20 × 10^9/L if bone marrow involvement).\n"
)
RENAL_OR = "Inclusion Criteria:\n\n* Serum creatinine≤2×ULN, or Creatinine clearance rate (CCR)≥60 mL/min\n"


def test_values_in_any_unit():
    assert parse_lab("anc", "1200/mm3").value == pytest.approx(1.2)
    assert parse_lab("hemoglobin", "90 g/L").value == pytest.approx(9.0)
    assert parse_lab("creatinine", "2 x ULN").unit == "xULN"
    with pytest.raises(ValueError):
        parse_lab("platelets", "7 days")


def test_conditional_limits_apply_only_with_the_condition():
    thresholds = extract_text_thresholds(SEED_004_LABS)
    patient = PatientProfile()
    patient.add("age 10")
    patient.add("Lansky 60")
    patient.add("ANC 800/µL")
    patient.add("platelets 100,000/µL")
    assert overall_fit(evaluate(patient, thresholds)) == "fails"  # ANC 0.8 < 1.0
    patient.conditions.add("bone marrow involvement")
    checks = evaluate(patient, thresholds)
    assert overall_fit(checks) == "fits"
    assert {c.threshold.measure for c in checks} == {"lansky", "anc", "platelets"}  # Karnofsky is for ≥ 16


def test_unknown_when_a_value_is_missing():
    patient = PatientProfile(age=20)
    patient.add("ANC 1.5 x 10^9/L")
    checks = evaluate(patient, extract_text_thresholds(SEED_004_LABS))
    assert {c.threshold.measure: c.result for c in checks} == {"karnofsky": "unknown", "anc": "pass", "platelets": "unknown"}
    assert overall_fit(checks) == "unknown"


def test_or_group_needs_one_member():
    thresholds = extract_text_thresholds(RENAL_OR)
    patient = PatientProfile()
    patient.add("creatinine 3 x ULN")
    patient.add("CrCl 70 mL/min")
    assert overall_fit(evaluate(patient, thresholds)) == "fits"
    patient.add("CrCl 50 mL/min")
    assert overall_fit(evaluate(patient, thresholds)) == "fails"


@pytest.mark.parametrize(("measure", "text", "value", "unit"), [
    ("anc", "1200/mm3", 1.2, "10^9/L"), ("anc", "1.2 x10^9/L", 1.2, "10^9/L"), ("anc", "1,200", 1.2, "10^9/L"),
    ("anc", " 1500 ", 1.5, "10^9/L"), ("platelets", "150000/uL", 150, "10^9/L"), ("platelets", "80,000/µL", 80, "10^9/L"),
    ("platelets", "90 X10^9/l", 90, "10^9/L"), ("creatinine", "2 x ULN", 2, "xULN"), ("ast", ".5 x ULN", 0.5, "xULN"),
    ("hemoglobin", "9.5 g/dL", 9.5, "g/dL"), ("hemoglobin", "9,5 g/dL", 9.5, "g/dL"), ("hemoglobin", "90 g/L", 9, "g/dL"),
    ("creatinine", "90 umol/L", 90 / 88.4, "mg/dL"), ("lvef", "55%", 55, "%"), ("ecog", "1", 1, "score"),
    ("weight", "24 kg", 24, "kg"), ("gfr", "75 mL/min", 75, "mL/min"), ("age", "18 months", 1.5, "years"),
])
def test_a_value_as_people_write_it_reads_as_that_number(measure, text, value, unit):
    read = parse_lab(measure, text)
    assert (read.value, read.unit) == (pytest.approx(value, rel=1e-3), unit)


@pytest.mark.parametrize(("measure", "text", "why"), [
    ("platelets", "-150 x10^9/L", "a negative number"),
    ("platelets", "−150", "a negative number"),  # U+2212 MINUS SIGN
    ("age", "-40 years", "a negative number"),
    ("platelets", "12 furlongs", "'furlongs' is not a unit trialtui knows"),
    ("platelets", "Infinity x10^9/L", "not a finite number"),
    ("platelets", "NaN x10^9/L", "not a finite number"),
    ("platelets", "about 40", "it does not begin with a number"),
    ("anc", "< 1.5", "it does not begin with a number"),
    ("platelets", "40-200", "a range, not one value"),
    ("platelets", "40 to 200", "a range, not one value"),
    ("anc", "1.5 or 2", "more than one number"),
    ("ast", "40 U/L or 1.2 x ULN", "'or 1.2 x ULN' after the unit"),
    ("platelets", "1.5e2 x10^9/L", "a power of ten: write the number out (150, not 1.5e2)"),
    ("platelets", "1" * 400, "a number too large to read"),
    ("platelets", "7 days", "'days' is not a unit of platelets"),
    ("age", "121 years", "outside 0–120 years, the values trialtui reads as age"),
    ("hemoglobin", "9 mg/dL", "outside 4–25 g/dL, the values trialtui reads as hemoglobin"),  # not read as 9 g/dL
    ("ast", "50% of ULN", "a share of the ULN: write it as a multiple (1.5 x ULN)"),  # not read as 1.5 × ULN
])
def test_a_value_that_is_not_one_number_in_a_unit_of_its_measure_is_refused(measure, text, why):
    with pytest.raises(ValueError) as refused:
        parse_lab(measure, text)
    assert str(refused.value) == why
