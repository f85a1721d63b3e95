"""Grammar patterns that real criteria use and a first version missed, each with its real sentence
(NCT IDs from ../shared/data): age brackets as conditions, conditional clauses and sub-headers that
name no measure, values written before the names, changes that are not levels, two-sided limits,
bulleted and subject-prefixed headers, donor sections."""

from trialtui.eligibility.criteria import split_criteria
from trialtui.eligibility.extract import extract_text_thresholds


def read(text, section="Inclusion"):
    return [
        (t.measure, t.bound, round(t.value, 3), t.unit, t.condition)
        for t in extract_text_thresholds(f"{section} Criteria:\n\n* {text}\n")
    ]


# --- 1. an age in brackets after a score is the score's condition ---------------------------

def test_age_brackets_after_karnofsky_and_lansky_are_conditions():  # NCT05751044
    assert read("Performance status: Karnofsky performance status (for patients >12 years of age) or Lansky "
                "Play score (for patients ≤12 years of age) ≥ 50% (Appendix I).") == [
        ("karnofsky", "lower", 50.0, "score", "age > 12"),
        ("lansky", "lower", 50.0, "score", "age <= 12"),
    ]


def test_age_bracket_after_a_value_and_after_a_name():  # NCT05309213
    assert read("ECOG performance status of 0 or 1(age ≥ 16 years) or Lansky (age < 16 years) "
                "performance status ≥ 50;") == [
        ("ecog", "upper", 1.0, "score", "age >= 16"),
        ("lansky", "lower", 50.0, "score", "age < 16"),
    ]


def test_age_brackets_in_legacy_wording():  # NCT00002750, NCT00006463
    assert read("Karnofsky 60-100% (age 10 and over) OR Lansky 60-100% (age under 10)") == [
        ("karnofsky", "lower", 60.0, "score", "age >= 10"),
        ("lansky", "lower", 60.0, "score", "age < 10"),
    ]
    assert read("Karnofsky 50-100% (for patients older than 10 years) Lansky 50-100% (for patients 10 years "
                "and younger)") == [
        ("karnofsky", "lower", 50.0, "score", "age > 10"),
        ("lansky", "lower", 50.0, "score", "age <= 10"),
    ]


def test_a_bracketed_age_after_a_person_is_still_an_age_limit():
    assert read("Adults (age ≥ 18 years)") == [("age", "lower", 18.0, "years", None)]


# --- 2. a clause that only adds a condition keeps the previous clause's measures --------------

def test_conditional_clause_without_a_name():  # NCT05651269, NCT00495144
    assert read("Aspartate aminotransferase (AST), alanine aminotransferase (ALT) ≤ 3 × ULN; if liver "
                "metastases are present, then ≤ 5 × ULN is allowed") == [
        ("ast", "upper", 3.0, "xULN", None),
        ("alt", "upper", 3.0, "xULN", None),
        ("ast", "upper", 5.0, "xULN", "liver metastases"),
        ("alt", "upper", 5.0, "xULN", "liver metastases"),
    ]


def test_a_following_clause_without_a_known_condition_is_not_carried():
    assert read("AST ≤ 2.5 × ULN; at least 4 weeks since prior chemotherapy") == [("ast", "upper", 2.5, "xULN", None)]


# --- 3. legacy sub-headers name the measure of the items below them -------------------------

LEGACY = """PATIENT CHARACTERISTICS:

Age:

  -  18 and over

Performance status:

  -  GOG 0-2

Life expectancy:

  -  At least 2 months

Hematopoietic:

  -  Absolute neutrophil count at least 1,500/mm^3

Hepatic:

  -  Bilirubin no greater than 1.5 mg/dL

Other:

  -  No other malignancy within the past 5 years
"""


