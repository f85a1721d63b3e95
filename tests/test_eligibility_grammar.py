"""Grammar patterns that real criteria use and a first version missed, each with its real sentence
(NCT IDs from ../shared/data): age brackets as conditions, conditional clauses and sub-headers that
name no measure, values written before the names, changes that are not levels, two-sided limits,
bulleted and subject-prefixed headers, donor sections."""

import pytest

from trialtui.eligibility.criteria import split_criteria
from trialtui.eligibility.extract import extract_text_thresholds, extract_thresholds
from trialtui.models import Eligibility, Trial


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


# --- 9. ages that do not bound the participant (sentences written for these tests) ----------------

def ages(text):
    return [(t.bound, t.value, t.condition) for t in extract_text_thresholds(text) if t.measure == "age"]


def test_ages_in_a_menopause_definition_are_not_age_limits():
    text = ("Inclusion Criteria:\n\n* Adults aged 18 years or older\n* Women must be postmenopausal, defined as "
            "no menses for 12 months after age 55, or surgically sterile\n* Women younger than 55 years old "
            "count as postmenopausal only with FSH in the postmenopausal range\n")
    assert ages(text) == [("lower", 18.0, None)]


def test_ages_of_relatives_and_partners_are_not_age_limits():
    text = ("Exclusion Criteria:\n\n* Family history of unexplained cardiac arrest under 35 years of age\n"
            "* Sudden death before 45 years of age in a first-degree relative\n"
            "* Participant whose partner is younger than 16 years of age\n* Patients under 21 years of age\n")
    assert ages(text) == [("lower", 21.0, None)]


def test_a_time_span_is_not_an_age():
    text = ("Inclusion Criteria:\n\n* Remission lasting 2 years or more before relapse\n"
            "* An interval of 6 months or more between the two surgeries\n* Participants 40 years or older\n")
    assert ages(text) == [("lower", 40.0, None)]


def test_an_age_written_in_capitals_is_read_as_in_lower_case():
    assert ages("Inclusion Criteria:\n\n* Men 18 YEARS OF AGE OR OLDER\n") == [("lower", 18.0, None)]
    assert ages("Inclusion Criteria:\n\n* ADULTS 18 YEARS AND OLDER\n") == [("lower", 18.0, None)]
    assert ages("Inclusion Criteria:\n\n* PATIENTS 65 YEARS OR YOUNGER\n") == [("upper", 65.0, None)]


def test_an_inclusion_naming_the_exclusion_criteria_is_not_itself_an_exclusion():
    """NCT05285280: "if none of the exclusion criteria below are present" read the age as excluded,
    men above 40 as men up to 40."""
    text = ("Inclusion Criteria:\n\n* Men above 40 years old diagnosed with ED will be eligible to participate if "
            "none of the exclusion criteria below are present.\n\nExclusion Criteria:\n\n* Previous pelvic surgery\n")
    assert ages(text) == [("lower", 40.0, None)]
    inline = ("Inclusion Criteria: Adults with ECOG 0-1 at screening Exclusion Criteria:- Platelets < 100,000/mm3\n")
    assert [(t.measure, t.bound) for t in extract_text_thresholds(inline)] == [("ecog", "upper"), ("platelets", "lower")]


@pytest.mark.parametrize(("written", "value"), [("one and a half times", 1.5), ("two and a half times", 2.5),
                                               ("two and one-half times", 2.5), ("one and one half times", 1.5),
                                               ("two times", 2.0)])
def test_a_multiple_of_the_uln_written_in_words_keeps_its_half(written, value):
    """NCT02239484: "exceeds one and a half times the upper limit of normal" was read as 1 × ULN."""
    (ast,) = extract_text_thresholds(f"Inclusion Criteria:\n* AST less than {written} the upper limit of normal\n")
    assert (ast.measure, ast.bound, ast.value, ast.unit) == ("ast", "upper", value, "xULN")


def test_an_age_that_narrows_an_exclusion_to_a_subgroup_is_no_age_limit():
    text = ("Exclusion Criteria:\n\n* Patients aged 75 or older who cannot tolerate the full starting dose\n"
            "* Age over 85 years\n")
    assert ages(text) == [("upper", 85.0, None)]


