"""`import_files` as the CLI and the import dialog use it: what it leaves behind besides the trials."""

from __future__ import annotations

import gc

from trialtui.file_import import import_files
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


def test_an_import_leaves_a_paused_collector_paused(shared_data, tmp_path):
    library = Library(Database.open(tmp_path / "library.sqlite3"))
    gc.disable()
    try:
        import_files([shared_data / "ctgov-v2" / "api-page-boston.json"], library)
        assert not gc.isenabled()
    finally:
        gc.enable()
