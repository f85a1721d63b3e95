"""The pieces under the readers: escapes, enumeration mapping, stable ids, merging duplicates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trialtui.ingest import RecordError, load_paths, parse_ctgov_study, stable_trial_id
from trialtui.ingest.ctgov_xml import parse_xml_bytes
from trialtui.ingest.enums import normalize_age, std_ages, to_enum, to_iso_date, to_masking, to_phases
from trialtui.ingest.markdown import unescape
from trialtui.models import Provenance

DATA = Path(__file__).parent / "data" / "ingest"
STUDY = json.loads((DATA / "study-NCT06934928.json").read_text())


def test_markdown_escapes_are_undone():
    assert unescape(r"score \> 60, \<16 years, 10\^9/L, 3\~34, \[note\], \*, \-, a\_b") == (
        "score > 60, <16 years, 10^9/L, 3~34, [note], *, -, a_b"
    )
    assert unescape("delivery system \\\n* next") == "delivery system \n* next"
    assert unescape(r"C:\Users stays") == r"C:\Users stays"


@pytest.mark.parametrize(("words", "value"), [
    ("Recruiting", "RECRUITING"),
    ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
    ("Unknown status", "UNKNOWN"),
    ("Interventional", "INTERVENTIONAL"),
    ("Observational [Patient Registry]", "OBSERVATIONAL"),
    ("N/A", "NA"),
    ("Not Applicable", "NA"),
    ("Non-Randomized", "NON_RANDOMIZED"),
    ("Single Group Assignment", "SINGLE_GROUP"),
    ("Educational/Counseling/Training", "ECT"),
    ("U.S. Fed", "FED"),
    ("Sponsor-Investigator", "SPONSOR_INVESTIGATOR"),
    ("NOT_YET_RECRUITING", "NOT_YET_RECRUITING"),
    ("None", "NONE"),
])
def test_words_map_onto_api_v2_enumerations(words, value):
    assert to_enum(words) == value


def test_phases_masking_dates_and_ages():
    assert to_phases("Phase 1/Phase 2") == ["PHASE1", "PHASE2"]
    assert to_phases("PHASE1/PHASE2") == ["PHASE1", "PHASE2"]
    assert to_phases("Early Phase 1") == ["EARLY_PHASE1"]
    assert to_phases("N/A") == to_phases("Not Applicable") == ["NA"]
    assert to_masking("None (Open Label)") == ("NONE", [])
    assert to_masking("Double (Participant, Outcomes Assessor)") == ("DOUBLE", ["PARTICIPANT", "OUTCOMES_ASSESSOR"])
    assert to_iso_date("April 16, 2007") == "2007-04-16"
    assert to_iso_date("March 2007") == "2007-03"
    assert normalize_age("N/A") == "" and normalize_age("18") == "18 Years"
    assert std_ages("1 Year", "12 Years") == ["CHILD"]
    assert std_ages("18 Years", "") == ["ADULT", "OLDER_ADULT"]


def test_stable_id_ignores_spacing_case_and_escapes():
    one = stable_trial_id("NK Cells  for Sarcoma", "Sun Yat-sen University", "2024-11-01")
    assert one == stable_trial_id("nk cells for sarcoma", " Sun Yat-sen University", "2024-11-01")
    assert one != stable_trial_id("NK Cells for Sarcoma", "Sun Yat-sen University", "2024-12-01")
    assert one.startswith("TT-") and len(one) == 15


def test_parse_ctgov_study_fills_every_module():
    trial = parse_ctgov_study(STUDY, Provenance(path="api", format="ctgov-v2"))
    assert trial.trial_id == "NCT06934928" and trial.org_study_id == "2025P000283"
    assert [(s.name, s.role) for s in trial.sponsors] == [
        ("Massachusetts General Hospital", "lead"), ("Johns Hopkins University", "collaborator"),
    ]
    assert trial.responsible_party.name == "Richard Rox Anderson, MD"
    assert trial.design.intervention_model == "SINGLE_GROUP" and trial.design.allocation == "NA"
    assert [a.type for a in trial.arms] == ["ACTIVE_COMPARATOR", "NO_INTERVENTION"]
    assert [o.kind for o in trial.outcomes].count("secondary") == 7
    assert trial.eligibility.std_ages == ["ADULT", "OLDER_ADULT"]
    assert trial.eligibility.criteria.startswith("Inclusion Criteria:\n\n* Participant is an adult ≥18")
    assert "size by >50%" in trial.brief_summary
    assert trial.locations[0].contacts[0].email == "ghickford@mgh.harvard.edu"
    assert trial.central_contacts[0].phone == "617-724-2168"
    assert trial.countries == ["United States"]


def test_parse_ctgov_study_refuses_what_is_not_a_study():
    with pytest.raises(RecordError, match="no \"protocolSection\""):
        parse_ctgov_study({"studies": []}, Provenance())
    boxed = json.loads(json.dumps(STUDY))
    boxed["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = [10]
    with pytest.raises(RecordError, match="boxed in a one-element list"):
        parse_ctgov_study(boxed, Provenance())
    wrong = json.loads(json.dumps(STUDY))
    wrong["protocolSection"]["eligibilityModule"]["healthyVolunteers"] = "no"
    with pytest.raises(RecordError, match="healthyVolunteers\" holds text where true or false"):
        parse_ctgov_study(wrong, Provenance())


def test_rows_read_each_text_as_a_field_alone_would():
    """Sites, contacts, outcomes and arms are checked a row at a time: a row holding a lone
    surrogate, a markdown escape or a null reads as its fields one by one would, and of two fields
    that are not text the first in the record is the one named."""
    study = json.loads(json.dumps(STUDY))
    protocol = study["protocolSection"]
    site = protocol["contactsLocationsModule"]["locations"][0]
    site.update(facility="Wellman Center\udc80", city=None, state="M\\>assachusetts")
    site["contacts"][0].update(phone="617-726-3308", phoneExt="12\\-3", name="Gina Hickfórd")
    protocol["outcomesModule"]["primaryOutcomes"][0]["timeFrame"] = "\\>1 year, \\<2 years"
    protocol["armsInterventionsModule"]["armGroups"][0]["description"] = None
    trial = parse_ctgov_study(study, Provenance())
    location = trial.locations[0]
    assert (location.facility, location.city, location.state) == ("Wellman Center\ufffd", "", "M>assachusetts")
    assert (location.contacts[0].phone, location.contacts[0].name) == ("617-726-3308 ext 12-3", "Gina Hickfórd")
    assert trial.outcomes[0].time_frame == ">1 year, <2 years"
    assert trial.outcomes[0].description.startswith("Treatment will be considered tolerable if <40%")
    assert trial.arms[0].description == ""

    site.update(city=["Boston"], zip=2114)
    with pytest.raises(RecordError, match='"city" is boxed'):
        parse_ctgov_study(study, Provenance())
    site["city"] = "Boston"
    with pytest.raises(RecordError, match='"zip" holds int where text was expected'):
        parse_ctgov_study(study, Provenance())


_ROW_TEXTS = [  # where a row is in the protocol section, the keys of its texts, and what the record reads of them
    (("contactsLocationsModule", "locations", 0, "contacts", 0), ("phone", "phoneExt", "name", "role", "email"),
     lambda t: [t.locations[0].contacts[0].phone, t.locations[0].contacts[0].name,
                t.locations[0].contacts[0].role, t.locations[0].contacts[0].email],
     ["phone > é ext phoneExt > é", "name > é", "role > é", "email > é"]),
    (("contactsLocationsModule", "locations", 0), ("facility", "city", "state", "zip", "country", "status"),
     lambda t: [t.locations[0].facility, t.locations[0].city, t.locations[0].state, t.locations[0].zip,
                t.locations[0].country, t.locations[0].status], None),
    (("outcomesModule", "primaryOutcomes", 0), ("measure", "description", "timeFrame"),
     lambda t: [t.outcomes[0].measure, t.outcomes[0].description, t.outcomes[0].time_frame], None),
    (("armsInterventionsModule", "armGroups", 0), ("label", "type", "description"),
     lambda t: [t.arms[0].label, t.arms[0].type, t.arms[0].description], None),
    (("armsInterventionsModule", "interventions", 0), ("type", "name", "description"),
     lambda t: [t.interventions[0].type, t.interventions[0].name, t.interventions[0].description], None),
    (("contactsLocationsModule", "overallOfficials", 0), ("name", "affiliation", "role"),
     lambda t: [t.officials[0].name, t.officials[0].affiliation, t.officials[0].role], None),
    (("referencesModule", "references", 0), ("citation", "pmid", "type"),
     lambda t: [t.references[0].citation, t.references[0].pmid, t.references[0].type], None),
]


@pytest.mark.parametrize("where, keys, read, expected", _ROW_TEXTS)
def test_each_text_of_a_row_is_read_from_its_own_key_into_its_own_field(where, keys, read, expected):
    """A row read text by text (its values not all plain) fills each field from its own key, and
    a value that is not text is named by its key."""
    study = json.loads(json.dumps(STUDY))
    study["protocolSection"]["referencesModule"] = {"references": [{"citation": "A paper."}]}
    row = study["protocolSection"]
    for step in where:
        row = row[step]
    for key in keys:
        row[key] = f"{key} \\> é"
    assert read(parse_ctgov_study(study, Provenance())) == (expected or [f"{key} > é" for key in keys])
    for key in keys:
        row[key] = 5
        with pytest.raises(RecordError, match=f'"{key}" holds int where text was expected'):
            parse_ctgov_study(study, Provenance())
        row[key] = "x"


def test_legacy_xml_record():
    trial = parse_xml_bytes((DATA / "legacy-NCT00461773.xml").read_bytes(), "x.xml")
    assert (trial.trial_id, trial.overall_status, trial.why_stopped) == ("NCT00461773", "TERMINATED", "Lack of recrual")
    assert (trial.phases, trial.enrollment, trial.enrollment_type) == (["PHASE2"], 5, "ACTUAL")
    assert (trial.start_date, trial.first_posted, trial.status_verified) == ("2007-03", "2007-04-18", "2021-02")
    assert [(s.agency_class, s.role) for s in trial.sponsors] == [
        ("OTHER", "lead"), ("INDUSTRY", "collaborator"), ("INDUSTRY", "collaborator"),
    ]
    assert trial.officials[0].role == "PRINCIPAL_INVESTIGATOR"
    assert trial.arms[1].intervention_names == ["Drug: Letrozole", "Drug: Bevacizumab"]
    assert trial.interventions[1].other_names == ["Avastin"]
    e = trial.eligibility
    assert (e.sex, e.minimum_age, e.maximum_age, e.healthy_volunteers) == ("FEMALE", "18 Years", "", False)
    # hard wrapping undone, list items and headings kept
    assert "\n  -  Histologically confirmed operable or potentially operable invasive breast adenocarcinoma that" in e.criteria
    assert e.criteria.startswith("Inclusion Criteria:\n\n") and "\n\nExclusion Criteria:\n\n" in e.criteria
    assert "Age >45 years" in e.criteria and "EF <50%" in e.criteria
    assert trial.brief_summary.startswith(
        "The purpose of this study is to evaluate the objective response rate of a combination of letrozole")
    assert trial.has_results is True and trial.locations[0].zip == "06520"


def _write_versions(tmp_path: Path) -> list[Path]:
    paths = []
    for n, updated in enumerate(["2025-04-18", "2025-06-01", "2025-05-01"]):
        study = json.loads(json.dumps(STUDY))
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = updated
        study["protocolSection"]["identificationModule"]["briefTitle"] = f"version {n}"
        path = tmp_path / f"v{n}.json"
        path.write_text(json.dumps(study))
        paths.append(path)
    return paths


def test_the_same_trial_twice_keeps_the_most_recently_updated(tmp_path):
    result = load_paths(_write_versions(tmp_path))
    assert len(result.trials) == 1
    assert (result.trials[0].brief_title, result.trials[0].last_update_posted) == ("version 1", "2025-06-01")


def test_progress_is_reported(tmp_path):
    seen: list[int] = []
    load_paths(_write_versions(tmp_path), on_progress=seen.append)
    assert seen and seen[-1] == 3


def test_ingest_does_not_import_textual():
    code = "import sys, trialtui.ingest; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_formats_are_detected_from_content_inside_gzip_and_tar(tmp_path):
    import gzip
    import io
    import tarfile

    xml = (DATA / "legacy-NCT00461773.xml").read_bytes()
    (tmp_path / "one-study.bin").write_bytes(gzip.compress(json.dumps(STUDY).encode()))
    (tmp_path / "array").write_bytes(gzip.compress(json.dumps([STUDY], indent=1).encode()))
    (tmp_path / "legacy.json").write_bytes(gzip.compress(xml))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("NCT0046xxxx/NCT00461773.xml")
        info.size = len(xml)
        archive.addfile(info, io.BytesIO(xml))
    (tmp_path / "legacy.tgz").write_bytes(buffer.getvalue())
    result = load_paths(sorted(tmp_path.iterdir()))
    assert result.problems == []
    assert sorted(t.trial_id for t in result.trials) == ["NCT00461773", "NCT06934928"]
    kept = {t.trial_id: t.source for t in result.trials}
    assert kept["NCT00461773"].path.endswith("legacy.tgz!NCT0046xxxx/NCT00461773.xml")