def test_legacy_sub_headers_carry_their_measure():  # NCT00006462, NCT00003483, NCT00006224
    found = [(t.measure, t.bound, round(t.value, 3), t.unit) for t in extract_text_thresholds(LEGACY)]
    assert found == [
        ("age", "lower", 18.0, "years"),
        ("ecog", "upper", 2.0, "score"),
        ("life_expectancy", "lower", 60.875, "days"),
        ("anc", "lower", 1.5, "10^9/L"),
        ("total_bilirubin", "upper", 1.5, "mg/dL"),
    ]


# --- 4. a value written before the names it limits --------------------------------------------

def test_value_before_the_names():  # NCT00866554
    assert read("Abnormal Liver Function tests (>2x normal AST or ALT and/or >1.5x normal bilirubin)",
                "Exclusion") == [
        ("ast", "upper", 2.0, "xULN", None),
        ("alt", "upper", 2.0, "xULN", None),
        ("total_bilirubin", "upper", 1.5, "xULN", None),
    ]


def test_count_before_the_cell_name_and_clearance_after_its_value():
    assert read("≥ 1,500/mm3 neutrophils and ≥ 100,000/mm3 platelets") == [
        ("anc", "lower", 1.5, "10^9/L", None),
        ("platelets", "lower", 100.0, "10^9/L", None),
    ]
    assert [t[:2] for t in read("Creatinine ≤ 1.5 mg/dL or ≥ 60 mL/min creatinine clearance")] == [
        ("creatinine", "upper"), ("gfr", "lower")]


def test_times_higher_than_normal():  # NCT03142542, NCT00004146
    assert read("Serum AST and ALT are three times higher than normal upper limit", "Exclusion") == [
        ("ast", "upper", 3.0, "xULN", None),
        ("alt", "upper", 3.0, "xULN", None),
    ]
    assert read("Transaminases =< 2 times above the upper limits of the institutional normal") == [
        ("ast", "upper", 2.0, "xULN", None),
        ("alt", "upper", 2.0, "xULN", None),
    ]


# --- 5. changes are not levels -----------------------------------------------------------------

def test_a_decrease_is_not_a_level():  # NCT05464836
    assert read("Patients with a cardiac ejection fraction (as measured by either MUGA or echocardiogram) < 50% "
                "or with a history of absolute decrease in LVEF of ≥ 15 absolute percentage points are excluded.",
                "Exclusion") == [("lvef", "lower", 50.0, "%", None)]


def test_depression_of_neutrophils_is_history_but_a_fall_to_a_level_is_a_level():  # NCT00000686
    assert read("Previous intolerance to daily doses of up to 1200 mg of zidovudine (AZT) demonstrated by a decrease "
                "in hemoglobin levels of 2 - 8.5 g/dl or AZT-related depression of neutrophils of 200 - 750 "
                "cells/mm3.", "Exclusion") == []
    assert read("a drop in hemoglobin of 2 g/dL", "Exclusion") == []
    assert read("AZT-related depression of neutrophils to < 500 cells/mm3", "Exclusion") == [
        ("anc", "lower", 0.5, "10^9/L", None)]


# --- 6. two comparators make a two-sided limit -------------------------------------------------

def test_two_sided_age():  # NCT00003659, NCT00460421
    assert read("Age ≥ 18 years and ≤ 75 years.") == [
        ("age", "lower", 18.0, "years", None), ("age", "upper", 75.0, "years", None)]
    assert read("Age ≥ 1 and ≤ 16 years at screening") == [
        ("age", "lower", 1.0, "years", None), ("age", "upper", 16.0, "years", None)]
    assert read("aged ≥18 to ≤75 years") == [
        ("age", "lower", 18.0, "years", None), ("age", "upper", 75.0, "years", None)]


def test_excluded_both_ends_leave_the_middle():
    assert read("BMI < 18 or > 40 kg/m2", "Exclusion") == [
        ("bmi", "lower", 18.0, "kg/m2", None), ("bmi", "upper", 40.0, "kg/m2", None)]


