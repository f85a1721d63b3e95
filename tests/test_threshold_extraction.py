"""Threshold extraction on real ClinicalTrials.gov sentences (from ../shared/data/ctgov-v2)."""

import pytest

from trialtui.eligibility.extract import extract_text_thresholds, extract_thresholds
from trialtui.models import Eligibility, Trial


def read(text, section="Inclusion"):
    return [
        (t.measure, t.bound, round(t.value, 3), t.unit, t.condition)
        for t in extract_text_thresholds(f"{section} Criteria:\n\n* {text}\n")
    ]


def one(text, section="Inclusion"):
    found = extract_text_thresholds(f"{section} Criteria:\n\n* {text}\n")
    assert len(found) == 1, found
    return found[0]


# --- unit conversions ---------------------------------------------------------------------

def test_lost_superscript_and_g_per_litre():  # NCT06480136
    assert read("Blood routine (no blood transfusion or granulocyte colony-stimulating factor therapy within "
                "14 days before examination)：ANC≥1.5×109/L；PLT≥75×109/L；Hb≥90 g/L;") == [
        ("anc", "lower", 1.5, "10^9/L", None),
        ("platelets", "lower", 75.0, "10^9/L", None),
        ("hemoglobin", "lower", 9.0, "g/dL", None),
    ]


def test_micromol_bilirubin_and_escaped_comparator():  # NCT04265963
    assert read("Sufficient hepatic function defined by ALT/AST\\<5 x ULN and bilirubin≤34.2μmol/L;") == [
        ("ast", "upper", 5.0, "xULN", None),
        ("alt", "upper", 5.0, "xULN", None),
        ("total_bilirubin", "upper", 2.0, "mg/dL", None),
    ]


def test_micromol_creatinine():
    found = one("Serum creatinine ≤ 133 µmol/L")
    assert (found.measure, found.unit, round(found.value, 2)) == ("creatinine", "mg/dL", 1.5)


def test_cells_per_mm3_and_thousands_separator():
    assert read("Platelet count \\< 50,000", "Exclusion") == [("platelets", "lower", 50.0, "10^9/L", None)]  # NCT01339377
    assert read("Absolute neutrophil count \\<1000/mm3;", "Exclusion") == [("anc", "lower", 1.0, "10^9/L", None)]  # NCT03801200


def test_european_thousands_and_per_ml_typo():
    assert read("Platelets ≥ 50.000/mm3") == [("platelets", "lower", 50.0, "10^9/L", None)]
    found = one("White blood cell count (WBC) ≥ 2500c/ml")
    assert (found.value, found.unit) == (2.5, "10^9/L") and "per mL" in found.uncertain


def test_hemoglobin_mmol_per_litre():  # NCT05743244
    assert read("Hemoglobin \\< 6.2 mmol/L", "Exclusion") == [("hemoglobin", "lower", 9.988, "g/dL", None)]


def test_life_expectancy_in_days():
    assert read("Life expectancy\\>3 months.") == [("life_expectancy", "lower", 91.312, "days", None)]  # NCT04100187
    assert read("Estimated life expectancy > 12 weeks;") == [("life_expectancy", "lower", 84.0, "days", None)]


# --- inversion ----------------------------------------------------------------------------

def test_exclusion_is_inverted():
    found = one("Ejection fraction < 50% by ECHO", "Exclusion")
    assert (found.measure, found.bound, found.inclusive, found.value) == ("lvef", "lower", True, 50.0)


def test_exclusion_that_states_a_requirement_keeps_its_direction_and_says_so():
    found = one("Insufficient bone marrow function: Platelet count > 50,000/µL, independent of transfusion.",
                "Exclusion")
    assert (found.measure, found.bound, found.inclusive, found.value) == ("platelets", "lower", False, 50.0)
    assert found.uncertain


# --- ranges -------------------------------------------------------------------------------

def test_ecog_range_keeps_only_the_real_limit():  # NCT05879978
    assert read("Eastern Cooperative Oncology Group (ECOG) performance status of 0-1.") == [
        ("ecog", "upper", 1.0, "score", None)]


def test_age_range_and_age_phrases():
    assert read("Aged 1-12 years with weight≥10kg, male or female;") == [
        ("age", "lower", 1.0, "years", None), ("age", "upper", 12.0, "years", None),
        ("weight", "lower", 10.0, "kg", None)]
    assert read("Subjects between 50 and 75 years old without history of previous SCC or BCC.") == [
        ("age", "lower", 50.0, "years", None), ("age", "upper", 75.0, "years", None)]
    assert read("Participant is an adult ≥18 years of age.") == [("age", "lower", 18.0, "years", None)]


# --- conditions ---------------------------------------------------------------------------

def test_condition_in_brackets_and_age_dependent_scores():
    assert read("Absolute neutrophil count (ANC) ≥ 1.0 × 10^9/L (ANC ≥ 0.5 × 10^9/L if bone marrow involvement).") == [
        ("anc", "lower", 1.0, "10^9/L", None), ("anc", "lower", 0.5, "10^9/L", "bone marrow involvement")]
    assert read("Patients have adequate performance status (ECOG ≤2) for patients ≥16 years old, Lansky score "
                "\\>50 for patients \\<16 years old.") == [  # NCT05464836
        ("ecog", "upper", 2.0, "score", "age >= 16"), ("lansky", "lower", 50.0, "score", "age < 16")]


