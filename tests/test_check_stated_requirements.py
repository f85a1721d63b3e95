"""`trialtui check` tells a reviewer nothing false on real records: an age written in the criteria
that is not the patient's does not fail them where the registry gives the trial's ages, a limit the
criteria state and trialtui does not read leaves the trial unknown, and a condition the exclusion
criteria name is no match."""

from __future__ import annotations

import gzip
import json

import pytest

from trialtui.cli import main
from trialtui.eligibility.extract import extract_thresholds
from trialtui.ingest import load_paths
from trialtui.patient_check import PatientEntry, read_profile, trial_fit

TRIALS = ("NCT06672068", "NCT05861427", "NCT06485206", "NCT05488119", "NCT05639088", "NCT03319901",
          "NCT01672255", "NCT05932303", "NCT03606070", "NCT04811001", "NCT03009123", "NCT05838768")
NSCLC_MAN = {"age": 45, "sex": "male", "conditions": ["NSCLC"], "values": {"ecog": "1"}}
NSCLC_WOMAN = {"age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"], "healthy": False,
               "values": {"anc": "1.8 x10^9/L", "platelets": "150000/uL", "creatinine": "0.8 mg/dL", "ecog": "1",
                          "hemoglobin": "13 g/dL", "total_bilirubin": "0.6 mg/dL", "ast": "1 x ULN", "alt": "1 x ULN",
                          "lvef": "60%"}}
HEALTHY_WOMAN = {"age": 30, "sex": "female", "healthy": True, "values": {"weight": "60 kg", "hemoglobin": "13.5 g/dL"}}