def test_an_age_restated_in_whole_years_is_one_limit():  # NCT05507827
    assert read("Age ≥ 18 and ≤ 65 years (i.e., from age 18 to < 66 years old) at the time of enrollment") == [
        ("age", "lower", 18.0, "years", None), ("age", "upper", 65.0, "years", None)]


# --- 7. headers behind bullets, numbers and subjects; donor sections --------------------------

def test_bulleted_and_numbered_headers():  # NCT05464836, NCT00636506
    for text in ("• Inclusion Criteria:\n• Age ≥ 18\n• Exclusion Criteria:\n• Platelets < 100,000/mm3\n",
                 "1. Inclusion Criteria\n  a. Age ≥ 18\n2. Exclusion Criteria\n  a. Platelets < 100,000/mm3\n"):
        assert [(i.section, i.text) for i in split_criteria(text)] == [
            ("inclusion", "Age ≥ 18"), ("exclusion", "Platelets < 100,000/mm3")]


def test_subject_headers_and_donor_sections():  # NCT05507827
    text = ("Patient Inclusion Criteria:\n\n* Age ≥ 18 and ≤ 65 years\n\nDonor Inclusion Criteria\n\n"
            "* Age ≥ 18 and ≤ 75 years at time of enrollment\n* Karnofsky performance status of ≥ 70%\n\n"
            "Patient Exclusion Criteria:\n\n* Hyperleukocytosis (≥ 50,000 blasts/μL)\n* LVEF < 45%\n")
    assert [i.section for i in split_criteria(text)] == ["inclusion"] * 3 + ["exclusion"] * 2
    assert [(t.measure, t.bound, t.value) for t in extract_text_thresholds(text)] == [
        ("age", "lower", 18.0), ("age", "upper", 65.0), ("lvef", "lower", 45.0)]


# --- 8. spellings ------------------------------------------------------------------------------

def test_crcl_in_a_run_on_item():  # NCT04646330
    found = read("Has adequate organ function as defined by:Absolute neutrophil count ≥ 1,500/µL;Platelets ≥ "
                 "100,000/µL;Hemoglobin ≥ 9 g/dL;Crcl ≥ 50ml/min creatinine clearance may be calculated using the "
                 "institutional/laboratory standard method.Serum total bilirubin ≤ 1.5 x ULN ;")
    assert ("gfr", "lower", 50.0, "mL/min", None) in found
    assert len(found) == 5


def test_a_share_of_the_lymphocytes_is_not_a_lymphocyte_limit():  # NCT00000762
    assert read("CD4 count >= 20 percent of the total lymphocytes") == []


# --- 9. lab limits: spellings of comparators, names and multiples of the ULN ------------------

def test_html_entity_comparators_do_not_end_the_sentence():
    assert read("Neutrophils &lt;1,000/μL or platelets &lt;= 75,000/μL", "Exclusion") == [
        ("anc", "lower", 1.0, "10^9/L", None), ("platelets", "lower", 75.0, "10^9/L", None)]
    assert read("Haemoglobin &gt;= 9 g/dL") == [("hemoglobin", "lower", 9.0, "g/dL", None)]


def test_spelled_comparator_restated_in_brackets():
    assert read("Hemoglobin greater than (>) 16 g/dL", "Exclusion") == [("hemoglobin", "upper", 16.0, "g/dL", None)]
    assert read("Creatinine clearance lesser than or equal to (≤) 40 mL/min", "Exclusion") == [
        ("gfr", "lower", 40.0, "mL/min", None)]


def test_singular_transaminase_and_glutamic_transaminase_names():
    assert read("Serum transaminase no more than 2 times ULN") == [
        ("ast", "upper", 2.0, "xULN", None), ("alt", "upper", 2.0, "xULN", None)]
    assert read("Glutamate pyruvate transaminase and glutamic oxaloacetic transaminase ≤ 2 x ULN") == [
        ("alt", "upper", 2.0, "xULN", None), ("ast", "upper", 2.0, "xULN", None)]


