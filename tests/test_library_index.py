"""The search index kept in the library: a start loads the stored base and indexes only what was
written since; a new base merged from arrays answers as a fresh build; a damaged or outdated base
is built again, saying so, never answering wrongly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from array import array

import pytest

import trialtui.library_index as library_index_module
from trialtui.cli import main
from trialtui.search import SearchFilters, SearchIndex
from trialtui.search.vocab import Vocabulary
from trialtui.session import ReviewSession
from trialtui.store import Database
from trialtui.store.search_base import read_base

QUERIES = ["cisplatin", "pembrolizumab", "Boston", "Dana-Farber Cancer Institute", "Massachusets General",
           "Sun Yat-sen", "Zürich", "site:Houston", "carboplat", "NCT05078931", "zqamended", "lung cancer"]
CHILDREN_IN_US = SearchFilters(statuses=frozenset({"Recruiting"}), countries=frozenset({"United States"}),
                               patient_ages=frozenset({10}))


def amended(trials, word="zqamended"):
    """New versions of `trials`: each title gains `word`, each a later update date."""
    return [t.model_copy(update={"brief_title": f"{t.title} {word}", "last_update_posted": "2099-01-01"})
            for t in trials]


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts whole builds of the index (each the number of trials built over)."""
    counted: list[int] = []
    real = SearchIndex.build.__func__

    def build(cls, digests):
        digests = list(digests)
        counted.append(len(digests))
        return real(cls, digests)

    monkeypatch.setattr(SearchIndex, "build", classmethod(build))
    return counted


def started(say=None) -> ReviewSession:
    session = ReviewSession()
    session.load()
    session.build_index(say=say)
    return session


def ids(rows) -> list[str]:
    return [row.digest.trial_id for row in rows]


def test_a_start_after_an_update_indexes_only_the_trials_written_since(api_trials, builds):
    importing = ReviewSession()
    importing.library.import_trials(api_trials[:1000])
    importing.close()
    first = started()
    assert builds == [1005] and first.keep_index()  # the first start builds, once, and keeps it
    old_title = first.catalog.digest(api_trials[3].trial_id).title
    first.close()

    updating = ReviewSession()
    report = updating.library.import_trials(amended(api_trials[:200]) + api_trials[1000:])
    assert (report.updated, report.added) == (200, len(api_trials) - 1000)
    updating.close()

    lines = []
    second = started(say=lines.append)
    assert builds == [1005] and lines == [] and second.index_rebuilt is None
    assert second._opened.behind == 200 + len(api_trials) - 1000
    assert sorted(ids(second.rows("zqamended"))) == sorted(t.trial_id for t in api_trials[:200])
    new_one = api_trials[1100]
    assert new_one.trial_id in ids(second.rows(new_one.trial_id))
    # The old title is found no more as the old version: only as part of the new one.
    hits = second.rows(f'"{old_title}"')
    assert [row.digest.title for row in hits if row.digest.trial_id == api_trials[3].trial_id] == [
        f"{old_title} zqamended"]
    assert len(second.catalog) == len(api_trials) + 5
    second.close()


def test_the_app_s_own_imports_change_the_index_in_place(api_trials, builds):
    session = ReviewSession()
    session.library.import_trials(api_trials[:300])
    session.load()
    session.build_index()
    assert session.keep_index()
    before = len(builds)
    session.library.import_trials(amended(api_trials[:50]) + api_trials[300:400])
    assert session.take_library_changes() == 150
    assert len(builds) == before
    assert sorted(ids(session.rows("zqamended"))) == sorted(t.trial_id for t in api_trials[:50])
    assert api_trials[350].trial_id in session.catalog
    assert session.catalog.digest(api_trials[0].trial_id).title.endswith("zqamended")
    library_ids = [d.trial_id for d in session.catalog.digests[session.catalog.seed_count:]]
    assert library_ids == sorted(library_ids)  # a new trial goes in its place in the list
    assert session.take_library_changes() == 0
    session.close()