@pytest.fixture(scope="module")
def studies(shared_data, tmp_path_factory):
    """The real API v2 records of `TRIALS`, as a JSON Lines file."""
    path = tmp_path_factory.mktemp("studies") / "studies.jsonl"
    with gzip.open(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz", "rt", encoding="utf-8") as lines:
        kept = [line for line in lines if json.loads(line)["protocolSection"]["identificationModule"]["nctId"] in TRIALS]
    path.write_text("".join(kept), encoding="utf-8")
    assert len(kept) == len(TRIALS)
    return path


def checked(tmp_path, capsys, studies, patient: dict, trial_id: str) -> dict:
    """`trialtui check --patient FILE --json` of one trial: its row."""
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(patient))
    assert main(["check", "--patient", str(path), "--json", "--data", str(studies), trial_id]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    return row


def age_reason(text: str) -> dict:
    return {"kind": "age", "measure": "age", "text": text}


def threshold_reason(measure: str, text: str) -> dict:
    return {"kind": "threshold", "measure": measure, "text": text}


@pytest.mark.parametrize(("patient", "trial_id", "verdict", "reasons"), [
    # "atrophic gastritis (onset age less than 60 years)"; the registry's ages are 18-80
    (NSCLC_MAN, "NCT06672068", "fits", []),
    # "Less than 50 years of age at the time of migraine onset"; registry 18-80
    ({"age": 60, "sex": "female", "conditions": ["migraine"]}, "NCT05861427", "fits", []),
    # "All patients 50 years and older ... will undergo a DEXA scan"; registry 22-69
    ({"age": 60, "sex": "male", "conditions": ["degenerative disc disease"]}, "NCT06485206", "unknown",
     [threshold_reason("bmi", "BMI not given; ≤ 35 kg/m2 required")]),
    # exclusion "T1D youth less than the age of 12 or older than 21"; registry minimum 12
    ({"age": 15, "sex": "female", "conditions": ["type 1 diabetes"]}, "NCT05488119", "fits", []),
    # "Age greater than 18 years" is a caregiver's; the patients are "16-22 years old"
    ({"age": 17, "sex": "female", "conditions": ["type 1 diabetes"]}, "NCT05639088", "fits", []),
    # "16-22 years old": the registry gives no maximum, the text's still counts
    ({"age": 25, "sex": "female", "conditions": ["type 1 diabetes"]}, "NCT05639088", "fails",
     [age_reason("age 25 years > 22 years maximum")]),
])
def test_an_age_in_the_criteria_that_is_not_the_patients_does_not_fail_them(tmp_path, capsys, studies, patient,
                                                                             trial_id, verdict, reasons):
    row = checked(tmp_path, capsys, studies, patient, trial_id)
    assert (row["verdict"], row["condition"], row["reasons"]) == (verdict, "matches", reasons)


def test_one_branch_of_an_or_is_not_an_age_limit(tmp_path, capsys, studies):
    # "Age ≥ 60 Years ... OR Patients with relapsed or refractory acute lymphoblastic leukemia"; registry 18+
    row = checked(tmp_path, capsys, studies, {"age": 45, "sex": "male", "conditions": ["acute lymphoblastic leukemia"]},
                  "NCT03319901")
    assert row["verdict"] == "unknown"
    assert [r for r in row["reasons"] if r["kind"] == "age"] == []


@pytest.mark.parametrize(("patient", "trial_id", "reasons"), [
    # "Body mass index < 40kg • m-2", for a patient who gives a BMI of 41
    ({**HEALTHY_WOMAN, "values": {"weight": "47 kg", "bmi": "41"}}, "NCT01672255",
     [threshold_reason("bmi", "BMI stated, not read")]),
    # "Body mass index (BMI) of 18.0 ... through 32.0 kg/m^2, inclusive", for one who gives none
    (HEALTHY_WOMAN, "NCT05932303", [threshold_reason("bmi", "BMI stated, not read")]),
    # "Severe Renal Insufficiency (Clearance MDRD Cockroft <30ml / min)"
    ({**NSCLC_MAN, "values": {"ecog": "1", "gfr": "25 mL/min"}}, "NCT03606070",
     [threshold_reason("gfr", "GFR stated, not read")]),
    # "Normal level of alkaline phosphatase, and creatinine", "bilirubin < grade 2"
    (NSCLC_WOMAN, "NCT04811001", [threshold_reason("total_bilirubin", "total bilirubin stated, not read"),
                                  threshold_reason("creatinine", "creatinine stated, not read")]),
])
def test_a_limit_the_criteria_state_and_trialtui_does_not_read_leaves_the_trial_unknown(tmp_path, capsys, studies,
                                                                                        patient, trial_id, reasons):
    row = checked(tmp_path, capsys, studies, patient, trial_id)
    assert row["verdict"] == "unknown"
    assert row["reasons"] == reasons


def test_the_summary_names_the_limit_not_read(studies):
    trial = next(t for t in load_paths([studies]).trials if t.trial_id == "NCT01672255")
    profile, _ = read_profile(PatientEntry.from_patient_file({**HEALTHY_WOMAN, "values": {"bmi": "41"}})[0])
    assert trial_fit(profile, trial, extract_thresholds(trial)).summary() == "unknown: BMI stated, not read"


def test_a_condition_the_exclusion_criteria_name_is_no_match(tmp_path, capsys, studies):
    # men "with no pre-existing prostate cancer"; exclusion "pre-existing prostate cancer"; keyword "prostate cancer"
    row = checked(tmp_path, capsys, studies, {"age": 62, "sex": "male", "conditions": ["prostate cancer"]}, "NCT03009123")
    assert row == {"trial_id": "NCT03009123", "verdict": "fails", "condition": "differs",
                   "reasons": [{"kind": "condition", "text": "trial excludes prostate cancer"}]}


def test_a_heading_the_condition_gives_examples_of_takes_every_kind_under_it(tmp_path, capsys, studies):
    # "MSIhi or dMMR Advanced Unresectable or Metastatic Solid Tumors, Including Colorectal Cancers"
    row = checked(tmp_path, capsys, studies, {"age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"]},
                  "NCT05838768")
    assert row["condition"] == "matches"
    assert [r for r in row["reasons"] if r["kind"] == "condition"] == []


@pytest.mark.parametrize("sex, weight, verdict, reasons", [
    ("female", "44 kg", "fails", ["weight 44 kg < 45 required (if female)", "BMI stated, not read"]),
    ("female", "47 kg", "unknown", ["BMI stated, not read"]),
    ("male", "47 kg", "fails", ["weight 47 kg < 50 required (if male)", "BMI stated, not read"]),
    ("", "47 kg", "unknown", ["sex not given; weight ≥ 50 kg required if male",
                             "sex not given; weight ≥ 45 kg required if female", "BMI stated, not read"]),
])
def test_a_limit_for_one_sex_is_weighed_for_that_sex_and_unknown_until_the_sex_is_given(
        tmp_path, capsys, studies, sex, weight, verdict, reasons):
    # "Body weight ≥ 50 kg for males and ≥ 45 kg for females"
    patient = {**HEALTHY_WOMAN, "sex": sex, "values": {"weight": weight}}
    row = checked(tmp_path, capsys, studies, {key: value for key, value in patient.items() if value}, "NCT05932303")
    assert (row["verdict"], [reason["text"] for reason in row["reasons"]]) == (verdict, reasons)
