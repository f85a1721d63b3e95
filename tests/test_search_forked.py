"""A build shared with a forked child finds exactly what a build in one process does."""

from __future__ import annotations

import os

import pytest

from trialtui.digest import digest_trial
from trialtui.ingest import load_paths
from trialtui.search import SearchFilters, SearchIndex
from trialtui.search.forked import Forked, can_fork

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


@pytest.fixture(scope="module")
def one_and_two_processes(shared_data):
    result = load_paths([shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"])
    digests = [digest_trial(trial) for trial in result.trials]
    return SearchIndex.build(digests, parallel=False), SearchIndex.build(digests, parallel=True)


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
    assert set(two._vocab.terms) == set(one._vocab.terms)
    assert two._vocab.near("massachusets") == one._vocab.near("massachusets")
    houston = two._vocab.ids["houston"]
    assert two._vocab.frequency[houston] == one._vocab.frequency[one._vocab.ids["houston"]] > 0
