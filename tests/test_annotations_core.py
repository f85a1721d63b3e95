"""Annotations: fields, tags, marks, undo, and that they outlive re-imports of the trial."""

from __future__ import annotations

import pytest

from trialtui.models import Trial
from trialtui.store import Annotations, Database, Library, TrialAnnotation
from trialtui.store.annotations import NOTE_SEPARATOR


@pytest.fixture
def db(tmp_path):
    with Database.open(tmp_path / "trialtui.sqlite3") as database:
        yield database


def test_an_unannotated_trial_has_defaults(db):
    annotation = Annotations(db).get("NCT03000001")
    assert annotation == TrialAnnotation(trial_id="NCT03000001")
    assert annotation.is_empty and annotation.status == "unreviewed" and annotation.updated == ""


def test_every_field_is_stored_when_made_and_read_back_by_another_connection(db, tmp_path):
    notes = Annotations(db)
    notes.set_note("NCT03000001", "Good fit.\nAsk about brain mets.")
    notes.add_tag("NCT03000001", "  her2   positive ")
    notes.add_tag("NCT03000001", "phase 2")
    notes.set_status("NCT03000001", "excluded", reason="prior anti-PD-1")
    notes.set_star("NCT03000001", True)
    notes.set_item_mark("NCT03000001", "criterion:inclusion:3", "fails", note="ANC 1.2")
    notes.set_item_mark("NCT03000001", "threshold:platelets:lower", "ask_site")

    with Database.open(tmp_path / "trialtui.sqlite3") as other:
        annotation = Annotations(other).get("NCT03000001")
    assert annotation.note == "Good fit.\nAsk about brain mets."
    assert annotation.tags == ("her2 positive", "phase 2")
    assert (annotation.status, annotation.reason, annotation.star) == ("excluded", "prior anti-PD-1", True)
    assert annotation.items["criterion:inclusion:3"].mark == "fails"
    assert annotation.items["criterion:inclusion:3"].note == "ANC 1.2"
    assert annotation.items["threshold:platelets:lower"].mark == "ask_site"
    assert annotation.updated == max(item.updated for item in annotation.items.values())
    assert not annotation.is_empty


def test_bad_values_are_refused_before_anything_is_written(db):
    notes = Annotations(db)
    with pytest.raises(ValueError, match="unknown status 'maybe'"):
        notes.set_status("NCT03000001", "maybe")
    with pytest.raises(ValueError, match="unknown mark"):
        notes.set_item_mark("NCT03000001", "criterion:inclusion:1", "passes")
    with pytest.raises(ValueError):
        notes.add_tag("NCT03000001", "   ")
    with pytest.raises(ValueError):
        notes.add_tag("NCT03000001", "a;b")
    assert notes.all() == {}


def test_tags_are_added_and_removed_as_operations(db):
    window_a, window_b = Annotations(db), Annotations(db)
    window_a.set_tags("NCT03000001", ["breast", "her2"])
    editor_started_from = window_a.get("NCT03000001").tags
    window_b.add_tag("NCT03000001", "boston")  # another window adds while the editor is open
    window_a.set_tags("NCT03000001", ["her2", "phase 2"], seen=editor_started_from)
    assert window_a.get("NCT03000001").tags == ("her2", "boston", "phase 2")
    window_a.set_tags("NCT03000001", ["her2"])  # without `seen`: exactly these
    assert window_a.get("NCT03000001").tags == ("her2",)
    window_a.remove_tag("NCT03000001", "her2")
    assert window_a.get("NCT03000001").tags == ()


def test_all_tags_are_most_used_first(db):
    notes = Annotations(db)
    for trial in ("NCT1", "NCT2", "NCT3"):
        notes.add_tag(trial, "breast")
    notes.add_tag("NCT1", "zeta")
    notes.add_tag("NCT2", "zeta")
    notes.add_tag("NCT1", "alpha")
    notes.add_tag("NCT2", "removed")
    notes.remove_tag("NCT2", "removed")
    assert notes.all_tags() == ["breast", "zeta", "alpha"]


def test_clearing_an_item_mark(db):
    notes = Annotations(db)
    notes.set_item_mark("NCT1", "criterion:exclusion:2", "meets", "checked labs")
    notes.set_item_mark("NCT1", "criterion:exclusion:2", None)
    assert notes.get("NCT1").items == {}


def test_all_lists_every_annotated_trial(db):
    notes = Annotations(db)
    notes.set_star("NCT2", True)
    notes.set_status("NCT1", "shortlisted")
    everything = notes.all()
    assert list(everything) == ["NCT1", "NCT2"]
    assert everything["NCT1"].status == "shortlisted" and everything["NCT2"].star


def test_undo_reverts_this_objects_changes_newest_first(db):
    notes = Annotations(db)
    assert notes.undo() is None
    notes.set_status("NCT1", "shortlisted")
    notes.set_note("NCT1", "first")
    notes.set_note("NCT1", "second")
    notes.set_status("NCT1", "excluded", reason="age")

    assert notes.undo() == "undid status Shortlisted → Excluded on NCT1"
    assert (notes.get("NCT1").status, notes.get("NCT1").reason) == ("shortlisted", "")
    assert notes.undo() == "undid note on NCT1"
    assert notes.get("NCT1").note == "first"
    notes.undo()
    notes.undo()
    assert notes.get("NCT1").is_empty
    assert notes.undo() is None


