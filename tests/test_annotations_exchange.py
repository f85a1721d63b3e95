"""Export (JSON, CSV) and merging an export back in, conflicts reported."""

from __future__ import annotations

import csv
import io
import json

import pytest

from trialtui.store import Annotations, Database
from trialtui.store.exchange import ExchangeError, read_records


@pytest.fixture
def notes(tmp_path):
    with Database.open(tmp_path / "mine.sqlite3") as db:
        yield Annotations(db)


@pytest.fixture
def colleague(tmp_path):
    with Database.open(tmp_path / "theirs.sqlite3") as db:
        yield Annotations(db)


def annotate_sample(notes: Annotations) -> None:
    notes.set_note("NCT05000001", "Fits; ask about \"prior\" lines,\nsecond line")
    notes.set_tags("NCT05000001", ["breast", "her2"])
    notes.set_status("NCT05000001", "excluded", reason="ECOG 2")
    notes.set_star("NCT05000001", True)
    notes.set_item_mark("NCT05000001", "criterion:inclusion:3", "ask_site", "LVEF unknown")
    notes.set_status("NCT05000002", "shortlisted")
    notes.add_tag("NCT05000002", "gone")
    notes.remove_tag("NCT05000002", "gone")


def test_json_export_has_the_contract_shape(notes):
    annotate_sample(notes)
    records = json.loads(notes.export_json())
    assert [r["trial_id"] for r in records] == ["NCT05000001", "NCT05000002"]
    first = records[0]
    assert {"trial_id", "note", "tags", "status", "star", "updated"} <= set(first)
    assert first["tags"] == ["breast", "her2"]
    assert (first["status"], first["reason"], first["star"]) == ("excluded", "ECOG 2", True)
    assert first["items"] == {"criterion:inclusion:3": {"mark": "ask_site", "note": "LVEF unknown"}}
    assert first["updated"] == max(first["field_updated"].values())
    assert records[1]["removed_tags"] == ["gone"] and records[1]["tags"] == []


def test_csv_export_is_flat_with_one_row_per_trial(notes):
    annotate_sample(notes)
    rows = list(csv.DictReader(io.StringIO(notes.export_csv())))
    assert [r["trial_id"] for r in rows] == ["NCT05000001", "NCT05000002"]
    assert rows[0]["tags"] == "breast; her2"
    assert rows[0]["star"] == "true" and rows[0]["status"] == "excluded"
    assert rows[0]["note"] == "Fits; ask about \"prior\" lines,\nsecond line"


@pytest.mark.parametrize("export", ["export_json", "export_csv"])
def test_an_export_imported_elsewhere_gives_the_same_annotations(notes, colleague, export):
    annotate_sample(notes)
    report = colleague.import_records(read_records(getattr(notes, export)())[0])
    assert (report.added, report.updated, report.conflicts, report.skipped) == (2, 0, [], [])
    assert colleague.all() == notes.all()
    again = colleague.import_records(read_records(getattr(notes, export)())[0])
    assert (again.added, again.updated, again.unchanged, again.conflicts) == (0, 0, 2, [])


def test_merge_keeps_the_newer_value_per_field_and_lists_conflicts(notes, colleague):
    notes.set_note("NCT05000001", "my older note")
    notes.set_star("NCT05000001", True)
    colleague.set_note("NCT05000001", "their newer note")
    colleague.set_status("NCT05000001", "contacted")
    notes.set_status("NCT05000001", "enrolled")  # mine is newer here

    report = notes.import_records(read_records(colleague.export_json())[0])
    merged = notes.get("NCT05000001")
    assert merged.note == "their newer note"
    assert merged.status == "enrolled"
    assert merged.star is True  # only set here: untouched
    assert report.updated == 1
    conflicts = {(c.field, c.kept) for c in report.conflicts}
    assert conflicts == {("note", "incoming"), ("status", "local")}
    described = sorted(c.describe() for c in report.conflicts)
    assert described[0] == "NCT05000001 note: kept incoming 'their newer note' over local 'my older note'"
    assert any(c.local == "my older note" and c.incoming == "their newer note" for c in report.conflicts)


def test_tags_merge_as_a_union_and_newer_removals_apply(notes, colleague):
    notes.set_tags("NCT05000001", ["breast", "boston"])
    colleague.set_tags("NCT05000001", ["breast", "her2"])
    colleague.add_tag("NCT05000001", "boston")
    colleague.remove_tag("NCT05000001", "boston")  # they removed it after I added it
    notes.import_records(read_records(colleague.export_csv())[0])
    assert sorted(notes.get("NCT05000001").tags) == ["breast", "her2"]


def test_a_hand_written_file_merges_what_it_carries(notes):
    notes.set_star("NCT05000001", True)
    text = "trial_id,status,note\nNCT05000001,shortlisted,from the site visit\nNCT05000009,,\n"
    report = notes.import_records(read_records(text)[0])
    annotation = notes.get("NCT05000001")
    assert (annotation.status, annotation.note, annotation.star) == ("shortlisted", "from the site visit", True)
    assert (report.updated, report.unchanged, report.added) == (1, 1, 0)


def test_bad_records_are_skipped_and_named_the_rest_merge(notes):
    records = [
        {"trial_id": "NCT05000001", "status": "maybe"},
        {"note": "no id"},
        {"trial_id": "NCT05000002", "star": "yes please"},
        {"trial_id": "NCT05000003", "tags": ["ok"], "updated": "2024-05-01"},
    ]
    report = notes.import_records(records)
    assert [s.split(":")[0] for s in report.skipped] == ["record 1", "record 2", "record 3"]
    assert "unknown status 'maybe'" in report.skipped[0]
    assert report.added == 1
    assert notes.get("NCT05000003").tags == ("ok",)
    assert notes.get("NCT05000003").updated == "2024-05-01T00:00:00.000000+00:00"


def test_an_import_is_one_change_undo_reverts_it(notes, colleague):
    colleague.set_note("NCT05000001", "theirs")
    colleague.set_status("NCT05000002", "excluded")
    notes.import_records(read_records(colleague.export_json())[0])
    assert notes.undo().startswith("undid annotations import")
    assert notes.all()["NCT05000001"].is_empty and notes.all()["NCT05000002"].is_empty


@pytest.mark.parametrize("text", ["[{\"trial_id\": ", "[1, 2]", "just,some\ncsv,text\n", ""])
def test_files_that_are_not_exports_are_refused(text):
    with pytest.raises(ExchangeError):
        read_records(text)
