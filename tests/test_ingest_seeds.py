"""The five bundled seed documents, read through the public loading path, field by field."""

from __future__ import annotations

import shutil

import pytest

from conftest import SEEDS
from trialtui.ingest import iter_records, load_paths
from trialtui.models import Trial


@pytest.fixture(scope="module")
def seeds() -> dict[str, Trial]:
    result = load_paths([SEEDS])
    assert result.problems == []
    return {t.source.path.rsplit("/", 1)[-1][:3]: t for t in result.trials}


def test_all_five_seeds_load(seeds):
    assert sorted(seeds) == ["000", "001", "002", "003", "004"]
    assert {t.source.format for t in seeds.values()} == {"page-text", "aggregator-text"}


def test_seed_000_page_text(seeds):
    t = seeds["000"]
    assert t.trial_id == t.nct_id == "NCT06751134"
    assert t.brief_title == (
        "Chimeric Natural Killer Receptor-Universal T Cells for Relapsed or Refractory Neuroblastoma"
    )
    assert t.overall_status == "RECRUITING"
    assert t.phases == ["PHASE1"]
    assert t.study_type == "INTERVENTIONAL"
    assert t.enrollment == 12
    assert (t.start_date, t.completion_date, t.last_update_posted) == ("2024-12-28", "2026-12-01", "2025-02-07")
    assert t.org_study_id == "CNK-UT-IIT202304"
    assert [(loc.facility, loc.city, loc.state, loc.country, loc.status) for loc in t.locations] == [
        ("Nanjing Children's Hospital", "Nanjing", "Jiangsu", "China", "RECRUITING"),
        ("Nanjing", "Nanjing", "Jiangsu", "China", "RECRUITING"),
    ]
    assert t.locations[0].contacts[0].phone == "+86025-52862937"
    assert t.central_contacts[0].name == "Fang Yongjun, Prof."
    assert t.sponsors[0].name == "Nanjing Children's Hospital" and t.sponsors[0].agency_class == "OTHER"
    assert t.responsible_party.type == "PRINCIPAL_INVESTIGATOR"
    assert t.design.allocation == "NON_RANDOMIZED" and t.design.masking == "NONE"
    assert t.has_results is False
    assert t.related_trials[0].nct_id == "NCT05754684"


def test_seed_000_eligibility(seeds):
    e = seeds["000"].eligibility
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == ("1 Year", "12 Years", "ALL", False)
    assert e.std_ages == ["CHILD"]
    assert e.criteria.startswith("Inclusion Criteria:\n1. Aged 1-12 years with weight≥10kg")
    assert "\n\nExclusion Criteria:\n1. Suffering from malignant tumors" in e.criteria
    assert e.criteria.endswith("unsuitable to participate in the study.")
    assert "Minimum Eligible Age" not in e.criteria
    # CT.gov markdown escapes are undone
    assert "7. Lansky score>60;" in e.criteria
    assert "≥1.5×10^9/L" in e.criteria and "\\" not in e.criteria


def test_seed_000_arms_and_interventions(seeds):
    t = seeds["000"]
    assert [(a.label, a.type) for a in t.arms] == [("CNK-UT cells therapy", "EXPERIMENTAL")]
    assert "(3~34×10^7 CNK+ cells/kg)" in t.arms[0].description
    iv = t.interventions[0]
    assert (iv.type, iv.name) == ("DRUG", "Chimeric Natural Killer Receptor Universal T-cells (CNK-UT)")
    assert iv.arm_labels == ["CNK-UT cells therapy"]
    assert t.arms[0].intervention_names == ["Drug: Chimeric Natural Killer Receptor Universal T-cells (CNK-UT)"]