def test_tbl_is_total_bilirubin_and_a_creatinine_ratio_is_not_creatinine():
    assert read("TBL ≤ 2 mg/dL") == [("total_bilirubin", "upper", 2.0, "mg/dL", None)]
    assert read("Urine protein to creatinine ratio > 2", "Exclusion") == []


def test_a_limit_at_the_uln_without_a_number():
    assert read("Serum creatinine not above the upper limit of normal") == [("creatinine", "upper", 1.0, "xULN", None)]
    assert read("ALT > ULN", "Exclusion") == [("alt", "upper", 1.0, "xULN", None)]


def test_an_offset_from_the_uln_is_not_a_multiple():
    assert read("Prothrombin time > ULN + 3 seconds", "Exclusion") == []


def test_prothrombin_time_as_a_multiple_of_normal_is_the_inr():
    assert read("PT and activated partial thrombin time ≤ 1.5 × ULN") == [
        ("inr", "upper", 1.5, "xULN", None), ("aptt", "upper", 1.5, "xULN", None)]


def test_within_the_normal_range_is_at_most_the_uln():
    assert read("Bilirubin and creatinine within institutional normal limits") == [
        ("total_bilirubin", "upper", 1.0, "xULN", None), ("creatinine", "upper", 1.0, "xULN", None)]
    assert read("Prothrombin time and PTT outside the normal range", "Exclusion") == [
        ("inr", "upper", 1.0, "xULN", None), ("aptt", "upper", 1.0, "xULN", None)]
    # a count has no ×ULN limit; "within normal limits" under an exclusion is no requirement
    assert read("Hemoglobin within normal limits") == []
    assert read("AST within normal limits", "Exclusion") == []


def test_a_multiple_of_the_upper_limit_without_of_normal():
    assert read("Total bilirubin > 2 times the upper limit", "Exclusion") == [("total_bilirubin", "upper", 2.0, "xULN", None)]


def test_a_concentration_unit_that_cannot_fit_the_value_is_a_marked_slip():
    found = extract_text_thresholds("Inclusion Criteria:\n\n* Haemoglobin at least 10 mg/dL\n* Serum creatinine < 120 mmol/L\n")
    assert [(t.measure, t.unit, round(t.value, 2)) for t in found] == [("hemoglobin", "g/dL", 10.0), ("creatinine", "mg/dL", 1.36)]
    assert all("does not fit" in t.uncertain for t in found)


def test_creatinine_clearance_written_in_a_creatinine_unit_is_serum_creatinine():
    found = extract_text_thresholds("Inclusion Criteria:\n\n* Creatinine clearance ≤ 1.5 x ULN\n")
    assert [(t.measure, t.value, t.unit) for t in found] == [("creatinine", 1.5, "xULN")] and found[0].uncertain


def test_an_alternative_limit_that_is_acceptable_if_a_condition_holds():
    assert read("ALT ≤ 3 x ULN (≤ 5 x ULN is allowed if liver metastases are present)") == [
        ("alt", "upper", 3.0, "xULN", None), ("alt", "upper", 5.0, "xULN", "liver metastases")]


def test_a_negated_limit_in_an_inclusion_item():
    assert read("No SGPT greater than 2 times ULN") == [("alt", "upper", 2.0, "xULN", None)]
    assert read("No prior transfusion; haemoglobin ≥ 9 g/dL") == [("hemoglobin", "lower", 9.0, "g/dL", None)]


def test_a_limit_as_a_share_of_the_uln():
    assert read("Creatinine more than 30% above the ULN", "Exclusion") == [("creatinine", "upper", 1.3, "xULN", None)]
    assert read("Total bilirubin ≤ 150% of the upper limit of normal") == [("total_bilirubin", "upper", 1.5, "xULN", None)]
    [found] = extract_text_thresholds("Exclusion Criteria:\n\n* Serum lipase exceeds 50% of the upper limit of normal\n")
    assert (found.value, found.unit) == (1.5, "xULN") and "above" in found.uncertain
