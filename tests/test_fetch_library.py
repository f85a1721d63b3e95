"""Fetching into the library: every study once, whole pages only, resume after an interruption."""

from __future__ import annotations

import threading

import pytest

from ctgov_server import FakeCtgov, Fault, nct_id_of
from trialtui.fetch.client import RetryPolicy
from trialtui.fetch.fetcher import FetchProgress, fetch_to_library
from trialtui.fetch.params import StudyQuery
from trialtui.fetch.resume import checkpoint_dir
from trialtui.store import Library

FAST = RetryPolicy(max_tries=3, base_delay=0.001, max_delay=1.0, min_interval=0.0, timeout=2.0)
PAGE = 20


@pytest.fixture
def studies(registry_studies):
    return registry_studies


def stored_ids(library: Library) -> list[str]:
    return [d.trial_id for d in library.digests()]


def versions_per_trial(library: Library, ids: list[str]) -> set[int]:
    return {len(library.versions(i)) for i in ids}


def test_a_multi_page_fetch_stores_every_study_once(studies, library):
    seen: list[FetchProgress] = []
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST,
                                  progress=seen.append)
    assert result.complete and result.error is None
    assert (result.pages, result.studies, result.added, result.updated) == (8, 150, 150, 0)
    assert result.total_count == 150
    assert sorted(stored_ids(library)) == sorted(nct_id_of(s) for s in studies)
    assert [p.pages for p in seen] == list(range(1, 9))
    assert seen[-1].studies == 150 and seen[-1].rate > 0
    assert not list(checkpoint_dir().glob("*.json"))
    trial = library.get(nct_id_of(studies[0]))
    assert trial.source.path == f"{api.base_url}/studies/{trial.trial_id}"


def test_fetching_again_adds_nothing(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
        again = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 150)
    assert versions_per_trial(library, stored_ids(library)) == {1}


def test_a_failure_at_page_3_keeps_whole_pages_and_resumes_without_duplicates(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.fail_page(3, *[Fault(status=500)] * FAST.max_tries)
        failed = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
        assert failed.error.startswith("fetch failed after 3 tries: HTTP 500 from http://127.0.0.1:")
        assert (failed.pages, failed.added) == (2, 2 * PAGE)
        assert sorted(stored_ids(library)) == sorted(nct_id_of(s) for s in studies[: 2 * PAGE])

        requests_before = api.count()
        resumed = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
        resumed_pages = [r.page for r in api.requests[requests_before:]]
    assert resumed.complete
    assert resumed.resumed_from_page == 3
    assert resumed_pages == [3, 4, 5, 6, 7, 8]
    assert (resumed.pages, resumed.studies, resumed.added) == (8, 150, 150)
    assert sorted(stored_ids(library)) == sorted(nct_id_of(s) for s in studies)
    assert versions_per_trial(library, stored_ids(library)) == {1}
    assert not list(checkpoint_dir().glob("*.json"))


def test_a_cancelled_fetch_stops_after_a_whole_page_and_resumes(studies, library):
    cancel = threading.Event()

    def cancel_after_page_2(progress: FetchProgress) -> None:
        if progress.pages == 2:
            cancel.set()

    with FakeCtgov(studies, max_page_size=PAGE) as api:
        stopped = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST,
                                   progress=cancel_after_page_2, cancel=cancel)
        assert stopped.cancelled and stopped.pages == 2
        assert api.count() == 2
        assert len(stored_ids(library)) == 2 * PAGE
        resumed = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert resumed.complete and resumed.resumed_from_page == 3
    assert sorted(stored_ids(library)) == sorted(nct_id_of(s) for s in studies)


def test_a_different_query_does_not_resume_anothers_checkpoint(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.fail_page(2, *[Fault(status=503)] * FAST.max_tries)
        fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
        other = fetch_to_library(StudyQuery.build(statuses=["completed"]), library,
                                 base_url=api.base_url, policy=FAST)
    assert other.complete and other.resumed_from_page is None
    assert len(list(checkpoint_dir().glob("*.json"))) == 1


def test_an_expired_page_token_starts_over(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.fail_page(3, *[Fault(status=500)] * FAST.max_tries)
        fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
        api.expire_page_tokens()
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert result.complete and result.restarted
    assert result.pages == 8
    assert (result.added, result.unchanged) == (150 - 2 * PAGE, 2 * PAGE)
    assert versions_per_trial(library, stored_ids(library)) == {1}


def test_a_page_that_cannot_be_read_is_not_half_stored(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.fail_page(2, *[Fault(truncate=True)] * FAST.max_tries)
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert "connection dropped" in result.error
    assert len(stored_ids(library)) == PAGE


def test_a_broken_study_is_skipped_and_the_rest_of_its_page_stored(studies, library):
    broken = dict(studies[0])
    broken["protocolSection"] = {**broken["protocolSection"], "statusModule": ["not", "an object"]}
    with FakeCtgov([broken, *studies[1:PAGE]], max_page_size=PAGE) as api:
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert result.complete
    assert result.added == PAGE - 1
    assert [line.split(":")[0] for line in result.skipped] == [nct_id_of(studies[0])]


def test_query_flags_reach_the_server(studies, library):
    query = StudyQuery.build(cond="cancer", statuses=["recruiting", "not yet recruiting"],
                             phases=["2", "phase 3"], nct_ids=["nct01234567"])
    with FakeCtgov(studies) as api:
        fetch_to_library(query, library, base_url=api.base_url, policy=FAST)
    params = api.requests[0].params
    assert params["query.cond"] == "cancer"
    assert params["filter.overallStatus"] == "RECRUITING,NOT_YET_RECRUITING"
    assert params["filter.advanced"] == "AREA[Phase](PHASE2 OR PHASE3)"
    assert params["filter.ids"] == "NCT01234567"
    assert params["pageSize"] == "1000"