def test_age_as_the_object_of_a_condition_word_or_a_bracket_without_numbers():
    assert ages("Inclusion Criteria:\n\n* For age > 70 years: a geriatric assessment score of at least 6\n") == []
    assert read("Karnofsky or Lansky score (whichever suits the child's age) of 60 or more") == [
        ("karnofsky", "lower", 60.0, "score", None), ("lansky", "lower", 60.0, "score", None)]


def test_of_age_ends_an_age_phrase_and_starts_no_other():
    assert read("Women, 30-60 years of age, with stable symptoms for at least 3 months") == [
        ("age", "lower", 30.0, "years", None), ("age", "upper", 60.0, "years", None)]


def test_cohort_ages_that_cannot_hold_together_give_their_envelope():
    text = ("Inclusion Criteria:\n\n* Cohort 1: patients at least 65 years old, untreated\n"
            "* Cohort 2: patients 20-64 years old after one prior line\n")
    assert ages(text) == [("lower", 20.0, None)]
    text = ("Inclusion Criteria:\n\n* Participants under 10 years old must weigh at least 12 kg\n"
            "* Participants over 10 years old must weigh at least 25 kg\n")
    assert ages(text) == []


def test_capitalised_year_unit():
    assert read("Age ≥ 21 Years") == [("age", "lower", 21.0, "years", None)]


def test_limits_in_an_any_of_list_with_non_numeric_choices_bound_no_one():
    text = ("Inclusion Criteria:\n\n- Adults 50 years or older\n- One or more of the following conditions:\n"
            "  - Chronic kidney disease\n  - Age of 80 years or older\n  - Ejection fraction of 40% or less\n"
            "- Platelets ≥ 100,000/µL\n")
    assert [(t.measure, t.bound, t.value) for t in extract_text_thresholds(text)] == [
        ("age", "lower", 50.0), ("platelets", "lower", 100.0)]


def test_ages_listed_under_a_cohort_header_are_brackets():
    text = ("Inclusion Criteria:\n\n1. Age groups:\n   - Toddlers (1 to 3 years old)\n"
            "   - School children (6 to 11 years old)\n2. Weight at least 8 kg\n")
    assert [(t.measure, t.bound, t.value) for t in extract_text_thresholds(text)] == [("weight", "lower", 8.0)]


def test_menstruation_and_post_conception_ages_define_no_age_limit():
    assert ages("Inclusion Criteria:\n\n* Infants with a post-conception age of 36 weeks or more\n") == []
    assert ages("Inclusion Criteria:\n\n* Sterile: no menstruation for 1 year at the age >52 years\n") == []


def test_cases_that_call_for_a_test_are_no_limits():
    text = ("Inclusion Criteria:\n\n- Echocardiogram required for the following:\n  - Older than 60 years of age\n"
            "  - Prior anthracyclines\n- Age 18 years or older\n")
    assert ages(text) == [("lower", 18.0, None)]


def test_age_at_diagnosis_is_a_conditioned_limit_and_a_registry_restatement_is_reported_once():
    text = ("Inclusion Criteria:\n\n1. Patients 2 to 15 years of age at the time of initial diagnosis and under "
            "25 years at enrolment\n")
    assert ages(text) == [("lower", 2.0, "age at diagnosis"), ("upper", 15.0, "age at diagnosis")]
    trial = Trial(trial_id="X", eligibility=Eligibility(
        criteria="Inclusion Criteria:\n\n* Aged 21 years or older at diagnosis\n", minimum_age="21 Years"))
    assert [(t.bound, t.value, t.section) for t in extract_thresholds(trial)] == [("lower", 21.0, "structured")]


def test_an_item_that_is_only_a_range_of_years_is_the_age():
    assert ages("Inclusion Criteria:\n\n* 30 years to 70 years (inclusive)\n* Stable angina\n") == [
        ("lower", 30.0, None), ("upper", 70.0, None)]
    assert ages("Inclusion Criteria:\n\n* Diabetes for 2 to 10 years\n") == []