def test_seed_001_sponsors_officials_and_groups(seeds):
    t = seeds["001"]
    assert t.trial_id == "NCT06674265" and t.enrollment == 10
    assert t.lead_sponsor == "Marzieh Ebrahimi"
    assert [(s.name, s.agency_class, s.role) for s in t.sponsors[1:]] == [
        ("Royan Institute", "OTHER_GOV", "collaborator"),
        ("Iran University of Medical Sciences", "OTHER", "collaborator"),
    ]
    assert [(o.role, o.affiliation) for o in t.officials] == [
        ("STUDY_CHAIR", "Royan Institute"),
        ("PRINCIPAL_INVESTIGATOR", "Iran University of Medical Science"),
    ]
    assert [(a.label, a.type) for a in t.arms] == [
        ("Intervention Group", "ACTIVE_COMPARATOR"), ("Control Group", "NO_INTERVENTION"),
    ]
    assert (t.locations[0].city, t.locations[0].state, t.locations[0].country) == ("Tehran", "", "Iran")
    assert t.eligibility.minimum_age == "2 Years" and t.eligibility.maximum_age == "16 Years"


def test_seed_002_phases_and_conditions(seeds):
    t = seeds["002"]
    assert t.trial_id == "NCT06836505"
    assert t.phases == ["PHASE1", "PHASE2"]
    assert t.conditions == ["Neuroblastoma (NB)", "Desmoplastic Small Round Cell Tumor (DSRCT)"]
    assert [loc.contacts[0].name for loc in t.locations] == ["Yizhuo Zhang", "Cunfu Li", "ALEX HONGSHENG CHANG"]
    assert t.eligibility.criteria.count("Exclusion Criteria:") == 1


def test_seed_003_not_yet_recruiting_without_maximum_age(seeds):
    t = seeds["003"]
    assert t.trial_id == "NCT06631040"
    assert t.overall_status == "NOT_YET_RECRUITING"
    assert t.design.allocation == "NA"
    assert t.eligibility.minimum_age == "3 Years" and t.eligibility.maximum_age == ""
    assert t.eligibility.healthy_volunteers is True
    assert t.detailed_description == ""
    assert t.locations[0].status == ""


def test_seed_004_aggregator_page(seeds):
    t = seeds["004"]
    assert t.nct_id == ""
    assert t.trial_id.startswith("TT-") and len(t.trial_id) == 15
    assert t.brief_title.startswith("A Single-Arm, Non-Blind Clinical Study on the Efficacy and Safety")
    assert (t.overall_status, t.study_type, t.phases) == ("RECRUITING", "INTERVENTIONAL", ["NA"])
    assert [(loc.facility, loc.city, loc.country, loc.status) for loc in t.locations] == [
        ("Dongguan Taixin Hospital", "Dongguan", "China", "RECRUITING"),
        ("Sun Yat-sen University Cancer Center", "Guangzhou", "China", "RECRUITING"),
    ]
    e = t.eligibility
    assert (e.maximum_age, e.minimum_age, e.sex, e.healthy_volunteers) == ("18 Years", "", "ALL", False)
    assert e.criteria.startswith(
        "Inclusion Criteria:\n‣ To be eligible for the study, participants must meet all of the following criteria:"
    )
    assert "• Age ≤ 18 years, no gender limitation." in e.criteria
    assert "⁃ Platelet count (PLT) ≥ 75 × 10^9/L" in e.criteria
    assert "Lansky (<16 years)" in e.criteria
    assert (t.start_date, t.completion_date, t.enrollment) == ("2024-11-01", "2028-02-01", 40)
    assert t.lead_sponsor == "Sun Yat-sen University"
    assert [(a.label, a.type) for a in t.arms] == [("NK Arm", "EXPERIMENTAL")]


def test_stable_id_depends_on_content_not_on_file(seeds, tmp_path):
    original = next(SEEDS.glob("004_*.txt"))
    copy = tmp_path / "renamed-without-extension"
    shutil.copy(original, copy)
    reread = [r for r in iter_records(copy) if isinstance(r, Trial)]
    assert reread[0].trial_id == seeds["004"].trial_id
    altered = tmp_path / "other.txt"
    altered.write_text(original.read_text().replace("Soft Tissue Sarcoma", "Bone Sarcoma", 1))
    other = [r for r in iter_records(altered) if isinstance(r, Trial)]
    assert other[0].trial_id != seeds["004"].trial_id
