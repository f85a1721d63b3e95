"""The API client against the local fake server: paging, politeness, retries, clear failures."""

from __future__ import annotations

import threading
import time

import pytest

from ctgov_server import FakeCtgov, Fault, load_studies, nct_id_of
from trialtui.fetch.client import (
    DEFAULT_BASE_URL,
    CtgovClient,
    FetchCancelled,
    FetchError,
    Retrying,
    RetryPolicy,
    resolve_base_url,
)
from trialtui.fetch.params import StudyQuery

FAST = RetryPolicy(max_tries=5, base_delay=0.001, max_delay=1.0, min_interval=0.0, timeout=2.0)


@pytest.fixture
def boston(shared_data):
    return load_studies(shared_data / "ctgov-v2" / "api-page-boston.json")


def test_every_page_is_followed_with_the_largest_page_size(boston):
    with FakeCtgov(boston, max_page_size=10) as api, CtgovClient(api.base_url, FAST) as client:
        pages = list(client.iter_pages(StudyQuery().api_params()))
    assert [len(p.studies) for p in pages] == [10, 10, 10, 10, 5]
    assert pages[0].total_count == 45
    fetched = [nct_id_of(s) for p in pages for s in p.studies]
    assert sorted(fetched) == sorted(nct_id_of(s) for s in boston)
    assert all(r.params["pageSize"] == "1000" for r in api.requests)
    assert "pageToken" not in api.requests[0].params
    assert all("pageToken" in r.params for r in api.requests[1:])


def test_requests_are_spaced_by_the_minimum_interval(boston):
    policy = RetryPolicy(min_interval=0.05, base_delay=0.001)
    with FakeCtgov(boston, max_page_size=10) as api, CtgovClient(api.base_url, policy) as client:
        started = time.monotonic()
        list(client.iter_pages({"pageSize": "1000"}))
        elapsed = time.monotonic() - started
    assert api.count() == 5
    assert elapsed >= 4 * 0.05


def test_429_waits_as_long_as_retry_after_says(boston):
    retries: list[Retrying] = []
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST, on_retry=retries.append) as client:
        api.fail_next(Fault(status=429, retry_after="0.2"))
        started = time.monotonic()
        page = client.studies_page({"pageSize": "1000"})
        elapsed = time.monotonic() - started
    assert len(page.studies) == 45
    assert elapsed >= 0.2
    assert [(r.attempt, r.delay) for r in retries] == [(1, 0.2)]
    assert "HTTP 429" in retries[0].reason
    assert [r.status for r in api.requests] == [429, 200]


def test_a_retry_after_longer_than_the_longest_wait_is_reported_not_slept(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(Fault(status=429, retry_after="3600"))
        with pytest.raises(FetchError, match="asks to wait 3600 s"):
            client.studies_page({"pageSize": "1000"})
    assert api.count() == 1


@pytest.mark.parametrize(
    "fault",
    [Fault(status=500), Fault(status=503), Fault(truncate=True), Fault(status=200, body=b'{"studies": [')],
    ids=["500", "503", "truncated-connection", "truncated-json"],
)
def test_transient_failures_are_retried(boston, fault):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(fault, fault)
        page = client.studies_page({"pageSize": "1000"})
    assert len(page.studies) == 45
    assert api.count() == 3


def test_a_slow_answer_times_out_and_is_retried(boston):
    policy = RetryPolicy(base_delay=0.001, min_interval=0.0, timeout=0.2)
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, policy) as client:
        api.fail_next(Fault(status=200, delay=0.5))
        page = client.studies_page({"pageSize": "1000"})
    assert len(page.studies) == 45


def test_persistent_500_is_reported_after_the_last_try(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(*[Fault(status=500)] * 5)
        with pytest.raises(FetchError) as failure:
            client.studies_page({"pageSize": "1000"})
    message = str(failure.value)
    assert message.startswith("fetch failed after 5 tries: HTTP 500 from http://127.0.0.1:")
    assert "/api/v2/studies?" in message
    assert api.count() == 5


def test_a_bad_request_is_not_retried(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        with pytest.raises(FetchError, match="HTTP 400 .*Invalid pageToken"):
            client.studies_page({"pageSize": "1000"}, page_token="not-a-token")
    assert api.count() == 1


def test_an_unreachable_server_is_reported():
    with FakeCtgov([]) as api:
        base_url = api.base_url
    policy = RetryPolicy(max_tries=2, base_delay=0.001, min_interval=0.0, timeout=1.0)
    with CtgovClient(base_url, policy) as client, pytest.raises(FetchError, match="could not connect"):
        client.studies_page({})


def test_cancel_interrupts_a_back_off_at_once(boston):
    cancel = threading.Event()
    policy = RetryPolicy(base_delay=30.0, max_delay=60.0, min_interval=0.0, timeout=2.0)
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, policy, cancel=cancel,
                                               on_retry=lambda _: cancel.set()) as client:
        api.fail_next(Fault(status=503))
        started = time.monotonic()
        with pytest.raises(FetchCancelled):
            client.studies_page({})
    assert time.monotonic() - started < 5


def test_one_study_and_a_missing_one(boston):
    nct_id = nct_id_of(boston[0])
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        assert nct_id_of(client.study(nct_id)) == nct_id
        assert client.study("NCT00000000") is None


def test_base_url_comes_from_the_flag_then_the_environment(monkeypatch):
    monkeypatch.delenv("TRIALTUI_API_URL", raising=False)
    assert resolve_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv("TRIALTUI_API_URL", "http://127.0.0.1:9/api/v2/")
    assert resolve_base_url() == "http://127.0.0.1:9/api/v2"
    assert resolve_base_url("http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"