# --- 10. spellings of the non-lab measures ---------------------------------------------------------

def test_life_expectancy_spellings_and_a_duration_written_first():
    assert read("The expected time of survival is above 6 months") == [
        ("life_expectancy", "lower", 182.625, "days", None)]
    assert read("Expecting life span of more than 12 weeks") == [("life_expectancy", "lower", 84.0, "days", None)]
    assert read("Less than 8 weeks of life expectancy", "Exclusion") == [
        ("life_expectancy", "lower", 56.0, "days", None)]


def test_hyphenated_pulse_oximetry_and_an_ordinal_is_no_value():
    assert read("Pulse-oximetry of at least 90% on room air") == [("spo2", "lower", 90.0, "%", None)]
    assert read("Body weight above the 5th percentile for age") == []


def test_a_limit_that_only_spares_patients_from_an_exclusion_is_no_requirement():
    text = ("Exclusion Criteria:\n\n* Prior malignancy unless treated with curative intent and life expectancy "
            "over 5 years\n* AST > 3 × ULN unless due to liver metastases, then > 5 × ULN\n")
    assert [(t.measure, t.value, t.condition) for t in extract_text_thresholds(text)] == [
        ("ast", 3.0, None), ("ast", 5.0, "liver metastases")]


def test_an_age_beside_menopause_or_childbearing_words_without_a_definition_is_an_age_limit():
    assert ages("Inclusion Criteria:\n\n* Women (of non-childbearing potential) aged ≥ 45 years\n") == [
        ("lower", 45.0, None)]
    assert ages("Inclusion Criteria:\n\n* Aged 45-60 years and postmenopausal\n") == [
        ("lower", 45.0, None), ("upper", 60.0, None)]


def test_a_deeper_item_ends_a_list_of_choices():
    text = ("Inclusion Criteria:\n\n- Relapsed disease, defined as one of the following:\n  - Marrow relapse\n"
            "  - CNS relapse\n    - Age 16 years or older\n    - Hemoglobin ≥ 8 g/dL\n")
    assert [(t.measure, t.value) for t in extract_text_thresholds(text)] == [("age", 16.0), ("hemoglobin", 8.0)]


def test_an_inclusion_age_and_a_clashing_exclusion_age_are_not_cohorts():
    text = ("Inclusion Criteria:\n\n* Adolescents aged 13-19 years\n\nExclusion Criteria:\n\n"
            "* Age 13 or older\n")  # a contradiction or a misreading, not a choice of cohorts
    assert ("lower", 13.0, None) in ages(text) and ("upper", 19.0, None) in ages(text)


def test_a_topic_label_ends_a_list_of_choices():
    text = ("Inclusion Criteria:\n\n- Adequate cardiac function, defined by one of the following:\n"
            "  - Ejection fraction at least 50%\n  - No history of heart failure\n  - Renal: creatinine at most 1.5 mg/dL\n")
    assert [(t.measure, t.value) for t in extract_text_thresholds(text)] == [("creatinine", 1.5)]


def test_an_opening_condition_word_makes_age_a_path():
    assert ages("Inclusion Criteria:\n\n* If age is over 65 years: a normal geriatric assessment\n") == []


# --- 11. lab limits: spellings of comparators, names and multiples of the ULN ------------------

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
    assert [(t.measure, t.unit, round(t.value, 2)) for t in found] == [
        ("hemoglobin", "g/dL", 10.0), ("creatinine", "mg/dL", 1.36)]
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


# --- 12. limits a reviewer was misled by: other scores, conditions, alternatives, subgroups ------

def test_the_iief_erectile_function_domain_is_no_ejection_fraction():  # NCT00468650, NCT02344849, NCT00090376
    assert read("Documented Clinical diagnosis of Erectile Dysfunction (ED) by International Index of Erectile "
                "Function (IIEF) Erectile Function (EF) Domain score less than or equal to 25.") == []
    assert read("IIEF, EF(erectile function) domain score is under 17") == []
    assert read("EF is defined as a score of >=26 on the EF domain of the IIEF questionnaire") == []
    assert read("EF ≥ 50% by echocardiography") == [("lvef", "lower", 50.0, "%", None)]