def test_a_merged_base_answers_as_a_fresh_build(api_trials, builds, monkeypatch):
    monkeypatch.setattr(library_index_module, "COMPACT_OVER", 100)
    first = ReviewSession()
    first.library.import_trials(api_trials[:700])
    library_index_module.refresh_base(first.library)
    assert builds == [700]
    first.library.import_trials(amended(api_trials[100:400]) + api_trials[700:])
    first.library.remove(api_trials[5].trial_id)
    base_before = read_base(first.library.db)
    library_index_module.refresh_base(first.library)  # 747 written since: merged, not built
    assert builds == [700]
    merged = read_base(first.library.db)
    assert merged.generation > base_before.generation
    first.close()

    session = started()
    assert builds == [700] and session._opened.behind == 0
    # Ties are ranked in the index's order (the base's, then the seeds): built in that order.
    fresh = SearchIndex.build([digest for digest in session._index._digests if digest is not None])
    for query in QUERIES:
        assert session._index.search(query, limit=30) == fresh.search(query, limit=30), query
        assert session._index.search(query, filters=CHILDREN_IN_US) == fresh.search(query, filters=CHILDREN_IN_US)
        assert list(session._index.matches(query)) == list(fresh.matches(query)), query
    assert api_trials[5].trial_id not in session._index
    assert len(session._index) == len(session.catalog) == len(api_trials) - 1 + 5
    session.close()


def test_a_start_leaves_out_the_base_s_trials_the_library_no_longer_holds(api_trials, builds):
    first = ReviewSession()
    first.library.import_trials(api_trials[:300])
    first.close()
    first = started()
    assert first.keep_index()
    first.close()
    changing = ReviewSession()
    gone = api_trials[5].trial_id
    assert changing.library.remove(gone)
    changing.library.import_trials(amended(api_trials[10:20]))
    changing.close()

    session = started()
    assert builds == [305] and session.index_rebuilt is None and session._opened.behind == 10
    assert gone not in session._index and gone not in ids(session.rows(gone))
    assert sorted(ids(session.rows("zqamended"))) == sorted(t.trial_id for t in api_trials[10:20])
    assert len(session._index) == len(session.catalog) == 299 + 5
    # Ties are ranked in the index's order (the base's, then those applied on top): built in that order.
    fresh = SearchIndex.build([digest for digest in session._index._digests if digest is not None])
    for query in QUERIES:
        assert session._index.search(query, limit=30) == fresh.search(query, limit=30), query
        assert list(session._index.matches(query)) == list(fresh.matches(query)), query
    session.close()


def test_a_damaged_base_is_built_again_saying_so(api_trials, builds):
    session = ReviewSession()
    session.library.import_trials(api_trials[:400])
    library_index_module.refresh_base(session.library)
    expected = {query: ids(started().rows(query)) for query in QUERIES[:4]}
    with session.library.db.transaction() as conn:  # postings pointing past the last trial
        data = conn.execute("SELECT data FROM search_base WHERE part = 'field0_docs'").fetchone()[0]
        conn.execute("UPDATE search_base SET data = ? WHERE part = 'field0_docs'", (b"\xff" * len(data),))
    session.close()
    lines = []
    damaged = started(say=lines.append)
    assert len(lines) == 1 and "damaged" in lines[0] and damaged.index_rebuilt == lines[0]
    assert builds[-1] == 405
    assert {query: ids(damaged.rows(query)) for query in expected} == expected
    assert damaged.keep_index()  # and kept whole again
    damaged.close()
    again = started(say=lines.append)
    assert len(lines) == 1 and {query: ids(again.rows(query)) for query in expected} == expected
    with again.library.db.transaction() as conn:  # a part cut short
        conn.execute("UPDATE search_base SET data = substr(data, 1, 10) WHERE part = 'terms'")
    again.close()
    cut = started(say=lines.append)
    assert len(lines) == 2 and "damaged" in lines[1]
    assert {query: ids(cut.rows(query)) for query in expected} == expected
    cut.close()


