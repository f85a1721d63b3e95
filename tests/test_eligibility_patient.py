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