def test_if_no_liver_metastases_is_the_limit_for_patients_without_them():  # NCT02856893
    assert read("Aspartate aminotransferase (AST) ≤2.5xULN if no demonstrable liver metastases or ≤5xULN in the "
                "presence of liver metastases;") == [
        ("ast", "upper", 2.5, "xULN", None), ("ast", "upper", 5.0, "xULN", "liver metastases")]
    assert read("Total bilirubin ≤1.5xULN if no liver metastases or ≤3xULN in the presence of documented Gilbert's "
                "Syndrome (unconjugated hyperbilirubinaemia) or liver metastases;") == [
        ("total_bilirubin", "upper", 1.5, "xULN", None), ("total_bilirubin", "upper", 3.0, "xULN", "Gilbert syndrome")]
    assert read("Liver: If there is no clear liver metastasis, serum total bilirubin ≤1.5 ULN, aspartate "  # NCT04946890
                "aminotransferase (AST) and alanine aminotransferase (ALT) ≤2.5 ULN; if there is clear Gilbert syndrome "
                "(Unconjugated hyperbilirubinemia), total bilirubin ≤ 3.0 ULN;") == [
        ("total_bilirubin", "upper", 1.5, "xULN", None), ("ast", "upper", 2.5, "xULN", None),
        ("alt", "upper", 2.5, "xULN", None), ("total_bilirubin", "upper", 3.0, "xULN", "Gilbert syndrome")]


def test_a_condition_before_a_comma_governs_the_limit_after_it():  # NCT04007835, NCT04204473
    assert read("alanine aminotransferase (ALT) and aspartate aminotransferase (AST)≤2.5 ULN, if liver metastasis "
                "occurred, ALT and AST ≤5 ULN;") == [
        ("alt", "upper", 2.5, "xULN", None), ("ast", "upper", 2.5, "xULN", None),
        ("alt", "upper", 5.0, "xULN", "liver metastases"), ("ast", "upper", 5.0, "xULN", "liver metastases")]
    assert read("Serum total bilirubin ≤ 1.5× ULN（for Patients with Gilbert Syndrome, total bilirubin ≤ 3×ULN and "
                "bilirubin ≤ 1.5×ULN should be permitted）") == [
        ("total_bilirubin", "upper", 1.5, "xULN", None), ("total_bilirubin", "upper", 3.0, "xULN", "Gilbert syndrome")]
    # NCT03955198
    assert read("Total bilirubin ≤ 1.5 x ULN (except patient with confirmed Gilbert's syndrome or liver metastasis: "
                "Total bilirubin ≤ 3 X ULN), Transaminases ≤ 2.5 x ULN") == [
        ("total_bilirubin", "upper", 1.5, "xULN", None), ("total_bilirubin", "upper", 3.0, "xULN", "Gilbert syndrome"),
        ("ast", "upper", 2.5, "xULN", None), ("alt", "upper", 2.5, "xULN", None)]


def test_a_condition_belongs_to_the_nearest_limit_in_its_own_clause():  # NCT06332300, NCT00492141
    assert read("Alkaline phosphatase (ALP) ≤ 2.5 x ULN, and in subjects with bone metastases, ALP ≤ 5 x ULN (6) "
                "Doppler ultrasound evaluation: left ventricular ejection fraction (LVEF) ≥ 50%") == [
        ("lvef", "lower", 50.0, "%", None)]
    assert read("For patients with documented bone marrow involvement, the following counts are acceptable for "
                "enrollment: absolute peripheral granulocyte count of > 1000 cells/mm^3 , platelet count > 75,000 "
                "platelets/mm^3.") == [
        ("anc", "lower", 1.0, "10^9/L", "bone marrow involvement"),
        ("platelets", "lower", 75.0, "10^9/L", "bone marrow involvement")]


