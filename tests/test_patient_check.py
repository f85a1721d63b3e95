"""The patient check on real records: conditions, sex and healthy volunteers weigh like thresholds,
and `trialtui check` gives the verdicts and reasons the TUI gives."""

from __future__ import annotations

import json
import tarfile

import pytest

from trialtui.cli import main
from trialtui.eligibility.conditions import read_conditions
from trialtui.eligibility.extract import extract_thresholds
from trialtui.patient_check import PatientEntry, read_profile, trial_fit

NSCLC_WOMAN = {"age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"], "healthy": False,
               "values": {"anc": "1.8 x10^9/L", "platelets": "150000/uL", "creatinine": "90 umol/L", "ecog": "1",
                          "hemoglobin": "13 g/dL", "total_bilirubin": "0.6 mg/dL", "ast": "25 U/L", "alt": "25 U/L",
                          "gfr": "80 mL/min"}}
BREAST_WOMAN = {"age": 50, "sex": "female", "conditions": ["breast cancer"], "healthy": False}
HEALTHY_MAN = {"age": 30, "sex": "male", "healthy": True}

LEAD_STUDY = "NCT00000104"  # lead burden in pregnant mothers and their infants: female, accepts healthy volunteers
NSCLC = "NCT05826366"  # condition "Carcinoma, Non-Small-Cell Lung", no healthy volunteers
NSCLC_ABBREVIATED = "NCT06576635"  # condition "NSCLC"
BREAST = "NCT02663973"  # "Breast Cancer", women only
HEALTHY_ONLY = "NCT00710099"  # condition "Healthy"


@pytest.fixture(scope="module")
def lead_study_dir(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    with tarfile.open(shared_data / "ctgov-legacy-xml-subset.tar.gz") as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(f"{LEAD_STUDY}.xml"))
        member.name = f"{LEAD_STUDY}.xml"
        archive.extract(member, folder, filter="data")
    return folder


@pytest.fixture(scope="module")
def trials(api_trials, lead_study_dir):
    from trialtui.ingest import load_paths

    found = {t.trial_id: t for t in api_trials if t.trial_id in (NSCLC, NSCLC_ABBREVIATED, BREAST, HEALTHY_ONLY)}
    found[LEAD_STUDY] = load_paths([lead_study_dir]).trials[0]
    return found


def verdict(patient: dict, trial):
    entry, problems = PatientEntry.from_patient_file(patient)
    profile, unread = read_profile(entry)
    assert problems == unread == []
    return trial_fit(profile, trial, extract_thresholds(trial))


def reasons(fit) -> list[str]:
    return [r.text for r in fit.reasons]


def test_records_keep_their_mesh_terms(trials):
    assert trials[NSCLC].condition_mesh.terms == ["Carcinoma, Non-Small-Cell Lung"]
    assert "Lung Neoplasms" in trials[NSCLC].condition_mesh.ancestors
    assert "Lead Poisoning" in trials[LEAD_STUDY].condition_mesh.terms  # legacy XML's condition_browse


def test_the_nsclc_patient_fits_nsclc_trials_not_the_lead_poisoning_study(trials):
    fit = verdict(NSCLC_WOMAN, trials[NSCLC])
    assert (fit.overall, fit.condition, fit.reasons) == ("fits", "matches", [])
    fit = verdict(NSCLC_WOMAN, trials[NSCLC_ABBREVIATED])
    assert (fit.overall, fit.condition) == ("unknown", "matches")
    assert reasons(fit) == ["life expectancy not given; ≥ 12 weeks required"]

    fit = verdict(NSCLC_WOMAN, trials[LEAD_STUDY])
    assert (fit.overall, fit.condition) == ("fails", "differs")
    assert fit.to_json(LEAD_STUDY)["reasons"] == [
        {"kind": "condition", "text": "trial studies Lead Poisoning, not non-small cell lung cancer"}]
    fit = verdict(NSCLC_WOMAN, trials[BREAST])
    assert reasons(fit) == ["trial studies Breast Cancer, not non-small cell lung cancer"]
    fit = verdict(NSCLC_WOMAN, trials[HEALTHY_ONLY])
    assert reasons(fit) == ["trial studies healthy volunteers, not non-small cell lung cancer"]


def test_a_breast_cancer_patient_matches_breast_trials_only(trials):
    fit = verdict(BREAST_WOMAN, trials[BREAST])
    assert (fit.overall, fit.condition) == ("fits", "matches")
    fit = verdict(BREAST_WOMAN, trials[NSCLC])
    assert (fit.overall, fit.condition) == ("fails", "differs")
    assert reasons(fit)[0] == "trial studies Carcinoma, Non-Small-Cell Lung, not breast cancer"
    assert verdict({**BREAST_WOMAN, "sex": "male"}, trials[BREAST]).to_json(BREAST)["reasons"] == [
        {"kind": "sex", "text": "trial enrols women only"}]


