"""Record text, file names and server replies reach the terminal as visible escapes, never raw;
JSON stays valid; CSV cells never run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile

import pytest

from ctgov_server import FakeCtgov
from hostile_records import HOSTILE, NCT, RAW, RETITLE, VISIBLE, hostile_study, store_under_made_up_id, write_hostile_study
from trialtui.cli import main
from trialtui.safe_text import csv_cell, csv_value, json_text, terminal_text

OTHER = "NCT09999991"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_shown_literally(text: str) -> None:
    for char in RAW:
        assert char not in text, f"{char!r} written raw"
    for escape in VISIBLE:
        assert escape in text, f"{escape!r} not shown"


def test_terminal_text_escapes_controls_bidi_and_surrogates_and_keeps_lines_only_when_asked():
    value = "a\x1b[2J\x07\x7f\x9b\u202e\u2066\u2028\ud800\tb\r\nc"
    assert terminal_text(value) == "a\\x1b[2J\\x07\\x7f\\x9b\\u202e\\u2066\\u2028\\ud800\\tb\\r\\nc"
    assert terminal_text(value, multiline=True) == "a\\x1b[2J\\x07\\x7f\\x9b\\u202e\\u2066\\u2028\\ud800\\tb\nc"
    assert terminal_text("Zürich ≥ 1.5 ×10^9/L") == "Zürich ≥ 1.5 ×10^9/L"
    assert terminal_text(terminal_text(value)) == terminal_text(value)


def test_json_text_is_valid_utf8_and_escapes_what_json_dumps_leaves_raw():
    value = {"title": "x\x9b\u202e\x7f\ud800 Zürich"}
    text = json_text(value, indent=2)
    text.encode("utf-8")  # a lone surrogate would raise here
    assert "Zürich" in text and "\\u009b" in text and "\\u202e" in text and "\\ud800" in text
    assert json.loads(text) == value


def test_list_prints_one_visible_line_per_trial(capsys, tmp_path):
    status, out, err = run(capsys, "--data", str(write_hostile_study(tmp_path)), "list")
    assert status == 0, err
    assert_shown_literally(out)
    [line] = out.splitlines()
    assert line.startswith(NCT) and line.endswith("[bold]loud[/bold]\\nsecond line")


def test_show_keeps_section_lines_and_escapes_everything_else(capsys, tmp_path):
    status, out, err = run(capsys, "--data", str(write_hostile_study(tmp_path)), "show", NCT)
    assert status == 0, err
    assert_shown_literally(out)
    lines = out.splitlines()
    assert lines[0].startswith("Hostile title \\x1b[2J") and lines[0].endswith("\\nsecond line")
    summary = lines.index("== Summary ==")
    assert lines[summary + 1].startswith("Summary \\x1b[2J") and lines[summary + 2] == "second line"
    for field in ("Sponsor", "Condition", "Site", "Boston", "Criterion"):
        assert any(field in line and "\\x1b]52;c;" in line for line in lines), field


def test_search_thresholds_and_diff_show_record_text_literally(capsys, tmp_path):
    write_hostile_study(tmp_path)
    (tmp_path / "other.json").write_text(json.dumps(hostile_study(OTHER)))
    status, out, err = run(capsys, "--data", str(tmp_path), "search", "hostile")
    assert status == 0, err
    assert_shown_literally(out)
    assert len(out.splitlines()) == 2
    status, out, err = run(capsys, "--data", str(tmp_path), "diff", NCT, OTHER)
    assert status == 0, err
    assert_shown_literally(out)
    assert out.splitlines()[0].startswith(f"A = {NCT}  Hostile title \\x1b[2J")
    status, out, err = run(capsys, "thresholds", str(tmp_path))
    assert status == 0, err
    assert "\x1b" not in out and "  platelets ≥ 100 ×10^9/L" in out.splitlines()


def test_a_file_or_member_name_with_a_newline_and_esc_stays_one_problem_line(capsys, tmp_path):
    write_hostile_study(tmp_path)
    (tmp_path / "bad\n\x1b]0;pwned\x07.json").write_text("{not json")
    with zipfile.ZipFile(tmp_path / "bulk.zip", "w") as archive:
        archive.writestr("NCT\n\x1b[2J\u202e.json", "{not json")
    status, out, err = run(capsys, "--data", str(tmp_path), "list")
    assert status == 1
    problems = err.splitlines()
    assert len(problems) == 2, err
    assert all(line.startswith("trialtui: ") for line in problems)
    assert any("bad\\n\\x1b]0;pwned\\x07.json: " in line for line in problems)
    assert any("NCT\\n\\x1b[2J\\u202e.json" in line for line in problems)
    assert "\x1b" not in err and "\u202e" not in err


def test_list_json_with_a_lone_surrogate_is_valid_json_from_a_real_process(tmp_path):
    study = hostile_study()
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Lone \ud800 surrogate \x9b\u202e"
    (tmp_path / "study.json").write_text(json.dumps(study))
    done = subprocess.run([sys.executable, "-m", "trialtui", "--data", str(tmp_path), "list", "--json"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")  # strict: no surrogate bytes
    assert "\x9b" not in text and "\u202e" not in text
    [row] = json.loads(text)
    assert row["title"] == "Lone \ufffd surrogate \x9b\u202e"  # the surrogate was replaced at loading


def test_annotate_and_its_import_print_one_visible_line(capsys, tmp_path):
    status, out, _ = run(capsys, "annotate", NCT, "--note", HOSTILE, "--tag", "\x1b[2J\u202e\x9b")
    assert status == 0
    [line] = out.splitlines()
    assert "\x1b" not in line and "\u202e" not in line and "tags: \\x1b[2J\\u202e\\x9b" in line
    bad = tmp_path / "notes\n\x1b[2J.json"
    bad.write_text(json.dumps([{"trial_id": "NCT09999992", "note": "ok", "star": "maybe\x1b[2J"}]))
    status, out, err = run(capsys, "annotations", "import", str(bad))
    shown = f"{tmp_path}/notes\\n\\x1b[2J.json"
    assert status == 1
    [problem] = err.splitlines()  # its reason is the import validation's; the file name is shown here
    assert problem.startswith(f"trialtui: {shown}: ") and "\x1b" not in problem
    assert out.splitlines() == [f"{shown}: 0 added, 0 updated, 0 unchanged, 0 conflicts, 1 skipped"]


def test_annotations_export_shows_a_terminal_escapes_and_a_file_the_exact_text(capsys, monkeypatch):
    assert main(["annotate", NCT, "--note", HOSTILE]) == 0
    capsys.readouterr()
    assert main(["annotations", "export", "--format", "csv"]) == 0
    exported = capsys.readouterr().out
    assert HOSTILE.replace("\n", "\r\n") in exported or HOSTILE in exported

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for fmt in ("csv", "json"):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stdout", terminal)
        assert main(["annotations", "export", "--format", fmt]) == 0
        shown = terminal.getvalue()
        assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
        assert "[bold]loud[/bold]" in shown


def test_fetch_and_update_show_server_and_record_text_literally(capsys):
    unreadable = hostile_study("NCT0\x1b]0;pwned\x07\n\u202e")
    unreadable["protocolSection"]["descriptionModule"]["briefSummary"] = "x" * 200_000
    study = hostile_study()
    with FakeCtgov([unreadable, study]) as api:
        status, out, err = run(capsys, "fetch", "--status", "recruiting", "--base-url", api.base_url,
                               "--max-rate", "1000")
        assert status == 1
        assert "\x1b" not in err and "\u202e" not in err
        assert err.splitlines()[-1] == ("trialtui: study 1 of the page: trial id 'NCT0\\x1b]0;pwned\\x07\\n\\u202e'"
                                        " is not an NCT number (NCT and 8 digits)")
        newer = hostile_study()
        newer["protocolSection"]["identificationModule"]["briefTitle"] = f"Renamed {HOSTILE}"
        newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-06-01"
        api.put_study(newer)
        status, out, err = run(capsys, "update", "--base-url", api.base_url, "--max-rate", "1000")
    assert status == 0, err
    assert_shown_literally(out)
    assert any(line.startswith(f"{NCT}  Renamed \\x1b[2J") for line in out.splitlines())


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                   "'=already quoted", "''", "'tis", "plain", ""])
def test_csv_cell_is_text_to_a_spreadsheet_and_reads_back_exactly(value):
    cell = csv_cell(value, exact=True)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert csv_value(cell) == value


def test_csv_cell_shows_control_characters_as_terminal_text_does_and_still_stops_formulas():
    assert csv_cell(f"T{RETITLE} \u202e \x9b\x00\x7f\u2028a\r\nb") == "T\\x1b]0;pwned\\x07 \\u202e \\x9b\\x00\\x7f\\u2028a\\r\\nb"
    assert csv_cell("=1+1\x1b[2J") == "'=1+1\\x1b[2J"
    assert csv_cell("-5") == "'-5" and csv_cell("\t=1") == "\\t=1"  # a backslash begins no formula
    assert csv_cell(None) == "" and csv_cell(12) == "12"


def test_list_and_diff_csv_show_record_text_as_visible_escapes(capsys, tmp_path):
    hostile_id = f"NCT0999999{RETITLE}\u202e\x9b"
    titled = hostile_study()
    titled["protocolSection"]["identificationModule"]["briefTitle"] = f"Title {RETITLE} \u202e \x9b end"
    (tmp_path / "titled.json").write_text(json.dumps(titled))
    store_under_made_up_id(hostile_id)
    shown_id = "NCT0999999\\x1b]0;pwned\\x07\\u202e\\x9b"
    assert main(["annotate", NCT, "--note", "Good fit\ncall\x1b[2J Monday\r"]) == 0
    assert main(["import", str(tmp_path / "titled.json")]) == 0
    capsys.readouterr()
    status, out, _ = run(capsys, "list", "--csv")
    assert status == 0 and not any(char in out for char in (*RAW, "\x00", "\u2028"))
    rows = {row["trial_id"]: row for row in csv.DictReader(io.StringIO(out))}
    assert rows[NCT]["title"] == "Title \\x1b]0;pwned\\x07 \\u202e \\x9b end"
    assert rows[NCT]["sponsors"] == ("Sponsor \\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\x9b31m"
                                     "\\u202e[bold]loud[/bold]\\nsecond line")
    assert rows[shown_id]["title"].startswith("Hostile title \\x1b[2J")
    assert rows[NCT]["note"] == "Good fit\ncall\\x1b[2J Monday\\r"  # the reviewer's own lines stay
    status, out, _ = run(capsys, "diff", hostile_id, NCT, "NCT06751134", "--format", "csv")
    assert status == 0 and not any(char in out for char in RAW)
    header = next(csv.reader(io.StringIO(out)))
    assert header[:4] == ["measure", shown_id, NCT, "NCT06751134"]


def test_annotation_csv_export_quotes_formulas_and_imports_back_the_same(capsys):
    for tag in ("=cmd|' /C calc'!A0", "-5"):
        assert main(["annotate", NCT, "--note", "@SUM(1+1)", "--tag", tag]) == 0
    assert main(["annotate", OTHER, "--note", "'=kept as typed"]) == 0
    capsys.readouterr()
    assert main(["annotations", "export", "--format", "csv"]) == 0
    exported = capsys.readouterr().out
    rows = {row["trial_id"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert rows[NCT]["note"] == "'@SUM(1+1)"
    assert rows[NCT]["tags"] == "'=cmd|' /C calc'!A0; -5"
    assert rows[OTHER]["note"] == "''=kept as typed"
    from trialtui.store.exchange import read_records

    records, problems = read_records(exported)
    assert problems == []
    back = {r["trial_id"]: r for r in records}
    assert back[NCT]["note"] == "@SUM(1+1)" and back[NCT]["tags"] == ["=cmd|' /C calc'!A0", "-5"]
    assert back[OTHER]["note"] == "'=kept as typed"


async def test_the_app_shows_a_problem_line_holding_markup_literally_and_keeps_running(tmp_path):
    from textual.widgets._toast import Toast

    from pilot_helpers import SIZE, loaded, wait_for
    from trialtui.tui.app import build_app

    write_hostile_study(tmp_path)
    with zipfile.ZipFile(tmp_path / "bulk.zip", "w") as archive:
        archive.writestr("x[/]y [red]z\x1b[2J.json", "{not json")
    app = build_app(data=[tmp_path])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
        [toast] = app.screen.query(Toast)
        shown = str(toast.render())
        assert "x[/]y [red]z\\x1b[2J.json" in shown and "\x1b" not in shown
        assert app.is_running


async def test_the_app_shows_a_hostile_title_literally_in_the_list_and_the_detail(tmp_path):
    from textual.widgets import Static

    from pilot_helpers import SIZE, loaded, text_of
    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    app = build_app(data=[write_hostile_study(tmp_path)])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        title = text_of(screen.query_one("#detail-title", Static))
        row = screen.query_one(TrialList).render_line(1).text
        assert not set(title + row) & set(RAW)
        assert "Hostile title ␛[2J␛]" in row
        assert "␛]52;c;cm0gLXJmIH4=␇\ufffd31m\\u202e[bold]loud[/bold]\nsecond line" in title
