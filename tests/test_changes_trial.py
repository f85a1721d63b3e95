"""trial_changes: what a reviewer needs to know between two versions of one trial."""

from __future__ import annotations

from trialtui.fetch.changes import trial_changes
from trialtui.models import Eligibility, Location, Trial

OLD_CRITERIA = """Inclusion Criteria:

* Age 18 years or older
* Platelet count ≥ 100 × 10^9/L
* ECOG performance status 0-1

Exclusion Criteria:

* Pregnancy
"""

NEW_CRITERIA = """Inclusion Criteria:

* Age 18 years or older
* Platelet count ≥ 50 × 10^9/L
* ECOG performance status 0-1
* Left ventricular ejection fraction ≥ 45%

Exclusion Criteria:

* Pregnancy
"""

BOSTON = Location(facility="Massachusetts General Hospital", city="Boston", state="Massachusetts",
                  country="United States", status="RECRUITING")
DENVER = Location(facility="UCHealth", city="Aurora", state="Colorado", country="United States",
                  status="RECRUITING")


def trial(**fields) -> Trial:
    base = dict(trial_id="NCT01234567", nct_id="NCT01234567", brief_title="A study",
                overall_status="RECRUITING", start_date="2024-01-15", completion_date="2026-12",
                last_update_posted="2025-01-10", locations=[BOSTON, DENVER],
                eligibility=Eligibility(criteria=OLD_CRITERIA, minimum_age="18 Years"))
    return Trial(**{**base, **fields})


def test_identical_versions_have_no_changes():
    assert trial_changes(trial(), trial()).is_empty


def test_threshold_status_site_and_date_changes_are_listed():
    closed_denver = DENVER.model_copy(update={"status": "COMPLETED"})
    new = trial(
        overall_status="ACTIVE_NOT_RECRUITING", completion_date="2027-06", last_update_posted="2025-03-02",
        locations=[closed_denver, Location(facility="Mayo Clinic", city="Rochester", state="Minnesota",
                                           country="United States")],
        eligibility=Eligibility(criteria=NEW_CRITERIA, minimum_age="18 Years"),
    )
    changes = trial_changes(trial(), new)
    assert changes.lines == [
        "status: Recruiting → Active not recruiting",
        "platelets ≥ 100 → ≥ 50 ×10^9/L (looser)",
        "new: LVEF ≥ 45 %",
        "site added: Mayo Clinic, Rochester, Minnesota, United States",
        "site removed: Massachusetts General Hospital, Boston, Massachusetts, United States",
        "site UCHealth, Aurora, Colorado, United States: Recruiting → Completed",
        "completion: 2026-12 → 2027-06",
    ]
    assert changes.status.old == "Recruiting"
    assert [c.measure for c in changes.thresholds] == ["platelets", "lvef"]
    assert [t.value for t in changes.thresholds[0].new] == [50.0]
    assert changes.thresholds[1].old == ()
    assert changes.criteria_changed


def test_a_threshold_dropped_and_one_tightened():
    changes = trial_changes(
        trial(eligibility=Eligibility(criteria=NEW_CRITERIA)),
        trial(eligibility=Eligibility(criteria=OLD_CRITERIA.replace("≥ 100", "≥ 150"))),
    )
    assert "platelets ≥ 50 → ≥ 150 ×10^9/L (stricter)" in changes.lines
    assert "removed: LVEF ≥ 45 %" in changes.lines


def test_criteria_text_changed_without_a_threshold_says_so():
    new = trial(eligibility=Eligibility(criteria=OLD_CRITERIA + "* Known HIV infection\n",
                                        minimum_age="18 Years"))
    assert trial_changes(trial(), new).lines == [
        "eligibility criteria text changed (no numeric threshold did)"
    ]


def test_why_stopped_comes_with_the_status():
    new = trial(overall_status="TERMINATED", why_stopped="Sponsor decision")
    assert trial_changes(trial(), new).lines == [
        "status: Recruiting → Terminated (why stopped: Sponsor decision)"
    ]


def test_changes_serialise_for_scripts():
    new = trial(eligibility=Eligibility(criteria=NEW_CRITERIA, minimum_age="18 Years"))
    data = trial_changes(trial(), new).to_json()
    assert data["trial_id"] == "NCT01234567"
    assert data["thresholds"][0]["old"][0]["value"] == 100.0
    assert data["lines"][0] == "platelets ≥ 100 → ≥ 50 ×10^9/L (looser)"