def test_a_healthy_volunteer_fails_trials_that_do_not_take_them(trials):
    fit = verdict(HEALTHY_MAN, trials[HEALTHY_ONLY])
    assert (fit.overall, fit.condition) == ("fits", "unknown")
    fit = verdict(HEALTHY_MAN, trials[NSCLC])
    assert fit.overall == "fails"
    assert fit.to_json(NSCLC)["reasons"][0] == {"kind": "healthy_volunteers",
                                                "text": "trial does not accept healthy volunteers"}
    assert reasons(verdict(HEALTHY_MAN, trials[LEAD_STUDY])) == ["trial enrols women only"]
    # a patient with a condition is not excluded because a trial also takes healthy volunteers
    assert verdict({"age": 62, "sex": "female", "conditions": ["lead poisoning"]}, trials[LEAD_STUDY]).overall == "fits"


@pytest.mark.parametrize("typed", ["NSCLC", "Carcinoma, Non-Small-Cell Lung", "lung neoplasms", "non small cell lung carcinoma",
                                   "non-small cell lung cancr", "advanced solid tumours"])
def test_conditions_read_as_a_clinician_reads_them(trials, typed):
    """Synonyms, MeSH headings, broader terms and typos of the trial's condition all match it."""
    patient = read_conditions([typed])
    assert patient[0].concepts, typed
    fit = verdict({"conditions": [typed]}, trials[NSCLC])
    assert fit.condition in ("matches", "unknown") and fit.condition != "differs"


@pytest.mark.parametrize(("trial_id", "studied"), [
    ("NCT05883644", "Advanced Hepatocellular Carcinoma"),  # MeSH also files it under "Carcinoma"
    ("NCT05827016", "Multiple Myeloma"),  # and this under "Neoplasms, Plasma Cell"
    ("NCT05850520", "Macular Edema Secondary to Retinal Vein Occlusion"),  # and this under "Neoplasm Metastasis"
])
def test_a_broad_mesh_heading_filed_beside_a_named_condition_does_not_make_every_cancer_studied(api_trials, trial_id,
                                                                                                 studied):
    trial = next(t for t in api_trials if t.trial_id == trial_id)
    fit = verdict({"conditions": ["non-small cell lung cancer"]}, trial)
    assert (fit.overall, fit.condition) == ("fails", "differs")
    assert reasons(fit)[0] == f"trial studies {studied}, not non-small cell lung cancer"


def test_a_heading_the_trial_names_itself_still_takes_every_cancer_under_it():
    from trialtui.eligibility.conditions import match_conditions

    nsclc = read_conditions(["NSCLC"])
    listed = match_conditions(nsclc, ["Lung Cancer", "Breast Cancer"], [], ["Neoplasms", "Lung Neoplasms"], [])
    assert listed.outcome == "matches"
    beside = match_conditions(nsclc, ["Cancer", "Breast Cancer"], [], [], [])
    assert (beside.outcome, beside.text) == ("unknown", "trial names cancer but lists breast cancer: check that "
                                                        "NSCLC is enrolled")
    spread = match_conditions(nsclc, ["Metastatic Lung Cancer"], [], ["Neoplasm Metastasis"], [])
    assert spread.outcome == "matches"


def test_check_command_prints_the_contract_json(trials, lead_study_dir, shared_data, tmp_path, capsys):
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(NSCLC_WOMAN))
    status = main(["check", "--patient", str(patient), "--json", "--data", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"),
                   "--data", str(lead_study_dir), NSCLC, LEAD_STUDY])
    assert status == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"trial_id": NSCLC, "verdict": "fits", "condition": "matches", "reasons": []},
        {"trial_id": LEAD_STUDY, "verdict": "fails", "condition": "differs",
         "reasons": [{"kind": "condition", "text": "trial studies Lead Poisoning, not non-small cell lung cancer"}]},
    ]


@pytest.mark.parametrize(("age", "said"), [("20 days", "age 20 days < 1 month required"),
                                           ("1 day", "age 1 day < 1 month required")])
def test_an_infant_too_young_is_told_in_days_not_as_one_month(api_trials, age, said):
    trial = next(t for t in api_trials if t.trial_id == "NCT01949129")  # minimum age 1 Month
    fit = verdict({"age": age}, trial)
    assert fit.overall == "fails" and reasons(fit)[0] == said


