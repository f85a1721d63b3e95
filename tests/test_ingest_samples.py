"""The real ClinicalTrials.gov samples in ../shared/data load with their full counts and values."""

from __future__ import annotations

import functools
from collections import Counter

from trialtui.ingest import LoadResult, load_paths


@functools.cache
def _load(path: str) -> LoadResult:
    """Each sample is read once per test session (the legacy tar takes a few seconds)."""
    return load_paths([path])


def _by_id(result: LoadResult) -> dict:
    return {t.trial_id: t for t in result.trials}


def test_json_lines_gzip(shared_data):
    result = _load(str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"))
    assert result.problems == []
    assert len(result.trials) == 1147
    trials = _by_id(result)
    first = trials["NCT06934928"]
    assert first.brief_title.startswith("Assessing the Efficacy of Repeat, Monthly Treatments of Alexandrite Laser")
    assert (first.overall_status, first.phases, first.enrollment, first.start_date) == (
        "NOT_YET_RECRUITING", ["PHASE1"], 10, "2025-06",
    )
    assert first.locations[0].city == "Boston" and first.locations[0].zip == "02114"
    assert first.interventions[0].other_names[:2] == ["Alexandrite Laser", "755 nm Laser"]
    assert "(~1/2 atm)" in first.interventions[0].description
    assert first.source.line == 1 and first.source.format == "ctgov-v2"
    last = trials["NCT03970720"]
    assert last.source.line == 1147
    assert (last.eligibility.minimum_age, last.eligibility.maximum_age) == ("20 Years", "60 Years")
    assert "creatinine clearance > 50 ml/min" in trials["NCT03937544"].eligibility.criteria


def test_json_lines_studies_with_only_an_identification_module_still_load(shared_data):
    trials = _by_id(_load(str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")))
    sparse = trials["NCT03453554"]
    assert sparse.brief_title and sparse.overall_status == "" and sparse.locations == []


def test_website_export_array(shared_data):
    result = _load(str(shared_data / "ctgov-v2" / "website-export-nsclc.json"))
    assert result.problems == [] and len(result.trials) == 81
    lung = _by_id(result)["NCT06576635"]
    assert lung.brief_title.startswith("LUNG-05: Investigating Chemotherapy Effectiveness")
    assert (lung.overall_status, lung.phases, lung.enrollment) == ("RECRUITING", ["NA"], 29)
    assert lung.lead_sponsor == "University of Illinois at Chicago"
    assert lung.source.line is None


def test_api_page(shared_data):
    result = _load(str(shared_data / "ctgov-v2" / "api-page-boston.json"))
    assert result.problems == [] and len(result.trials) == 45
    pico = _by_id(result)["NCT03774849"]
    assert pico.brief_title.startswith("PicoWay™ 730 Resolve Fusion")
    assert (pico.overall_status, pico.enrollment, pico.locations[0].city) == ("COMPLETED", 115, "Wayland")


def test_bulk_download_zip(shared_data):
    path = shared_data / "ctgov-v2" / "bulk-download-urology.zip"
    result = _load(str(path))
    assert result.problems == [] and len(result.trials) == 565
    study = _by_id(result)["NCT06600893"]
    assert study.source.path == f"{path}!NCT06600893.json"
    assert (study.eligibility.sex, study.locations[0].city, study.enrollment) == ("MALE", "San Diego", 35)


def test_boxed_scalars_are_reported_in_one_line_and_not_guessed(shared_data):
    path = shared_data / "ctgov-v2" / "malformed-boxed-scalars.json"
    result = _load(str(path))
    assert result.trials == []
    assert len(result.problems) == 1
    line = result.problems[0].line()
    assert line.startswith(f"trialtui: {path}: studies 1-10 (10 records): ")
    assert "boxed in a one-element list" in line and "not guessed" in line


def test_legacy_xml_tar(shared_data):
    path = shared_data / "ctgov-legacy-xml-subset.tar.gz"
    result = _load(str(path))
    assert result.problems == []
    assert len(result.trials) == 6786
    trials = _by_id(result)
    letrozole = trials["NCT00461773"]
    assert letrozole.source.path == f"{path}!NCT0046xxxx/NCT00461773.xml"
    assert letrozole.source.format == "ctgov-xml" and letrozole.source.retrieved == "2023-02-03"
    assert (letrozole.overall_status, letrozole.phases, letrozole.study_type) == ("TERMINATED", ["PHASE2"], "INTERVENTIONAL")
    assert (letrozole.enrollment, letrozole.enrollment_type) == (5, "ACTUAL")
    assert (letrozole.start_date, letrozole.last_update_posted) == ("2007-03", "2021-03-16")
    combined = trials["NCT00005612"]
    assert combined.phases == ["PHASE1", "PHASE2"]
    assert (combined.design.allocation, combined.eligibility.sex) == ("NA", "FEMALE")
    assert trials["NCT00002042"].phases == ["NA"]
    assert trials["NCT00002042"].sponsors[0].agency_class == "INDUSTRY"
    cohort = trials["NCT00008216"]
    assert (cohort.study_type, cohort.design.observational_model, cohort.design.time_perspective) == (
        "OBSERVATIONAL", "COHORT", "PROSPECTIVE",
    )


def test_legacy_xml_enumerations_use_api_v2_spellings(shared_data):
    trials = _load(str(shared_data / "ctgov-legacy-xml-subset.tar.gz")).trials
    statuses = Counter(t.overall_status for t in trials)
    assert set(statuses) <= {
        "COMPLETED", "UNKNOWN", "TERMINATED", "WITHDRAWN", "RECRUITING", "ACTIVE_NOT_RECRUITING",
        "SUSPENDED", "ENROLLING_BY_INVITATION", "NO_LONGER_AVAILABLE", "APPROVED_FOR_MARKETING",
    }
    phases = {p for t in trials for p in t.phases}
    assert phases == {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"}
    assert {t.study_type for t in trials} == {"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"}
    assert {s.agency_class for t in trials for s in t.sponsors} == {"NIH", "OTHER", "INDUSTRY", "FED"}
    assert {t.eligibility.minimum_age for t in trials} >= {"", "18 Years", "1 Year", "6 Months"}
    assert "N/A" not in {t.eligibility.maximum_age for t in trials}
