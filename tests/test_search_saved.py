"""A built index saved to disk loads back with the same answers, and only for the same trials."""

from __future__ import annotations

import trialtui.library_index as library_index_module
from trialtui.cli import main
from trialtui.ingest.loader import iter_records
from trialtui.models import Trial
from trialtui.search import SearchFilters, SearchIndex, saved
from trialtui.session import ReviewSession

QUERIES = ["cisplatin", "pembrolizumab", "Boston", "Dana-Farber Cancer Institute", "Massachusets General",
           "Sun Yat-sen", "Zürich", "site:Houston", "carboplat", "NCT05078931"]


def test_a_loaded_index_answers_as_the_built_one(api_digests, tmp_path):
    built = SearchIndex.build(api_digests)
    path = tmp_path / "index.npz"
    assert saved.save(built, path, "key")
    loaded = saved.load(path, "key", api_digests)
    recruiting_children = SearchFilters(statuses=frozenset({"Recruiting"}), country="United States",
                                        patient_age=10)
    for query in QUERIES:
        assert loaded.search(query, limit=20) == built.search(query, limit=20), query
        assert loaded.search(query, filters=recruiting_children) == built.search(query, filters=recruiting_children)
    assert loaded.search("", limit=5) == built.search("", limit=5)
    assert len(loaded) == len(built) and "NCT05078931" in loaded


def test_a_saved_index_is_only_for_the_trials_and_key_it_was_saved_for(api_digests, tmp_path):
    path = tmp_path / "index.npz"
    assert saved.save(SearchIndex.build(api_digests), path, "key")
    assert saved.load(path, "another key", api_digests) is None
    assert saved.load(path, "key", api_digests[1:]) is None
    assert saved.load(path, "key", [api_digests[1], api_digests[0], *api_digests[2:]]) is None
    assert saved.load(tmp_path / "missing.npz", "key", api_digests) is None
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    assert saved.load(path, "key", api_digests) is None


def test_an_index_changed_since_its_build_is_not_saved(api_digests, tmp_path):
    index = SearchIndex.build(api_digests[:100])
    index.add(api_digests[200])
    assert not saved.save(index, tmp_path / "index.npz", "key")
    assert not (tmp_path / "index.npz").exists()


def test_the_session_saves_a_large_library_index_and_loads_it_until_the_library_changes(
        shared_data, monkeypatch, trialtui_home):
    monkeypatch.setattr(library_index_module, "SAVE_INDEX_OVER", 10)
    trials = [t for t in iter_records(shared_data / "ctgov-v2" / "api-page-boston.json") if isinstance(t, Trial)]
    first = ReviewSession()
    first.library.import_trials(trials[:40])
    first.load()
    first.build_index()
    expected = [row.digest.trial_id for row in first.rows("Boston")]
    first.close()
    assert (trialtui_home / "search-index.npz").exists() and expected

    builds = []
    real_build = SearchIndex.build
    monkeypatch.setattr(SearchIndex, "build", classmethod(lambda cls, d: builds.append(1) or real_build(d)))
    second = ReviewSession()
    second.load()
    second.build_index()
    assert builds == [] and [row.digest.trial_id for row in second.rows("Boston")] == expected

    second.library.import_trials(trials[40:])
    second.load()
    second.build_index()
    assert builds == [1]
    assert len(second.rows("Boston")) > len(expected)
    second.close()


def test_the_search_command_uses_the_index_the_app_saved(shared_data, monkeypatch, trialtui_home, capsys):
    monkeypatch.setattr(library_index_module, "SAVE_INDEX_OVER", 10)
    trials = [t for t in iter_records(shared_data / "ctgov-v2" / "api-page-boston.json") if isinstance(t, Trial)]
    session = ReviewSession()
    session.library.import_trials(trials)
    session.load()
    session.build_index()
    session.close()
    builds = []
    real_build = SearchIndex.build
    monkeypatch.setattr(SearchIndex, "build", classmethod(lambda cls, d: builds.append(1) or real_build(d)))
    capsys.readouterr()
    assert main(["search", "Massachusets General", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert builds == [] and len(out) == 3 and all("facilities" in line for line in out)