def test_an_age_under_two_years_is_told_in_months(api_trials):
    trial = next(t for t in api_trials if t.trial_id == "NCT05942599")  # minimum age 6 Months
    assert reasons(verdict({"age": "1.5 months"}, trial))[0] == "age 1.5 months < 6 months required"


def test_check_command_names_an_unreadable_value_and_goes_on(lead_study_dir, tmp_path, capsys):
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"age": 62, "healthy": "maybe", "values": {"anc": "lots"}}))
    status = main(["check", "--patient", str(patient), "--data", str(lead_study_dir)])
    out, err = capsys.readouterr()
    assert status == 1
    assert f"trialtui: {patient}: healthy: true or false is expected, found 'maybe'" in err
    assert f"trialtui: {patient}: ANC: cannot read 'lots'" in err
    assert out.splitlines()[0].split(None, 2)[:2] == [LEAD_STUDY, "unknown"]
    assert out.splitlines()[0].endswith("trial enrols women only; sex not given")


def test_durations_show_in_the_records_own_unit():
    from trialtui.eligibility.display import threshold_text
    from trialtui.eligibility.extract import extract_text_thresholds

    (threshold,) = extract_text_thresholds("Inclusion Criteria:\n- Life expectancy of at least 6 months")
    assert threshold.value == pytest.approx(182.625) and threshold.unit == "days"  # the contract's canonical days
    assert threshold_text(threshold) == "≥ 6 months"
    assert threshold_text({"bound": "lower", "inclusive": True, "value": 0.5, "unit": "years", "raw": "6 Months",
                           "condition": None}) == "≥ 6 months"


def test_an_age_taken_at_diagnosis_says_when_and_other_conditions_say_if():
    from trialtui.eligibility.display import threshold_text
    from trialtui.eligibility.extract import extract_text_thresholds

    ages = extract_text_thresholds("Inclusion Criteria:\n- Aged 4 to 18 years at the time of first diagnosis")
    assert [threshold_text(t) for t in ages] == ["≥ 4 years at diagnosis", "≤ 18 years at diagnosis"]
    ast = {"measure": "ast", "bound": "upper", "inclusive": True, "value": 5, "unit": "xULN", "raw": "",
           "condition": "liver metastases"}
    assert threshold_text(ast) == "≤ 5 × ULN if liver metastases"


ADULTS_WITH_PLATELETS = {"protocolSection": {
    "identificationModule": {"nctId": "NCT90000001", "briefTitle": "Adults with enough platelets"},
    "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Age >= 18 years\n* Platelets >= 100 x10^9/L\n"}}}


def check_patient(tmp_path, capsys, patient: object) -> tuple[int, str, str, str]:
    """`trialtui check` of a patient file holding `patient` against a trial needing age ≥ 18 and
    platelets ≥ 100 ×10^9/L: the exit status, stdout, stderr and the patient file's name."""
    trial = tmp_path / "trial.json"
    trial.write_text(json.dumps(ADULTS_WITH_PLATELETS))
    path = tmp_path / "patient.json"
    path.write_text(patient if isinstance(patient, str) else json.dumps(patient))
    status = main(["check", "--patient", str(path), "--data", str(trial)])
    out, err = capsys.readouterr()
    return status, out, err, str(path)


@pytest.mark.parametrize(("platelets", "why"), [
    ("-150 x10^9/L", "a negative number"),
    ("12 furlongs", "'furlongs' is not a unit trialtui knows"),
    ("Infinity x10^9/L", "not a finite number"),
    ("NaN x10^9/L", "not a finite number"),
    ("about 40", "it does not begin with a number"),
    ("40-200", "a range, not one value"),
])
def test_a_value_check_cannot_read_is_named_and_left_unknown_never_misread(tmp_path, capsys, platelets, why):
    status, out, err, patient = check_patient(tmp_path, capsys, {"age": -40, "values": {"platelets": platelets}})
    assert status == 1  # the check ran; inputs were skipped, each named
    assert err.splitlines() == [f"trialtui: {patient}: Age: cannot read '-40': a negative number",
                                f"trialtui: {patient}: Platelets: cannot read {platelets!r}: {why}"]
    assert out.splitlines()[0].split()[:2] == ["NCT90000001", "unknown"]
    assert "age not given; ≥ 18 years required; platelets not given; ≥ 100 ×10^9/L required" in out