def test_undo_leaves_another_windows_later_edit(db):
    mine, theirs = Annotations(db), Annotations(db)
    mine.set_note("NCT1", "mine")
    mine.set_star("NCT1", True)
    theirs.set_note("NCT1", "theirs, later")
    assert theirs.undo() == "undid note on NCT1"  # their own edit only
    assert mine.get("NCT1").note == "mine"
    theirs.set_note("NCT1", "theirs again")
    assert mine.undo() == "undid star on NCT1"
    message = mine.undo()
    assert "changed in another window" in message
    assert mine.get("NCT1").note == "theirs again"


def test_unchanged_values_are_not_new_edits(db):
    notes = Annotations(db)
    notes.set_note("NCT1", "same")
    before = notes.get("NCT1").updated
    notes.set_note("NCT1", "same")
    notes.set_star("NCT1", False)
    assert notes.get("NCT1").updated == before
    assert notes.undo() == "undid note on NCT1"
    assert notes.undo() is None


def test_a_new_edit_wins_over_a_clock_that_ran_ahead(db):
    notes = Annotations(db)
    notes.set_note("NCT1", "from a machine with a fast clock")
    with db.transaction() as conn:
        conn.execute("UPDATE annotation_fields SET updated = '2999-01-01T00:00:00.000000+00:00'")
    notes.set_note("NCT1", "now")
    annotation = notes.get("NCT1")
    assert annotation.note == "now"
    assert annotation.updated > "2999-01-01T00:00:00.000000+00:00"


def test_annotations_survive_reimports_new_versions_and_removal(db):
    library, notes = Library(db), Annotations(db)
    trial = Trial(trial_id="NCT04000001", brief_title="Old", last_update_posted="2024-01-01")
    library.import_trials([trial])
    notes.set_status("NCT04000001", "contacted")
    notes.add_tag("NCT04000001", "boston")
    library.import_trials([trial.model_copy(update={"brief_title": "New", "last_update_posted": "2024-06-01"})])
    library.import_trials([trial.model_copy(update={"brief_title": "New", "last_update_posted": "2024-06-01"})])
    assert len(library.versions("NCT04000001")) == 2
    library.remove("NCT04000001")
    library.import_trials([trial])
    annotation = notes.get("NCT04000001")
    assert (annotation.status, annotation.tags) == ("contacted", ("boston",))


def test_undo_says_what_the_edit_changed(db):
    notes = Annotations(db)
    notes.set_item_mark("NCT1", "threshold:platelets:lower", "meets")
    notes.set_item_mark("NCT1", "threshold:platelets:lower", "meets", note="ask for last count")
    notes.set_tags("NCT1", ["peds", "phase 1"])
    notes.set_star("NCT1", True)
    notes.set_star("NCT1", False)
    assert notes.undo() == "undid star removal on NCT1"
    assert notes.undo() == "undid star on NCT1"
    assert notes.undo() == "undid tag 'peds', 'phase 1' added on NCT1"
    assert notes.undo() == "undid note on the platelets threshold on NCT1"
    assert notes.undo() == "undid mark “patient meets” on the platelets threshold on NCT1"


def test_a_note_changed_elsewhere_is_kept_before_the_editors(db):
    mine, theirs = Annotations(db), Annotations(db)
    mine.set_note("NCT1", "first")
    theirs.set_note("NCT1", "theirs")
    assert mine.set_note("NCT1", "first, then mine", seen="first") == (
        f"theirs\n{NOTE_SEPARATOR}\nfirst, then mine", True)
    assert mine.get("NCT1").note == f"theirs\n{NOTE_SEPARATOR}\nfirst, then mine"
    theirs.set_note("NCT1", "")
    assert mine.set_note("NCT1", "mine alone", seen="theirs") == ("mine alone", True)
    assert mine.set_note("NCT1", "mine again", seen="mine alone") == ("mine again", False)


def test_only_another_connections_writes_count_as_elsewhere(tmp_path):
    with Database.open(tmp_path / "a.sqlite3") as here, Database.open(tmp_path / "a.sqlite3") as there:
        notes = Annotations(here)
        assert notes.changed_elsewhere() is False
        notes.set_note("NCT1", "mine")
        assert notes.changed_elsewhere() is False
        Annotations(there).set_star("NCT1", True)
        assert notes.changed_elsewhere() is True
        assert notes.changed_elsewhere() is False


def test_a_merged_record_holding_a_lone_surrogate_is_skipped_and_the_rest_stored(db):
    notes = Annotations(db)
    report = notes.import_records([{"trial_id": "NCT00000001", "note": "fine"},
                                   {"trial_id": "NCT44444444", "note": "a\ud800b"},
                                   {"trial_id": "NCT44444445", "items": {"k\udfff": {"mark": "meets"}}}])
    assert report.skipped == [
        "record 2: note holds \\ud800, which is not text (a byte that is not UTF-8, or half of a \\u surrogate pair)",
        "record 3: an item key holds \\udfff, which is not text (a byte that is not UTF-8, or half of a \\u surrogate pair)"]
    assert notes.get("NCT00000001").note == "fine"
    assert set(notes.all()) == {"NCT00000001"}