def test_relaxed_limit_with_liver_metastases():  # NCT04811001
    found = read("Adequate liver function (AST (SGOT)/ALT (SGPT) ≤2.5 x institutional upper limit of normal "
                 "unless liver metastases are present, in which case it must be ≤5x ULN")
    assert ("ast", "upper", 2.5, "xULN", None) in found and ("alt", "upper", 2.5, "xULN", None) in found
    assert ("ast", "upper", 5.0, "xULN", "liver metastases") in found


# --- OR-groups ----------------------------------------------------------------------------

def test_creatinine_or_clearance_is_one_group():  # NCT04946890
    found = extract_text_thresholds(
        "Inclusion Criteria:\n\n1. Kidney: Serum creatinine (Scr) ≤1.5×ULN, or creatinine clearance (Ccr) "
        "≥50 mL/min (calculated according to Cockcroft-Gault formula);\n")
    assert [(t.measure, t.value, t.unit) for t in found] == [("creatinine", 1.5, "xULN"), ("gfr", 50.0, "mL/min")]
    assert found[0].group and found[0].group == found[1].group


def test_or_under_an_exclusion_is_no_group():  # NCT06097962
    found = extract_text_thresholds(
        "Exclusion Criteria:\n\n1. Renal:Serum creatinine \\> 1.5 × ULN or creatinine clearance \\< 50mL/min;\n")
    assert [(t.measure, t.bound, t.value, t.group) for t in found] == [
        ("creatinine", "upper", 1.5, None), ("gfr", "lower", 50.0, None)]


# --- numbers that are not thresholds ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Received radiotherapy within 4 weeks or 5 half-lives before cell infusion.",
    "Having received at least 4 cycles of multi-drug induction chemotherapy.",
    "Measurable tumor of at least 10 mm in one dimension on MRI.",
    "Toxicities have returned to NCI CTCAE v5.0 Grade≤1 (except for hair loss).",
    "Receiving 0.5 mg/kg/day of systemic steroids for at least 7 days before enrollment.",
    "Platelet transfusion within 7 days before enrollment.",
    "IIEF-5 score less than 21",
    "World Health Organization (WHO) grade 4 glioma",
])
def test_non_thresholds_are_ignored(text):
    assert read(text) == []


# --- spans, structured ages ---------------------------------------------------------------

def test_span_points_at_the_source():
    text = "Inclusion Criteria:\n\n* Lansky score\\>60;\n"
    found = extract_text_thresholds(text)[0]
    assert text[found.start : found.end] == found.raw == "Lansky score\\>60"


def test_a_name_that_begins_before_the_reach_of_its_value_is_quoted_whole():  # NCT00005576
    sentence = ("Serum glutamic oxaloacetic transaminase (SGOT) (aspartate aminotransferase [AST]) or serum glutamate"
                " pyruvate transaminase (SGPT) (alanine aminotransferase [ALT]) =< 5 x normal")
    found = extract_text_thresholds(f"Inclusion Criteria:\n\n* {sentence}\n")
    assert [(t.measure, t.value, t.unit, t.raw) for t in found] == [
        ("ast", 5.0, "xULN", sentence), ("alt", 5.0, "xULN", sentence)]


def test_structured_age_reported_once():
    trial = Trial(trial_id="X", eligibility=Eligibility(
        criteria="Inclusion Criteria:\n\n* Age ≥ 18 years\n", minimum_age="18 Years", maximum_age="75 Years"))
    found = [(t.measure, t.bound, t.value, t.section) for t in extract_thresholds(trial)]
    assert found == [("age", "upper", 75.0, "structured"), ("age", "lower", 18.0, "inclusion")]


# --- fixes from the real-trial gold (tests/data/eligibility/real-gold.json) ----------------

def test_multiple_of_normal_is_uln():
    assert read("Bilirubin no greater than 1.5 times normal") == [  # NCT00006224
        ("total_bilirubin", "upper", 1.5, "xULN", None)]
    assert read("Serum total bilirubin (TBIL) ≤1.5 times of upper limit of normal (ULN);") == [  # NCT04007835
        ("total_bilirubin", "upper", 1.5, "xULN", None)]


def test_lab_outside_the_vocabulary_shares_a_list_but_ends_a_reach():
    assert read("SGOT and alkaline phosphatase no greater than 3 times normal") == [  # NCT00006224
        ("ast", "upper", 3.0, "xULN", None)]
    found = read("Bilirubin less than 2.5 times normal unless due to Gilbert's syndrome SGOT or SGPT less than "
                 "2.5 times normal Alkaline phosphatase less than 2.5 times normal If hepatitis C antibody "
                 "positive, then liver function must be normal")  # NCT00004174
    assert [f for f in found if f[4]] == []


def test_ideographic_comma_joins_a_measure_list():  # NCT04204473
    assert read("Aspartate aminotransferase(AST)、alanine aminotransferase(ALT) ≤ 2.5×ULN;") == [
        ("ast", "upper", 2.5, "xULN", None), ("alt", "upper", 2.5, "xULN", None)]


def test_who_performance_without_status():  # NCT02315053
    assert read("WHO performance 0-1") == [("ecog", "upper", 1.0, "score", None)]


def test_digits_inside_a_name_do_not_cut_it_short():  # NCT05735340
    assert read("Hemoglobin A1c > 7.5 at time of enrollment") == []