@pytest.mark.parametrize(("patient", "verdict"), [
    ({"age": 40, "values": {"platelets": "150000/uL"}}, "fits"),
    ({"age": "40", "values": {"platelets": "150 x10^9/L"}}, "fits"),
    ({"age": 40.5, "values": {"platelets": 99}}, "fails"),  # a number without a unit: 99 ×10^9/L
    ({"age": 17, "values": {"platelets": "1,500,000/mm3"}}, "fails"),  # 1,500 ×10^9/L, but 17 years old
])
def test_values_written_as_people_write_them_still_decide_the_verdict(tmp_path, capsys, patient, verdict):
    status, out, err, _ = check_patient(tmp_path, capsys, patient)
    assert (status, err) == (0, "")
    assert out.splitlines()[0].split()[:2] == ["NCT90000001", verdict]


def test_a_long_hostile_value_is_named_short_and_escaped(tmp_path, capsys):
    status, _, err, patient = check_patient(tmp_path, capsys, {"values": {"platelets": "\x1b]0;x\x07" + "9" * 100_000}})
    assert status == 1
    assert err == (f"trialtui: {patient}: Platelets: cannot read '\\x1b]0;x\\x07{'9' * 53}…': "
                   "it does not begin with a number\n")


@pytest.mark.parametrize(("content", "why"), [
    ("[1, 2, 3]", "a patient file is a JSON object, found a list"),
    ('"x"', "a patient file is a JSON object, found a string"),
    ('{"a":' * 100_000, "nested too deeply to be a patient file"),
    (" " * (1024 * 1024) + "{}", "larger than 1 MB, too large for a patient file"),
    ('{"age": "4\udcff"}', "not UTF-8 text (byte 11), not a patient file"),
])
def test_a_patient_file_that_is_not_one_is_refused_in_one_line(tmp_path, capsys, content, why):
    trial = tmp_path / "trial.json"
    trial.write_text(json.dumps(ADULTS_WITH_PLATELETS))
    patient = tmp_path / "patient.json"
    patient.write_bytes(content.encode("utf-8", "surrogateescape"))
    status = main(["check", "--patient", str(patient), "--data", str(trial)])
    assert (status, capsys.readouterr()) == (2, ("", f"trialtui: {patient}: {why}\n"))


def test_a_device_is_not_read_as_a_patient_file(tmp_path, capsys):
    trial = tmp_path / "trial.json"
    trial.write_text(json.dumps(ADULTS_WITH_PLATELETS))
    status = main(["check", "--patient", "/dev/zero", "--data", str(trial)])
    assert (status, capsys.readouterr()) == (2, ("", "trialtui: /dev/zero: a device, not a patient file\n"))


AST_4_ULN = {"age": 50, "sex": "male", "conditions": ["NSCLC"],
             "values": {"ast": "4 xULN", "alt": "1 xULN", "total_bilirubin": "1 xULN", "creatinine": "1 xULN",
                        "gfr": "80 mL/min", "anc": "2 x10^9/L", "platelets": "200 x10^9/L", "hemoglobin": "12 g/dL",
                        "ecog": "1", "life_expectancy": "6 months", "lvef": "60%"}}
AML_WBC_10 = {"age": 60, "sex": "male", "conditions": ["acute myeloid leukemia"],
              "values": {"wbc": "10 x10^9/L", "ecog": "1", "life_expectancy": "6 months", "inr": "1 xULN",
                         "aptt": "1 xULN", "total_bilirubin": "1 xULN", "ast": "1 xULN", "alt": "1 xULN",
                         "creatinine": "1 xULN", "gfr": "80 mL/min", "lvef": "60%"}}


def test_check_reads_a_limit_for_patients_without_liver_metastases_and_not_both_sides_of_an_alternative(
        shared_data, tmp_path, capsys):
    # NCT02856893: "AST ≤2.5xULN if no demonstrable liver metastases or ≤5xULN in the presence of liver metastases";
    # NCT04946890: "WBC ≤20×10^9/L; or the patient's WBC >20×10^9/L before using hydroxyurea ..."
    rows = []
    for patient, trial_id in ((AST_4_ULN, "NCT02856893"), (AML_WBC_10, "NCT04946890")):
        path = tmp_path / f"{trial_id}.json"
        path.write_text(json.dumps(patient))
        status = main(["check", "--patient", str(path), "--json", "--data",
                       str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"), trial_id])
        assert status == 0
        rows += json.loads(capsys.readouterr().out)
    assert [(row["trial_id"], row["verdict"], [r["text"] for r in row["reasons"]]) for row in rows] == [
        ("NCT02856893", "fails", ["AST 4 × ULN > 2.5 maximum"]),
        ("NCT04946890", "fits", []),
    ]
