"""A damaged database, a read-only data folder, a full disk: one line each, the seeds still shown,
nothing written into a damaged file, nothing half-written, never a traceback."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from trialtui.cli import main
from trialtui.store import Annotations, Database, Library, StoreError
from trialtui.store.database import damage_marker

SEED_IDS = {"NCT06751134", "NCT06674265"}  # two of the bundled seeds


@pytest.fixture
def library_file(trialtui_home, api_trials) -> Path:
    """The user's database holding the 1,147 real API studies and one annotation."""
    path = trialtui_home / "trialtui.sqlite3"
    with Database.open(path) as db:
        Library(db).import_trials(api_trials)
        Annotations(db).set_note(api_trials[0].trial_id, "ask about prior PD-1")
    return path


def checkpointed(path: Path) -> None:
    """Move the WAL's pages into the file, so damaging the file damages what is read."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def garbage_in_the_trials_table(path: Path) -> None:
    """Overwrite one page of the library's trial list, mid-file, with random bytes."""
    checkpointed(path)
    connection = sqlite3.connect(path)
    pages = [n for (n,) in connection.execute("SELECT pageno FROM dbstat WHERE name = 'trials' AND pagetype = 'leaf'")]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    with path.open("r+b") as file:
        file.seek((pages[len(pages) // 2] - 1) * page_size)
        file.write(random.Random(17).randbytes(page_size))


def flipped_bytes_in_page_one(path: Path) -> None:
    checkpointed(path)
    with path.open("r+b") as file:
        file.seek(100)
        header = file.read(20)
        file.seek(100)
        file.write(bytes(b ^ 0xFF for b in header))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed_ids(out: str) -> set[str]:
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.mark.parametrize("damage", [garbage_in_the_trials_table, flipped_bytes_in_page_one])
def test_a_damaged_database_is_named_reads_show_the_seeds_and_writes_refuse(library_file, damage, capsys, shared_data):
    damage(library_file)
    before = digest(library_file)

    assert main(["list"]) == 1
    out, err = capsys.readouterr()
    assert SEED_IDS <= listed_ids(out)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"trialtui: {library_file}: the database is damaged (quick_check: ")
    assert ".recover" in err and "nothing will be written to it" in err

    for argv in (["show", "NCT06751134"], ["search", "neuroblastoma"]):
        assert main(argv) == 1, argv
        out, err = capsys.readouterr()
        assert out and "the database is damaged" in err and "Traceback" not in err

    studies = str(shared_data / "ctgov-v2" / "website-export-nsclc.json")
    nowhere = "http://127.0.0.1:9"  # never asked: the refusal comes before any request
    for argv in (["import", studies], ["annotate", "NCT06751134", "--note", "x"],
                 ["update", "--base-url", nowhere], ["fetch", "--cond", "glioma", "--base-url", nowhere]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "the database is damaged" in err
    assert digest(library_file) == before


def test_damage_found_once_stops_later_writes_that_touch_only_sound_pages(library_file, capsys):
    garbage_in_the_trials_table(library_file)
    assert main(["list"]) == 1  # finds the damage
    capsys.readouterr()
    assert damage_marker(library_file).exists()
    before = digest(library_file)
    assert main(["annotate", "NCT06751134", "--tag", "x"]) == 2  # its pages are sound, the file is not
    assert "the database is damaged" in capsys.readouterr().err
    assert digest(library_file) == before


def test_a_repaired_database_is_used_again(library_file, capsys):
    garbage_in_the_trials_table(library_file)
    assert main(["list"]) == 1
    capsys.readouterr()
    for suffix in ("-wal", "-shm"):
        library_file.with_name(library_file.name + suffix).unlink(missing_ok=True)
    library_file.unlink()  # the user moved the damaged file aside; a fresh library starts
    assert main(["annotate", "NCT06751134", "--tag", "x"]) == 0
    assert not damage_marker(library_file).exists()


def test_the_damage_line_names_the_annotations_backup(library_file, capsys):
    with Database.open(library_file):
        pass  # an open keeps the backup current
    backup = library_file.with_name("annotations-backup.json")
    assert "ask about prior PD-1" in backup.read_text(encoding="utf-8")
    flipped_bytes_in_page_one(library_file)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert f"`trialtui annotations import {backup}`" in err


@pytest.fixture
def read_only(library_file):
    """Make the data folder and its database unwritable, even for root (chattr +i)."""
    folder = library_file.parent
    targets = [folder, *folder.iterdir()]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", *map(str, targets)], capture_output=True
        ).returncode != 0:
            pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
        yield library_file
        subprocess.run(["chattr", "-i", *map(str, targets)], check=True)
    else:
        for target in targets:
            target.chmod(0o555 if target.is_dir() else 0o444)
        yield library_file
        for target in targets:
            target.chmod(0o755 if target.is_dir() else 0o644)


def test_a_read_only_data_folder_reads_and_only_writes_say_they_cannot(read_only, api_trials, capsys):
    before = digest(read_only)
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert {t.trial_id for t in api_trials} | SEED_IDS <= listed_ids(out)

    assert main(["show", api_trials[0].trial_id]) == 0
    assert api_trials[0].title in capsys.readouterr().out
    assert main(["search", api_trials[0].trial_id, "--json"]) == 0
    assert api_trials[0].trial_id in capsys.readouterr().out

    assert main(["annotate", api_trials[0].trial_id, "--tag", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write here" in err and str(read_only) in err
    assert digest(read_only) == before


def test_disk_full_during_import_is_one_line_and_nothing_half_written(trialtui_home, api_trials, monkeypatch,
                                                                     capsys, shared_data):
    path = trialtui_home / "trialtui.sqlite3"
    with Database.open(path) as db:
        Library(db).import_trials(api_trials[:5])
        pages = db.query("PRAGMA page_count")[0][0]
    opened = Database.open.__func__

    def small_disk(cls, path=None):
        db = opened(cls, path)
        db.connection.execute(f"PRAGMA max_page_count = {pages + 20}")  # "database or disk is full"
        return db

    monkeypatch.setattr(Database, "open", classmethod(small_disk))
    studies = str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")
    assert main(["import", studies]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"trialtui: {path}: the disk is full") and "nothing was written" in err
    monkeypatch.undo()
    with Database.open(path) as db:
        assert Library(db).count() == 5
        assert db.query("PRAGMA quick_check") == [("ok",)]


def test_a_full_disk_leaves_the_store_usable(tmp_path, api_trials):
    with Database.open(tmp_path / "db.sqlite3") as db:
        db.connection.execute(f"PRAGMA max_page_count = {db.query('PRAGMA page_count')[0][0] + 5}")
        with pytest.raises(StoreError, match="disk is full"):
            Library(db).import_trials(api_trials[:200])
        assert Library(db).count() == 0
        Annotations(db).set_note("NCT06751134", "still writable")
        assert Annotations(db).get("NCT06751134").note == "still writable"


@pytest.mark.parametrize("damage", [garbage_in_the_trials_table, flipped_bytes_in_page_one])
async def test_the_app_on_a_damaged_library_shows_the_seeds_says_so_and_saves_nothing(library_file, damage):
    from pilot_helpers import SIZE, loaded, toasts
    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    damage(library_file)
    before = digest(library_file)
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        assert SEED_IDS <= {d.trial_id for d in screen.query_one(TrialList).digests}
        assert app.sub_title == "library damaged: read-only"
        await pilot.pause()
        assert any(said.startswith("Your library is damaged\n") and "quick_check" in said for said in toasts(app))
        trials = screen.query_one(TrialList)
        trials.focus()
        trials.highlight("NCT06751134")
        await pilot.press("asterisk")
        await pilot.pause()
        assert any(said.startswith("Annotations cannot be saved\n") for said in toasts(app))
        assert app.is_running
    assert digest(library_file) == before


def test_a_patient_check_over_a_read_only_library_is_true_and_writes_nothing(read_only, api_trials):
    from trialtui.eligibility.extract import extract_thresholds
    from trialtui.patient_check import PatientEntry, read_profile, trial_fit
    from trialtui.session import ReviewSession

    before = digest(read_only)
    entry = PatientEntry.from_patient_file({"age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"]})[0]
    session = ReviewSession()
    try:
        session.load()
        ids = [t.trial_id for t in api_trials]
        for _ in range(2):  # no base of the check's numbers can be kept: each check reads the rows
            session.set_patient(entry)
            assert session.check_patient(ids)
            shown = {trial_id: session.verdict(trial_id) for trial_id in ids}
    finally:
        session.close()
    profile = read_profile(entry)[0]
    assert shown == {t.trial_id: trial_fit(profile, t, extract_thresholds(t)).overall for t in api_trials}
    assert digest(read_only) == before


async def test_the_app_on_a_read_only_library_lists_it_and_refuses_edits_with_the_reason(read_only, api_trials):
    from pilot_helpers import SIZE, loaded, toasts
    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        trials = screen.query_one(TrialList)
        assert {t.trial_id for t in api_trials} | SEED_IDS <= {d.trial_id for d in trials.digests}
        assert app.sub_title == "read-only library"
        trials.focus()
        trials.highlight(api_trials[0].trial_id)
        await pilot.press("asterisk")
        await pilot.pause()
        refused = [said for said in toasts(app) if said.startswith("Annotations cannot be saved\n")]
        assert refused and "cannot write here" in refused[0]
        assert app.is_running


def test_annotations_still_export_from_a_damaged_library_which_is_named(library_file, api_trials, capsys):
    garbage_in_the_trials_table(library_file)
    assert main(["list"]) == 1  # finds the damage
    capsys.readouterr()
    assert main(["annotations", "export"]) == 1
    out, err = capsys.readouterr()
    assert '"note": "ask about prior PD-1"' in out and api_trials[0].trial_id in out
    assert err.count("\n") == 1 and "the database is damaged" in err


async def test_the_app_on_a_library_from_a_newer_trialtui_shows_the_seeds_and_says_why(trialtui_home):
    from pilot_helpers import SIZE, loaded, toasts
    from trialtui.store.database import SCHEMA_VERSION
    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    connection = sqlite3.connect(trialtui_home / "trialtui.sqlite3")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    app = build_app(data=[str(Path(__file__).parent.parent / "seeds")])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        assert SEED_IDS <= {d.trial_id for d in screen.query_one(TrialList).digests}
        await pilot.pause()
        assert any(said.startswith("Your library cannot be opened\n") and "newer trialtui" in said
                   for said in toasts(app))
        assert app.is_running
