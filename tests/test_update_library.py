"""update_library: new versions only where the registry's last update moved, and what changed."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from ctgov_server import OLD_CRITERIA, FakeCtgov, Fault, load_studies, nct_id_of, sponsor_update, study_to_change, with_criteria
from trialtui.fetch.client import RetryPolicy
from trialtui.fetch.fetcher import fetch_to_library
from trialtui.fetch.params import StudyQuery
from trialtui.fetch.update import BATCH_SIZE, unreviewed_changes, update_library
from trialtui.store import Library

FAST = RetryPolicy(max_tries=3, base_delay=0.001, max_delay=1.0, min_interval=0.0, timeout=2.0)


@functools.cache
def _studies(path: Path) -> list[dict]:
    return load_studies(path)


def site_name(study: dict, index: int) -> str:
    location = study["protocolSection"]["contactsLocationsModule"]["locations"][index]
    return ", ".join(location[k] for k in ("facility", "city", "state", "country") if location.get(k))


@pytest.fixture
def watched(shared_data):
    """Ten real studies; the first (with several sites and a RECRUITING status) is the one to change."""
    studies = _studies(shared_data / "ctgov-v2" / "api-page-boston.json")
    to_change = study_to_change(studies)
    others = [s for s in studies if nct_id_of(s) != nct_id_of(to_change)][:9]
    return [to_change, *others]


def fetch_all(api: FakeCtgov, library: Library, studies: list[dict]) -> None:
    query = StudyQuery.build(nct_ids=[nct_id_of(s) for s in studies])
    assert fetch_to_library(query, library, base_url=api.base_url, policy=FAST).complete


def test_a_sponsor_update_becomes_a_new_version_with_its_changes(watched, library):
    changed_id = nct_id_of(watched[0])
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        assert library.mark_reviewed(changed_id) == 1
        api.put_study(sponsor_update(watched[0]))
        result = update_library(library, base_url=api.base_url, policy=FAST)
    assert result.error is None and not result.cancelled
    assert (result.checked, result.updated, result.unchanged) == (10, 1, 9)
    assert [v.number for v in library.versions(changed_id)] == [1, 2]
    assert all(len(library.versions(nct_id_of(s))) == 1 for s in watched[1:])
    [changed] = result.changed
    assert (changed.trial_id, changed.from_version, changed.to_version) == (changed_id, 1, 2)
    assert changed.since_review and changed.updated_now
    assert changed.changes.lines == [
        "status: Recruiting → Active not recruiting",
        "platelets ≥ 100 → ≥ 50 ×10^9/L (looser)",
        f"site removed: {site_name(watched[0], -1)}",
    ]


def test_content_changed_without_a_new_update_date_is_not_a_new_version(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        quiet_edit = with_criteria(watched[0], OLD_CRITERIA.replace("≥ 100", "≥ 75"))
        api.put_study(quiet_edit)
        result = update_library(library, base_url=api.base_url, policy=FAST)
    assert (result.updated, result.changed) == (0, [])
    assert len(library.versions(nct_id_of(watched[0]))) == 1


def test_named_trials_only_in_one_batch_request(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        api.put_study(sponsor_update(watched[0]))
        before = api.count()
        named = [nct_id_of(watched[0]).lower(), nct_id_of(watched[1]), "NCT09999999"]
        result = update_library(library, named, base_url=api.base_url, policy=FAST)
        [request] = api.requests[before:]
    assert request.params["filter.ids"] == ",".join([nct_id_of(watched[0]), nct_id_of(watched[1])])
    assert result.checked == 2 and result.updated == 1
    assert result.not_in_library == ["NCT09999999"]


def test_a_never_reviewed_trial_is_compared_with_its_previous_version(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        api.put_study(sponsor_update(watched[0]))
        [changed] = update_library(library, base_url=api.base_url, policy=FAST).changed
    assert not changed.since_review
    assert (changed.from_version, changed.to_version) == (1, 2)


def test_an_earlier_unreviewed_change_is_listed_again(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        library.mark_reviewed(nct_id_of(watched[0]))
        api.put_study(sponsor_update(watched[0]))
        update_library(library, base_url=api.base_url, policy=FAST)
        [again] = update_library(library, base_url=api.base_url, policy=FAST).changed
        [in_changes_view] = unreviewed_changes(library)
        library.mark_reviewed(nct_id_of(watched[0]))
        after_review = update_library(library, base_url=api.base_url, policy=FAST).changed
    assert not again.updated_now and again.since_review
    assert "platelets ≥ 100 → ≥ 50 ×10^9/L (looser)" in again.changes.lines
    assert in_changes_view.changes.lines == again.changes.lines
    assert after_review == []
    assert unreviewed_changes(library) == []


def test_a_study_the_registry_no_longer_returns_is_reported(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        del api.studies[nct_id_of(watched[3])]
        result = update_library(library, base_url=api.base_url, policy=FAST)
    assert result.missing == [nct_id_of(watched[3])]
    assert result.unchanged == 9


def test_a_failed_update_leaves_the_library_unchanged(watched, library):
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        api.put_study(sponsor_update(watched[0]))
        api.fail_next(*[Fault(status=502)] * FAST.max_tries)
        result = update_library(library, base_url=api.base_url, policy=FAST)
    assert result.error.startswith("fetch failed after 3 tries: HTTP 502")
    assert result.updated == 0
    assert len(library.versions(nct_id_of(watched[0]))) == 1


def test_large_watch_lists_are_asked_for_in_batches(shared_data, library):
    studies = _studies(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")[: BATCH_SIZE + 30]
    with FakeCtgov(studies) as api:
        fetch_all(api, library, studies)
        before = api.count()
        result = update_library(library, base_url=api.base_url, policy=FAST)
        batches = [len(r.params["filter.ids"].split(",")) for r in api.requests[before:]]
    assert batches == [BATCH_SIZE, 30]
    assert result.checked == BATCH_SIZE + 30 and result.updated == 0


def test_a_library_trial_without_an_nct_id_is_not_asked_for(library):
    from conftest import SEEDS
    from trialtui.ingest import load_paths

    seeds = load_paths([SEEDS]).trials
    library.import_trials(seeds, origin="import")
    unregistered = [t.trial_id for t in seeds if not t.nct_id]
    assert unregistered
    with FakeCtgov([]) as api:
        result = update_library(library, [unregistered[0], "nct09999999"], base_url=api.base_url,
                                policy=FAST)
    assert result.not_registered == unregistered[:1]
    assert result.not_in_library == ["NCT09999999"]
    assert api.count() == 0


def test_a_changed_trial_whose_stored_record_is_damaged_is_listed_saying_why(watched, library):
    changed_id = nct_id_of(watched[0])
    with FakeCtgov(watched) as api:
        fetch_all(api, library, watched)
        api.put_study(sponsor_update(watched[0]))
        update_library(library, base_url=api.base_url, policy=FAST)
    with library.db.transaction() as conn:
        conn.execute("UPDATE trial_versions SET record = x'00' WHERE trial_id = ? AND number = 1", (changed_id,))
    [listed] = unreviewed_changes(library)
    assert listed.trial_id == changed_id and listed.title == library.digests(ids=[changed_id])[0].title != ""
    assert listed.changes is None and listed.lines == [
        f"The changes cannot be shown: {library.db.path}: the stored record of {changed_id} (version 1) cannot be read: "
        "damaged record: Error -5 while decompressing data: incomplete or truncated stream"]
