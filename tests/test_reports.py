"""Reports a reviewer hands on: real values from the seeds, the reviewer's own words kept."""

from __future__ import annotations

import csv
import io
import json

from markdown_it import MarkdownIt

from conftest import SEEDS
from hostile_records import HOSTILE, hostile_study
from trialtui.comparison import compare
from trialtui.digest import digest_trial
from trialtui.eligibility.criteria import split_criteria
from trialtui.eligibility.extract import extract_thresholds
from trialtui.ingest import load_paths
from trialtui.reports import ReviewNotes, comparison_report, list_csv, trial_report
from trialtui.review import criterion_key, threshold_key
from trialtui.sections import trial_sections


def seeds() -> dict:
    return {t.trial_id: t for t in load_paths([SEEDS]).trials}


def test_trial_report_has_review_thresholds_and_marked_criteria():
    trial = seeds()["NCT06751134"]
    thresholds = extract_thresholds(trial)
    platelets = next(t for t in thresholds if t.measure == "platelets")
    first = split_criteria(trial.eligibility.criteria)[0]
    notes = ReviewNotes(note="Good fit if counts recover.\nCall Monday.", tags=["peds", "cell therapy"],
                        status="shortlisted", star=True,
                        marks={threshold_key(platelets): ("ask_site", "transfusion allowed?"),
                               criterion_key(first): ("meets", "")})
    report = trial_report(trial, thresholds, notes)
    assert report.startswith("# NCT06751134: Chimeric Natural Killer Receptor-Universal T Cells")
    assert "- Review status: Shortlisted  ★ starred" in report
    assert "> Good fit if counts recover.\n> Call Monday." in report
    assert "| platelets | ≥ 75 ×10^9/L | inclusion |  | ask site; transfusion allowed? |" in report
    assert "- 1\\. Aged 1-12 years with weight≥10kg, male or female; — *patient meets*" in report
    assert "## Locations" in report and "Nanjing Children's Hospital" in report


def test_comparison_report_lists_verdicts_and_facts():
    trials = seeds()
    a, b = trials["NCT06751134"], trials["NCT06674265"]
    report = comparison_report(compare(a, b, extract_thresholds(a), extract_thresholds(b)),
                               ReviewNotes(status="excluded", reason="too old"), ReviewNotes())
    assert "| platelets | ≥ 75 ×10^9/L | > 50 ×10^9/L | A stricter |" in report
    assert "| Ages | 1 Year – 12 Years | 2 Years – 16 Years |" in report
    assert "- Review status: Excluded (too old)" in report


def test_list_csv_has_one_row_per_trial_with_notes():
    trials = seeds()
    digests = [digest_trial(t) for t in trials.values()]
    text = list_csv(digests, {"NCT06674265": ReviewNotes(note="asked, waiting", tags=["iran"], star=True)})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    row = next(r for r in rows if r["trial_id"] == "NCT06674265")
    assert (row["status"], row["phase"], row["star"], row["tags"], row["note"]) == (
        "Recruiting", "Phase 1", "yes", "iran", "asked, waiting")


