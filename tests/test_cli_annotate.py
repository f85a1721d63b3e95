"""`trialtui annotate` and `trialtui annotations export|import`, as scripts use them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from conftest import unreadable_inputs
from hostile_records import store_under_made_up_id
from trialtui.cli import main
from trialtui.store import Annotations, Database


def stored(trial_id: str):
    with Database.open() as db:
        return Annotations(db).get(trial_id)


def test_annotate_records_every_option_and_prints_the_result(capsys):
    status = main(["annotate", "NCT08000001", "--note", "Call the site\nabout LVEF", "--tag", "breast",
                   "--tag", "her2", "--status", "excluded", "--reason", "ECOG 2", "--star"])
    out = capsys.readouterr().out
    assert status == 0
    assert out == "NCT08000001: excluded (ECOG 2), starred, tags: breast, her2, note: Call the site …\n"
    annotation = stored("NCT08000001")
    assert annotation.note == "Call the site\nabout LVEF"
    assert (annotation.status, annotation.reason, annotation.star) == ("excluded", "ECOG 2", True)

    assert main(["annotate", "NCT08000001", "--untag", "breast", "--no-star"]) == 0
    annotation = stored("NCT08000001")
    assert (annotation.tags, annotation.star, annotation.note) == (("her2",), False, "Call the site\nabout LVEF")


def test_unknown_status_is_one_line_and_exit_2(capsys):
    assert main(["annotate", "NCT08000001", "--status", "maybe", "--tag", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("trialtui: annotate: unknown status 'maybe'")
    assert stored("NCT08000001").is_empty  # nothing half-applied


def test_usage_errors(capsys):
    assert main(["annotate", "NCT08000001"]) == 2
    assert main(["annotate", "NCT08000001", "--reason", "why"]) == 2
    assert main(["annotate", "NCT08000001", "--tag", "a;b"]) == 2
    assert main(["annotations"]) == 2
    assert all(line.startswith("trialtui: ") for line in capsys.readouterr().err.splitlines())


def test_export_json_and_csv(capsys):
    main(["annotate", "NCT08000002", "--status", "shortlisted", "--tag", "boston"])
    main(["annotate", "NCT08000001", "--note", "first"])
    capsys.readouterr()

    assert main(["annotations", "export"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["trial_id"], r["status"], r["tags"], r["note"], r["star"]) for r in records] == [
        ("NCT08000001", "unreviewed", [], "first", False),
        ("NCT08000002", "shortlisted", ["boston"], "", False),
    ]
    assert all(r["updated"] for r in records)

    assert main(["annotations", "export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["trial_id"], r["status"], r["tags"]) for r in rows] == [
        ("NCT08000001", "unreviewed", ""), ("NCT08000002", "shortlisted", "boston")
    ]


def test_import_merges_and_reports_conflicts(capsys, tmp_path, monkeypatch, trialtui_home):
    main(["annotate", "NCT08000001", "--note", "mine, older"])
    colleague_home = tmp_path / "colleague"
    monkeypatch.setenv("TRIALTUI_HOME", str(colleague_home))
    main(["annotate", "NCT08000001", "--note", "theirs, newer", "--star"])
    main(["annotate", "NCT08000003", "--status", "contacted"])
    capsys.readouterr()
    main(["annotations", "export", "--format", "csv"])
    shared = tmp_path / "from-colleague.csv"
    shared.write_text(capsys.readouterr().out)
    monkeypatch.setenv("TRIALTUI_HOME", str(trialtui_home))

    assert main(["annotations", "import", str(shared)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{shared}: 1 added, 1 updated, 0 unchanged, 1 conflict"
    assert out[1] == "conflict: NCT08000001 note: kept incoming 'theirs, newer' over local 'mine, older'"
    assert stored("NCT08000001").note == "theirs, newer" and stored("NCT08000001").star
    assert stored("NCT08000003").status == "contacted"


def test_a_csv_export_with_carriage_returns_has_one_row_per_trial_and_imports_back_exactly(
        capsys, tmp_path, monkeypatch):
    notes = {"NCT08000001": "a\rb\r", "NCT08000002": "=cmd", "NCT08000003": "dose 5mg\r\nthen 10mg"}
    for trial_id, note in notes.items():
        assert main(["annotate", trial_id, "--note", note, "--tag", "seen", "--status", "contacted"]) == 0
    capsys.readouterr()
    assert main(["annotations", "export", "--format", "csv"]) == 0
    sheet = tmp_path / "notes.csv"
    sheet.write_text(capsys.readouterr().out, encoding="utf-8", newline="")
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[:5] for row in rows[1:]] == [
        ["NCT08000001", "contacted", "false", "seen", "a\rb\r"],
        ["NCT08000002", "contacted", "false", "seen", "'=cmd"],
        ["NCT08000003", "contacted", "false", "seen", "dose 5mg\r\nthen 10mg"],
    ]
    assert main(["annotations", "export"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert all(record["updated"] and record["field_updated"]["note"] for record in mine)

    monkeypatch.setenv("TRIALTUI_HOME", str(tmp_path / "colleague"))
    assert main(["annotations", "import", str(sheet)]) == 0
    assert capsys.readouterr() == (f"{sheet}: 3 added, 0 updated, 0 unchanged, 0 conflicts\n", "")
    assert main(["annotations", "export"]) == 0
    assert json.loads(capsys.readouterr().out) == mine  # notes, stamps and all


def test_import_of_a_bad_file_is_one_line(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"trial_id": ')
    assert main(["annotations", "import", str(broken)]) == 2
    assert main(["annotations", "import", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"trialtui: {broken}: not valid JSON")
    assert err[1] == f"trialtui: {tmp_path / 'missing.json'}: No such file or directory"


def test_import_skips_bad_records_with_exit_1(capsys, tmp_path):
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"trial_id": "NCT08000004", "status": "enrolled"},
                                 {"trial_id": "NCT08000005", "status": "nope"}]))
    assert main(["annotations", "import", str(mixed)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"trialtui: {mixed}: record 2: status: unknown status 'nope'")
    assert stored("NCT08000004").status == "enrolled"


def test_a_real_trialtui_process_stores_the_annotation_before_exit_0(trialtui_home):
    env = {**os.environ, "TRIALTUI_HOME": str(trialtui_home)}
    done = subprocess.run(
        [sys.executable, "-m", "trialtui", "annotate", "NCT08000009", "--status", "enrolled", "--star"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "NCT08000009: enrolled, starred\n"
    annotation = stored("NCT08000009")
    assert (annotation.status, annotation.star) == ("enrolled", True)


def test_hostile_annotation_files_skip_each_bad_record_with_its_position(capsys, tmp_path):
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps([
        {"trial_id": "NCT08000010", "note": "far", "updated": "9999-12-31"},
        {"trial_id": ["NCT08000011"], "note": "list for a string"},
        {"trial_id": "NCT08000012", "note": "number stamp", "updated": 1714557600},
        {"trial_id": "NCT08000013", "tags": "abc"},
        {"trial_id": "NCT08000014", "items": [1, 2]},
        {"trial_id": "NCT08000015", "note": "x", "field_updated": {"note": 5}},
        {"trial_id": "NCT08000016", "items": {"a": {"mark": [[[["deep"]]]]}}},
        {"trial_id": "NCT08000017", "note": "good", "tags": ["abc"], "updated": "2024-05-01"},
    ]))
    assert main(["annotations", "import", str(hostile)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert err.splitlines() == [
        f"trialtui: {hostile}: record 1: updated: 9999-12-31 is in the future",
        f"trialtui: {hostile}: record 2: trial_id: Input should be a valid string",
        f"trialtui: {hostile}: record 3: updated: Input should be a valid string",
        f"trialtui: {hostile}: record 4: tags: Input should be a valid list",
        f"trialtui: {hostile}: record 5: items: Input should be a valid dictionary",
        f"trialtui: {hostile}: record 6: field_updated.note: Input should be a valid string",
        f"trialtui: {hostile}: record 7: items.a.mark: Input should be a valid string",
    ]
    assert out.startswith(f"{hostile}: 1 added, 0 updated, 0 unchanged, 0 conflicts, 7 skipped")
    assert stored("NCT08000017").tags == ("abc",)
    assert stored("NCT08000013").tags == ()  # not "a", "b", "c"


def test_a_file_nested_beyond_reason_is_one_line(capsys, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    assert main(["annotations", "import", str(deep)]) == 2
    assert capsys.readouterr().err == f"trialtui: {deep}: not an annotations export: nested too deeply\n"


def test_a_long_csv_note_is_imported_whole(capsys, tmp_path):
    note = "Eligibility discussed with the site. " * 4000  # about 150 KB, over csv's 128 KB cap
    sheet = tmp_path / "notes.csv"
    sheet.write_text(f'trial_id,note\nNCT08000020,"{note}"\nNCT08000021,short\n')
    assert main(["annotations", "import", str(sheet)]) == 0
    assert capsys.readouterr().err == ""
    assert stored("NCT08000020").note == note and stored("NCT08000021").note == "short"


def test_a_far_future_stamp_already_stored_stays_editable(capsys, trialtui_home):
    with Database.open() as db:
        db.connection.execute(
            "INSERT INTO annotation_fields VALUES ('NCT08000030', 'note', '\"old\"', '9999-12-31T23:59:59.999999+00:00')"
        )
    assert main(["annotate", "NCT08000030", "--note", "new"]) == 0
    assert stored("NCT08000030").note == "new"


def test_a_bad_option_anywhere_stores_nothing_of_the_command(capsys):
    assert main(["annotate", "NCT12345678", "--note", "my note", "--tag", "good", "--tag", "bad;tag",
                 "--status", "excluded", "--star"]) == 2
    assert capsys.readouterr().err == "trialtui: annotate: a tag cannot contain ';': 'bad;tag'\n"
    assert stored("NCT12345678").is_empty


def test_a_tag_that_is_not_utf8_stores_nothing_of_the_command(capsys):
    tag = os.fsdecode(b"caf\xe9")  # how Python hands over an argument byte that is not UTF-8
    assert main(["annotate", "NCT12345678", "--note", "my note", "--tag", tag]) == 2
    assert capsys.readouterr().err == ("trialtui: annotate: a tag holds \\udce9, which is not text"
                                       " (a byte that is not UTF-8, or half of a \\u surrogate pair)\n")
    assert stored("NCT12345678").is_empty


def test_every_change_of_one_command_is_one_undo():
    assert main(["annotate", "NCT12345678", "--note", "my note", "--tag", "good", "--status", "excluded",
                 "--star"]) == 0
    with Database.open() as db:
        entries = db.query("SELECT DISTINCT change_id, description FROM annotation_log")
    assert [description for _, description in entries] == [
        "status Unreviewed → Excluded and note and star and tag 'good' added on NCT12345678"]


def test_an_id_of_no_known_form_is_refused_unless_the_library_holds_it(tmp_path, capsys):
    for trial_id in ("/tmp/abs_pwn/owned", "NCT../../etc/x", "NCT9000001", "NCT\x1b[31m1", "X" * 10_000):
        assert main(["annotate", trial_id, "--note", "x"]) == 2
        assert stored(trial_id).is_empty
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == ("trialtui: annotate: '/tmp/abs_pwn/owned' is not a trial id: an NCT ID is NCT and 8 digits,"
                        " trialtui's own id TT- and 12 hex digits, and no trial in the library has this one")
    assert lines[3].startswith("trialtui: annotate: 'NCT\\x1b[31m1' is not a trial id")
    assert len(lines) == 5 and len(lines[4]) < 250
    assert main(["annotate", "TT-0123456789ab", "--star"]) == 0  # trialtui's own id for a record without an NCT ID

    store_under_made_up_id("nct90000012")
    assert main(["annotate", "nct90000012", "--tag", "kept"]) == 0
    assert stored("nct90000012").tags == ("kept",)
    assert stored("NCT90000012").is_empty


def test_an_nct_id_typed_in_lower_case_or_with_blanks_is_that_trial(capsys):
    assert main(["annotate", " nct08000003 ", "--tag", "boston"]) == 0
    assert capsys.readouterr().out == "NCT08000003: unreviewed, tags: boston\n"
    assert stored("NCT08000003").tags == ("boston",)
    assert stored("nct08000003").is_empty


def test_a_lone_surrogate_in_an_import_skips_that_record_alone(tmp_path, capsys):
    path = tmp_path / "ann.json"
    path.write_text('[{"trial_id":"NCT00000001","note":"fine"},{"trial_id":"NCT44444444","note":"a\\ud800b"},'
                    '{"trial_id":"NCT44444445","tags":["\\udfff"]},'
                    '{"trial_id":"NCT44444446","items":{"k":{"note":"\\udfff"}}}]', encoding="utf-8")
    assert main(["annotations", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{path}: 1 added, 0 updated, 0 unchanged, 0 conflicts, 3 skipped\n"
    because = "which is not text (a byte that is not UTF-8, or half of a \\u surrogate pair)"
    assert err.splitlines() == [f"trialtui: {path}: record 2: note: it holds \\ud800, {because}",
                                f"trialtui: {path}: record 3: tags: a tag holds \\udfff, {because}",
                                f"trialtui: {path}: record 4: items.k.note: it holds \\udfff, {because}"]
    assert stored("NCT00000001").note == "fine"


def test_an_import_skips_a_record_under_a_made_up_id_and_names_it_visibly(tmp_path, capsys):
    path = tmp_path / "ann.json"
    made_up = ["../../etc/x", "\x1b]0;owned\x07", "NCT123"]
    path.write_text(json.dumps([{"trial_id": "NCT00000001", "note": "fine"}, {"trial_id": "TT-0123456789ab", "star": True},
                                *({"trial_id": trial_id, "note": "hidden"} for trial_id in made_up)]), encoding="utf-8")
    assert main(["annotations", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{path}: 2 added, 0 updated, 0 unchanged, 0 conflicts, 3 skipped\n"
    forms = "an NCT ID is NCT and 8 digits, trialtui's own id TT- and 12 hex digits"
    assert err.splitlines() == [
        f"trialtui: {path}: record {number}: {shown} is not a trial id ({forms}) and no trial in the library has it"
        for number, shown in ((3, "'../../etc/x'"), (4, "'\\x1b]0;owned\\x07'"), (5, "'NCT123'"))]
    assert stored("NCT00000001").note == "fine" and stored("TT-0123456789ab").star
    assert stored("../../etc/x").note == ""


def test_an_import_reads_no_device_nothing_over_64_mb_and_only_utf_8(capsys, tmp_path):
    device, huge, latin = unreadable_inputs(tmp_path, ".json", b'[{"trial_id": "NCT00000001", "note": "caf\xe9"}]')
    for path in (device, huge, latin):
        assert main(["annotations", "import", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "trialtui: /dev/zero: a device, not a file of annotations",
        f"trialtui: {huge}: larger than 64 MB, too large for a file of annotations",
        f"trialtui: {latin}: not UTF-8 text (byte 42), not a file of annotations",
    ]
    assert main(["annotations", "export"]) == 0
    assert json.loads(capsys.readouterr().out) == []
