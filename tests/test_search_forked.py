"""A build shared with a forked child finds exactly what a build in one process does."""

from __future__ import annotations

import os

import pytest

from trialtui.digest import digest_trial
from trialtui.search import SearchFilters, SearchIndex
from trialtui.search import index as search_index
from trialtui.search.forked import Claims, Forked, can_fork
from trialtui.store import Database, Library

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a second core")


def test_the_work_runs_in_another_process():
    here = os.getpid()
    assert Forked(os.getpid).result() != here


def test_a_child_that_dies_leaves_the_work_to_the_parent():
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os._exit(3)  # killed part way, before writing anything
        return parent

    assert Forked(work).result() == parent


def test_claims_hand_each_task_to_one_process_once():
    with Claims(range(200)) as claims:
        child = Forked(lambda: list(claims))
        mine = list(claims)
    assert sorted(mine + child.result()) == list(range(200))


def test_fields_a_dying_child_claimed_are_posted_by_the_parent(api_digests, monkeypatch):
    parent = os.getpid()
    child_share = search_index._child_share

    def claim_one_and_die(digests, claims):
        if os.getpid() != parent:
            next(iter(claims))  # a field taken and never handed back
            os._exit(3)
        return child_share(digests, claims)  # run here when the child failed: no field left to claim

    one = SearchIndex.build(api_digests, parallel=False)
    monkeypatch.setattr(search_index, "_child_share", claim_one_and_die)
    two = SearchIndex.build(api_digests, parallel=True)
    assert two.search("Dana-Farber Cancer Institute", limit=20) == one.search("Dana-Farber Cancer Institute", limit=20)
    assert two.search("site:Houston", limit=20)


def test_a_build_that_fails_leaves_no_child_behind(api_digests, monkeypatch):
    parent = os.getpid()
    post_fields = search_index._post_fields

    def fail_in_the_parent(values, table):
        if os.getpid() == parent:
            raise MemoryError("no room for the postings")
        return post_fields(values, table)

    monkeypatch.setattr(search_index, "_post_fields", fail_in_the_parent)
    with pytest.raises(MemoryError):
        SearchIndex.build(api_digests, parallel=True)
    with pytest.raises(ChildProcessError):  # the child sharing the build is reaped, not left waiting
        os.waitpid(-1, os.WNOHANG)


@pytest.fixture(scope="module")
def one_and_two_processes(api_digests):
    return SearchIndex.build(api_digests, parallel=False), SearchIndex.build(api_digests, parallel=True)


@pytest.mark.parametrize("query", [
    "Boston", "Dana-Farber Cancer Institute", "Massachusets General", "Sun Yat-sen", "Zürich",
    "site:Houston", "site:texas cancer", "carboplat", "Guangzhou cisplatin", "Mayo Clinic Rochester",
])
def test_sites_posted_by_the_child_are_found_as_in_one_process(one_and_two_processes, query):
    one, two = one_and_two_processes
    assert two.search(query, limit=20) == one.search(query, limit=20)
    assert two.search(query, limit=20)


def test_filters_and_vocabulary_agree(one_and_two_processes):
    one, two = one_and_two_processes
    texas = SearchFilters(country="United States", statuses=frozenset({"RECRUITING"}))
    assert two.search("hospital", limit=30, filters=texas) == one.search("hospital", limit=30, filters=texas)
    # the same words, typo neighbours and word frequencies (the scores weigh words by them)
    for word in ("massachusets", "houston", "carboplatin", "pembrolizumba", "glioma", "zurichh"):
        assert two.search(word, limit=30) == one.search(word, limit=30)
    assert one.search("massachusets", limit=1) and one.search("houston", limit=1)


def test_a_library_read_lazily_is_indexed_alike_in_two_processes(api_trials, tmp_path):
    # A library's digests read their search fields from the database on first use: the child
    # reads them in its copy, the parent in its own, neither waiting on the other.
    with Database.open(tmp_path / "library.sqlite3") as db:
        Library(db).import_trials(api_trials)
        one = SearchIndex.build(Library(db).digests(), parallel=False)
        lazy = Library(db).digests()
        two = SearchIndex.build(lazy, parallel=True)
    for query in ("Boston", "site:Houston", "Sun Yat-sen", "Massachusets General"):
        assert two.search(query, limit=20) == one.search(query, limit=20)
        assert two.search(query, limit=20)
    assert lazy[0].facilities == digest_trial(next(t for t in api_trials if t.nct_id == lazy[0].trial_id)).facilities