def test_a_condition_that_ends_a_sentence_of_limits_joined_by_and_governs_each():  # NCT05821933
    assert read("ALT and AST ≤2.5 × ULN and serum total bilirubin ≤1.5 times the ULN if there is no liver "
                "metastasis; ALT and AST ≤5 × ULN and serum total bilirubin ≤2 times the ULN if there is liver "
                "metastasis.") == [
        ("alt", "upper", 2.5, "xULN", None), ("ast", "upper", 2.5, "xULN", None),
        ("total_bilirubin", "upper", 1.5, "xULN", None),
        ("alt", "upper", 5.0, "xULN", "liver metastases"), ("ast", "upper", 5.0, "xULN", "liver metastases"),
        ("total_bilirubin", "upper", 2.0, "xULN", "liver metastases")]


def test_a_history_named_before_a_limit_is_its_condition():  # NCT05714891, NCT00004124
    assert read("Patients with a significant cardiac history, even if controlled, should have LVEF ≥ 50%") == [
        ("lvef", "lower", 50.0, "%", "significant cardiac history")]
    assert read("If history of cardiac disease, LVEF at least 50% by MUGA scan or 2-D echocardiogram") == [
        ("lvef", "lower", 50.0, "%", "history of cardiac disease")]


def test_limits_for_each_sex():  # NCT05932303, NCT00004917
    assert read("Body weight ≥ 50 kg for males and ≥ 45 kg for females.") == [
        ("weight", "lower", 50.0, "kg", "male"), ("weight", "lower", 45.0, "kg", "female")]
    assert read("Anemia, defined as hemoglobin no greater than 13.5 g/dL for males and no greater than 12.5 g/dL for "
                "females (transfusion prior to study allowed)") == [
        ("hemoglobin", "upper", 13.5, "g/dL", "male"), ("hemoglobin", "upper", 12.5, "g/dL", "female")]
    assert read("anemia defined by hemoglobin concentration < 10.0 g/dL for male or female", "Exclusion") == [
        ("hemoglobin", "lower", 10.0, "g/dL", None)]


def test_a_weight_over_the_ideal_body_weight_is_no_weight_limit():  # NCT01534065, NCT05105490
    assert read("Subject is morbidly obese (defined as a body mass index >40, or weighs more than 100 lbs over ideal "
                "body weight).", "Exclusion") == [("bmi", "upper", 40.0, "kg/m2", None)]
    assert read("Patient has morbid obesity defined as a Body Mass Index (BMI) more than 40 or a weight of more than "
                "45 kg (100 lbs.) over ideal body weight.", "Exclusion") == [("bmi", "upper", 40.0, "kg/m2", None)]


def test_a_range_written_after_within_and_a_second_comparator_after_and():  # NCT00090376, NCT05887817
    assert read("Body Mass Index (BMI) within the 18-34.9 kg/m2 range.") == [
        ("bmi", "lower", 18.0, "kg/m2", None), ("bmi", "upper", 34.9, "kg/m2", None)]
    assert read("Patients with chronic kidney disease who meet both of the following criteria; i) eGFR greater than "
                "25 mL/min/1.73 m2 and less than 90 mL/min/1.73 m2, ii) UACR greater than 30 mg/g.cr.") == [
        ("gfr", "lower", 25.0, "mL/min", None), ("gfr", "upper", 90.0, "mL/min", None)]
    assert read("Age greater than or equal to 6 and less than 13 years") == [  # NCT00005669
        ("age", "lower", 6.0, "years", None), ("age", "upper", 13.0, "years", None)]


def test_a_subgroup_in_brackets_within_the_allowed_range_is_no_requirement():  # NCT07247227, NCT00002733
    assert read("ECOG PS score 0-3 (patients with PS score 2-3 would be enrolled if due to the tumor disease and "
                "anticipated to be improved at investigators' decision).") == [("ecog", "upper", 3.0, "score", None)]
    assert read("Performance status: ECOG 0-3 (ECOG 0 or 1 preferred)") == [("ecog", "upper", 3.0, "score", None)]
    # NCT00002556
    assert read("Creatinine =< 5.0 mg/dL (NOTE: Patients with creatinine 2.0-5.0 mg/dL may be admitted to this study "
                "but must receive altered doses and schedules of therapy)") == [("creatinine", "upper", 5.0, "mg/dL", None)]


