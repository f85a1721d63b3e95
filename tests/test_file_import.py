"""`import_files` as the CLI and the import dialog use it: what it leaves behind besides the trials."""

from __future__ import annotations

import gc

from trialtui.file_import import import_files
from trialtui.library_index import open_index, refresh_base
from trialtui.store import Database, Library, StoreError


def test_the_cycle_collector_runs_again_after_an_import_also_a_refused_one(shared_data, tmp_path, monkeypatch):
    library = Library(Database.open(tmp_path / "library.sqlite3"))
    source = shared_data / "ctgov-v2" / "website-export-nsclc.json"
    assert gc.isenabled()
    done = import_files([source], library)
    assert gc.isenabled() and done.added > 0 and library.count() == done.added

    def refused(trials, origin="import"):
        raise StoreError("the disk is full")

    monkeypatch.setattr(library, "import_trials", refused)
    failed = import_files([source], library)
    assert failed.error == "the disk is full" and gc.isenabled()


def test_the_cycles_an_import_leaves_are_collected_every_few_batches(shared_data, tmp_path, monkeypatch):
    """While the collector is paused, the young generations are collected after every
    COLLECT_EVERY trials stored (here three batches of 100): 1,147 trials, three collections."""
    from trialtui import file_import

    collected = []
    monkeypatch.setattr(file_import, "BATCH", 100)
    monkeypatch.setattr(file_import, "COLLECT_EVERY", 300)
    monkeypatch.setattr(file_import.gc, "collect", lambda generation=2: collected.append(generation) or 0)
    done = import_files([shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"], Library(Database.open(tmp_path / "db")))
    assert done.added == 1147 and collected == [1, 1, 1]

def test_an_import_leaves_a_paused_collector_paused(shared_data, tmp_path):
    library = Library(Database.open(tmp_path / "library.sqlite3"))
    gc.disable()
    try:
        import_files([shared_data / "ctgov-v2" / "api-page-boston.json"], library)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_digests_an_import_keeps_are_the_ones_the_library_stored(shared_data, tmp_path):
    library = Library(Database.open(tmp_path / "library.sqlite3"))
    done = import_files([shared_data / "ctgov-v2" / "api-page-boston.json"], library, keep_digests=True)
    assert done.added == 45 and done.generation == library.generation()
    stored = {digest.trial_id: digest for digest in library.digests()}
    assert sorted(done.written) == sorted(stored)
    assert all(stored[trial_id] == digest for trial_id, digest in done.written.items())
    again = import_files([shared_data / "ctgov-v2" / "api-page-boston.json"], library, keep_digests=True)
    assert again.unchanged == 45 and again.written == {}


def test_a_base_made_after_another_writer_reads_what_it_wrote_not_the_kept_digests(shared_data, tmp_path):
    library = Library(Database.open(tmp_path / "library.sqlite3"))
    done = import_files([shared_data / "ctgov-v2" / "api-page-boston.json"], library, keep_digests=True)
    first = library.get(sorted(done.written)[0])
    library.import_trials([first.model_copy(update={"brief_title": f"{first.title} zqamended",
                                                    "last_update_posted": "2099-01-01"})])
    refresh_base(library, written=done.written, as_of=done.generation)
    opened = open_index(library.digests(), library, library.generation())
    assert opened.rebuilt is None  # the base just made
    assert [hit.trial_id for hit in opened.index.search("zqamended")] == [first.trial_id]