def test_write_report_replaces_the_file_whole_and_leaves_no_partial(tmp_path):
    from trialtui.reports import write_report

    target = tmp_path / "out" / "list.csv"
    assert write_report(target, "first\n") == target
    write_report(target, "second\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["list.csv"]


MARKDOWN_ATTACK = """Line one <script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))
# Fake heading
> fake quote
- fake item
+ fake item
12. fake ordered item
=====
| fake | table |
|---|---|
see `code` and x10*9/L then 10*9/L, &lt;b&gt;
```
an unclosed code fence swallowing the rest of the report"""


def rendered(report: str) -> list:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(report)


def shown(token) -> str:
    """What a Markdown viewer shows for an inline token: its text, escapes resolved."""
    return "".join(c.content if c.type == "text" else " " for c in token.children or [])


def test_record_text_cannot_change_the_reports_structure(tmp_path):
    study = hostile_study()
    protocol = study["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = MARKDOWN_ATTACK + HOSTILE
    protocol["descriptionModule"]["briefSummary"] = MARKDOWN_ATTACK
    protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = MARKDOWN_ATTACK
    protocol["conditionsModule"]["conditions"] = [MARKDOWN_ATTACK]
    protocol["eligibilityModule"]["eligibilityCriteria"] = "Inclusion Criteria:\n\n* " + MARKDOWN_ATTACK.replace("\n", " ")
    (tmp_path / "study.json").write_text(json.dumps(study))
    [trial] = load_paths([tmp_path]).trials
    notes = ReviewNotes(note=MARKDOWN_ATTACK, tags=["# tag", "`x"], reason=MARKDOWN_ATTACK, status="excluded")
    report = trial_report(trial, extract_thresholds(trial), notes)
    tokens = rendered(report)
    headings = [shown(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("NCT09999990: Line one <script>")
    assert headings[1:] == ["Review", "Eligibility thresholds", *(s.title for s in trial_sections(trial))]
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1"] + ["h2"] * (len(headings) - 1)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    assert not kinds & {"html_block", "html_inline", "link_open", "image", "fence", "code_block",
                        "code_inline", "em_open", "s_open", "ordered_list_open", "hr"}
    assert sum(t.type == "table_open" for t in tokens) == 1
    assert sum(t.type == "blockquote_open" for t in tokens) == 1  # the reviewer's note, nothing else
    texts = "\n".join(shown(t) for t in tokens if t.type == "inline")
    assert "<script>alert(1)</script>" in texts and "[click](javascript:alert(1))" in texts
    assert "x10*9/L then 10*9/L, &lt;b&gt;" in texts and "```" in texts
    assert "\x1b" not in report and "\\x1b[2J" in texts


def test_list_csv_cells_never_start_a_formula():
    digest = digest_trial(load_paths([SEEDS]).trials[0])
    text = list_csv([digest], {digest.trial_id: ReviewNotes(note="=HYPERLINK(\"http://x\",\"y\")", tags=["@SUM(A1)"])})
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["note"] == "'=HYPERLINK(\"http://x\",\"y\")" and row["tags"] == "'@SUM(A1)"


def test_reports_carry_the_patient_result_on_each_threshold():
    from trialtui.patient_check import PatientEntry, read_profile, trial_fit

    trials = seeds()
    a, b = trials["NCT06751134"], trials["NCT06674265"]
    patient, _ = read_profile(PatientEntry(age="8", labs={"anc": "1200/mm3", "platelets": "80000/mm3"}))
    thresholds_a, thresholds_b = extract_thresholds(a), extract_thresholds(b)
    fit_a, fit_b = trial_fit(patient, a, thresholds_a), trial_fit(patient, b, thresholds_b)

    report = trial_report(a, thresholds_a, ReviewNotes(), fit_a)
    assert "- Patient: fails: ANC" in report
    assert "| Measure | Requirement | Patient | From | When | Reviewer |" in report
    assert "| ANC | ≥ 1.5 ×10^9/L | fails | inclusion |" in report
    assert "| platelets | ≥ 75 ×10^9/L | meets | inclusion |" in report

    report = comparison_report(compare(a, b, thresholds_a, thresholds_b), ReviewNotes(), ReviewNotes(), (fit_a, fit_b))
    assert "| platelets | ≥ 75 ×10^9/L | > 50 ×10^9/L | A stricter | ✓ / ✓ |" in report

    text = list_csv([digest_trial(a), digest_trial(b)], {}, {a.trial_id: fit_a, b.trial_id: fit_b})
    rows = {r["trial_id"]: r["patient"] for r in csv.DictReader(io.StringIO(text))}
    assert rows == {"NCT06751134": "fails: ANC", "NCT06674265": fit_b.summary()}
    assert fit_b.summary().startswith("unknown")


def test_counts_agree_with_their_noun():
    trials = seeds()
    a, b = trials["NCT06751134"], trials["NCT06674265"]
    report = comparison_report(compare(a, b, extract_thresholds(a), extract_thresholds(b)), ReviewNotes(), ReviewNotes())
    sites = next(line for line in report.splitlines() if line.startswith("| Sites"))
    assert "| 2 sites: " in sites and "| 1 site: " in sites


def test_list_csv_carries_a_real_record_cell_by_cell(shared_data):
    """NCT05411484 from the real Boston API page: every cell against the raw JSON, not trialtui's reading of it."""
    from trialtui.patient_check import PatientEntry, read_profile, trial_fit

    page = json.loads((shared_data / "ctgov-v2" / "api-page-boston.json").read_text())
    raw = next(s["protocolSection"] for s in page["studies"]
               if s["protocolSection"]["identificationModule"]["nctId"] == "NCT05411484")
    trial = next(t for t in load_paths([shared_data / "ctgov-v2" / "api-page-boston.json"]).trials
                 if t.trial_id == "NCT05411484")
    patient, _ = read_profile(PatientEntry(age="90"))
    fit = trial_fit(patient, trial, extract_thresholds(trial))
    notes = {"NCT05411484": ReviewNotes(note="=call PI", tags=["boston", "phase 2"], status="shortlisted", star=True)}
    text = list_csv([digest_trial(trial)], notes, {"NCT05411484": fit})
    [header, row] = list(csv.reader(io.StringIO(text)))
    cells = dict(zip(header, row, strict=True))
    sponsors = raw["sponsorCollaboratorsModule"]
    names = [n for iv in raw["armsInterventionsModule"]["interventions"] for n in (iv["name"], *iv.get("otherNames", []))]
    assert cells == {
        "url": "https://clinicaltrials.gov/study/NCT05411484",
        "trial_id": "NCT05411484",
        "title": raw["identificationModule"]["briefTitle"],
        "status": "Active not recruiting",
        "phase": "Phase 2",
        "conditions": "; ".join(raw["conditionsModule"]["conditions"]),
        "interventions": "; ".join(dict.fromkeys(names)),
        "sponsors": "; ".join([sponsors["leadSponsor"]["name"], *(c["name"] for c in sponsors["collaborators"])]),
        "min_age_years": "18",
        "max_age_years": "80",
        "sex": "All",
        "enrollment": str(raw["designModule"]["enrollmentInfo"]["count"]),
        "start_date": raw["statusModule"]["startDateStruct"]["date"],
        "last_update": raw["statusModule"]["lastUpdatePostDateStruct"]["date"],
        "patient": "fails: age",
        "review_status": "Shortlisted",
        "star": "yes",
        "tags": "boston; phase 2",
        "note": "'=call PI",
    }
    assert header[:2] == ["url", "trial_id"] and header[-5:] == ["review_status", "star", "tags", "note", "patient"]


def test_list_csv_gives_no_registry_url_to_a_record_without_an_nct_id():
    digest = next(digest_trial(t) for t in load_paths([SEEDS]).trials if not t.trial_id.startswith("NCT"))
    [row] = list(csv.DictReader(io.StringIO(list_csv([digest], {}))))
    assert (row["url"], row["trial_id"]) == ("", digest.trial_id)