def test_a_value_that_opens_a_sentence_with_if_is_the_condition_of_what_follows():  # NCT01852578, NCT06332300
    assert read("renal (serum creatinine < 1.5 x ULN). If creatinine 1.0 - 1.5 x ULN, creatinine clearance will be "
                "calculated according to CKD-EPI formula and patients with creatinine clearance <60 mL/min should be "
                "excluded) function tests") == [
        ("creatinine", "upper", 1.5, "xULN", None), ("gfr", "lower", 60.0, "mL/min", "creatinine 1.0 - 1.5 x ULN")]
    assert read("amylase ≤1.5×ULN; if amylase >1.5×ULN, the patient can be enrolled if there is no clinical or imaging "
                "evidence of pancreatitis") == [("amylase", "upper", 1.5, "xULN", None)]
    # NCT00001399
    assert read("SGOT, SGPT and alkaline phosphatase less than or equal to 5 times the ULN (if transaminases greater "
                "than the upper limit of normal (ULN), patients should have a hepatitis B surface antigen test)") == [
        ("ast", "upper", 5.0, "xULN", None), ("alt", "upper", 5.0, "xULN", None)]


def test_an_alternative_that_opens_with_or_and_contradicts_the_limit_before_it():  # NCT04946890
    assert read("Blood routine: Under normal circumstances, the white blood cell count (WBC) ≤20×109/L; or the "
                "patient's white blood cell count (WBC)>20×109/L before using hydroxyurea or cytarabine, use for a "
                "period of time and stop the drug After 3 days, check the white blood cell count (WBC) ≤20×109/L;") == [
        ("wbc", "upper", 20.0, "10^9/L", None)]


def test_the_features_that_define_a_disease_phase_are_no_requirements():  # NCT03895671
    found = extract_text_thresholds(
        "Inclusion Criteria:\n\n1. Diagnosis of CML in accelerated phase:\n\n"
        "   * AP-CML is defined by the presence of any of the following features:\n\n"
        "     * 15-29% blasts in peripheral blood (PB) or bone marrow (BM)\n"
        "     * <100 x10(9)/L platelets unrelated to therapy, or by clonal cytogenetics evolution\n"
        "2. Have adequate hepatic function as defined by the following criteria:\n\n"
        "   1. Total serum bilirubin ≤ 1.5 × ULN\n")
    assert [(t.measure, t.bound, t.value) for t in found] == [("total_bilirubin", "upper", 1.5)]


def test_values_outside_the_listed_ranges_exclude_under_the_inclusion_heading():  # NCT06105931
    found = extract_text_thresholds(
        "Inclusion Criteria:\n\n* HbA1c ≤10%\n"
        "* Any known laboratory safety parameter consistently outside the below extended laboratory ranges in the "
        "past year:\n\n  1. Baseline creatinine >1.0mg\n  2. Hypertriglyceridemia (>400 mg/dl)\n"
        "  3. ALT ≥3.5 times the upper normal limit (UNL)\n\nExclusion Criteria:\n\n* Insulin dose <0.5 units/kg/day\n")
    assert [(t.measure, t.bound, t.inclusive, t.value, t.unit, t.section) for t in found] == [
        ("creatinine", "upper", True, 1.0, "mg/dL", "exclusion"), ("alt", "upper", False, 3.5, "xULN", "exclusion")]


def test_a_cd4_count_is_no_lymphocyte_count():  # NCT00002298, NCT00000815
    assert read("OKT4+ lymphocyte count greater than 300 cells/mm3 and less than 600 cells/mm3.") == []
    assert read("CD4+ lymphocyte count >= 750 cells/mm3 within 30 days prior to study entry.") == []
    assert read("Absolute lymphocyte count ≥ 500/mm3") == [("alc", "lower", 0.5, "10^9/L", None)]
    # NCT00000924
    assert read("Have a CD4 cell count of at least 750 (under 12 months of age), at least 500 (1 to 5 years of age), "
                "or at least 200 (6 years of age or older) cells/mm3 within the past 4 months.") == []