def test_a_base_made_by_another_version_is_built_again_and_the_old_file_goes(api_trials, builds, monkeypatch,
                                                                                trialtui_home, capsys):
    old_file = trialtui_home / "search-index.npz"
    old_file.write_bytes(b"an index file of an older trialtui")
    session = ReviewSession()
    session.library.import_trials(api_trials[:300])
    library_index_module.refresh_base(session.library)
    session.close()
    monkeypatch.setattr(library_index_module, "INDEX_LAYOUT", library_index_module.INDEX_LAYOUT + 1)
    capsys.readouterr()
    assert main(["search", "cancer", "--limit", "1000"]) == 0
    err = capsys.readouterr().err
    assert "made by another version of trialtui" in err and err.count("\n") == 1
    assert not old_file.exists()
    with Database.open() as db:
        assert read_base(db).layout == library_index_module.INDEX_LAYOUT  # kept for next time
    count = len(builds)
    assert main(["search", "cancer", "--limit", "1000"]) == 0
    assert len(builds) == count and capsys.readouterr().err == ""


def test_a_base_stored_before_the_blob_reader_is_kept_through_the_upgrade(api_trials, builds):
    session = ReviewSession()
    session.library.import_trials(api_trials[:300])
    library_index_module.refresh_base(session.library)
    path = session.library.db.path
    session.close()
    expected = {query: ids(started().rows(query)) for query in QUERIES[:4]}
    built = len(builds)
    older = sqlite3.connect(path)  # the base's table as trialtui kept it before: no row ids
    older.executescript("""
        ALTER TABLE search_base RENAME TO newer;
        CREATE TABLE search_base (part TEXT NOT NULL, chunk INTEGER NOT NULL, data BLOB NOT NULL,
                                  PRIMARY KEY (part, chunk)) WITHOUT ROWID;
        INSERT INTO search_base SELECT part, chunk, data FROM newer;
        DROP TABLE newer;
        PRAGMA user_version = 7;
    """)
    older.close()
    lines = []
    upgraded = started(say=lines.append)
    assert upgraded.library.db.backup is not None  # migrated on this open
    assert lines == [] and len(builds) == built and upgraded.index_rebuilt is None
    assert {query: ids(upgraded.rows(query)) for query in expected} == expected
    upgraded.close()


def test_import_keeps_the_base_and_search_loads_it(shared_data, builds, capsys):
    assert main(["import", str(shared_data / "ctgov-v2" / "api-page-boston.json")]) == 0
    assert builds == [45]
    assert "indexing the library for search (once)" in capsys.readouterr().err
    assert main(["search", "Massachusets General", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert builds == [45] and len(out) == 3 and all("facilities" in line for line in out)


def test_loading_the_base_and_searching_never_imports_the_compiler(api_trials, trialtui_home):
    """The build's compiled loops are the build's: a start that loads the base only loads."""
    session = ReviewSession()
    session.library.import_trials(api_trials[:200])
    library_index_module.refresh_base(session.library)
    session.close()
    script = """
import sys
from trialtui.session import ReviewSession
session = ReviewSession()
session.load()
session.build_index()
print(session.index_rebuilt, len(session.rows("cancer")) > 0, "numba" in sys.modules)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["None", "True", "False"]


def test_terms_added_on_top_of_the_base_are_placed_as_in_a_vocabulary_made_with_them():
    """Trials indexed on top of the base add their terms in place: prefix ranges and the order
    scoring reads (`positions`) match a vocabulary made from every term at once."""
    later = Vocabulary(["dinutuximab", "naxitamab", "cisplatin", "carboplatin"], array("I", [3, 1, 4, 2]))
    later.positions()
    later.extend(["carbogen", "cisplatin", "zidovudine", "acalabrutinib"])
    later.number("carboplatinum")
    whole = Vocabulary(list(later.terms), array("I", later.frequency))
    assert later.alphabetical().tolist() == whole.alphabetical().tolist()
    assert [p.tolist() for p in later.positions()] == [p.tolist() for p in whole.positions()]
    assert later.completions("carbo") == ["carbogen", "carboplatin", "carboplatinum"]
    assert later.prefix_range("ci") == whole.prefix_range("ci")
