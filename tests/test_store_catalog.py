"""Seeds plus library, as the app and the commands open them: one digest per trial."""

from __future__ import annotations

import pytest

from trialtui.catalog import load_default
from trialtui.models import Provenance, Trial
from trialtui.store import Database, Library

SEED_IDS = ["NCT06751134", "NCT06674265", "NCT06836505", "NCT06631040", "TT-6105b303ddf7"]


def make_trial(trial_id: str, updated: str, title: str) -> Trial:
    return Trial(trial_id=trial_id, nct_id=trial_id, brief_title=title, overall_status="RECRUITING",
                 last_update_posted=updated, source=Provenance(path="import.json", format="ctgov-v2"))


@pytest.fixture
def library(tmp_path):
    with Database.open(tmp_path / "library.sqlite3") as db:
        yield Library(db)


def test_seeds_first_then_the_library_in_id_order(library):
    library.import_trials([make_trial("NCT01000002", "2024-01-01", "Second"),
                           make_trial("NCT01000001", "2024-01-01", "First")])
    catalog = load_default(library)
    assert [d.trial_id for d in catalog.digests] == [*SEED_IDS, "NCT01000001", "NCT01000002"]
    assert catalog.digest("NCT01000001").title == "First"
    assert catalog.trial("NCT01000002").brief_title == "Second"
    assert catalog.digest("NCT06751134").origin == "seeds"


def test_a_seed_updated_in_the_library_shows_once_in_the_seeds_place(library):
    library.import_trials([make_trial("NCT06674265", "2025-06-01", "Updated in the registry"),
                           make_trial("NCT01000001", "2024-01-01", "Before"),
                           make_trial("NCT09000001", "2024-01-01", "After")])
    catalog = load_default(library)
    assert [d.trial_id for d in catalog.digests] == [*SEED_IDS, "NCT01000001", "NCT09000001"]
    shown = catalog.digests[1]
    assert (shown.origin, shown.title) == ("library", "Updated in the registry")
    assert catalog.digest("NCT06674265") is shown
    assert catalog.trial("NCT06674265").brief_title == "Updated in the registry"


def test_an_older_library_copy_of_a_seed_leaves_the_seed_shown(library):
    library.import_trials([make_trial("NCT06751134", "2020-01-01", "An old version"),
                           make_trial("NCT06751135", "2024-01-01", "Next")])
    catalog = load_default(library)
    assert [d.trial_id for d in catalog.digests] == [*SEED_IDS, "NCT06751135"]
    assert catalog.digest("NCT06751134").origin == "seeds"
    assert catalog.trial("NCT06751134").brief_title.startswith("Chimeric Natural Killer")


def test_ids_resolve_and_unknown_ids_have_no_record(library):
    library.import_trials([make_trial("NCT01000001", "2024-01-01", "First")])
    catalog = load_default(library)
    assert catalog.resolve("nct01000001") == "NCT01000001"
    assert "NCT06751134" in catalog and "NCT05555555" not in catalog
    assert catalog.digest("NCT05555555") is None and catalog.trial("NCT05555555") is None


def test_the_first_rows_come_first_in_the_list_order_with_the_whole_count(library):
    library.import_trials([make_trial("NCT06674265", "2025-06-01", "Updated in the registry"),
                           *(make_trial(f"NCT0100000{n}", "2024-01-01", f"Library {n}") for n in range(1, 6))])
    seen = []

    def first(head, total):
        seen.append(([d.trial_id for d in head.digests], total, head.digests[1].title,
                     head.trial("NCT01000002").brief_title))

    catalog = load_default(library, first=first, first_rows=7)
    ids = [d.trial_id for d in catalog.digests]
    assert ids == [*SEED_IDS, *(f"NCT0100000{n}" for n in range(1, 6))]
    assert seen == [(ids[:7], 10, "Updated in the registry", "Library 2")]


def test_no_first_rows_when_the_whole_list_is_no_longer(library):
    library.import_trials([make_trial("NCT01000001", "2024-01-01", "First")])
    seen = []
    catalog = load_default(library, first=lambda head, total: seen.append(total), first_rows=6)
    assert len(catalog) == 6 and seen == []
