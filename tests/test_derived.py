"""Derived data stored with each trial version, and the patient check over a list read from it:
on the 7,933 real trials, the stored check gives exactly the verdicts and reasons of the check run
on each record, a library imported by an older trialtui is derived again (and checked truly until
it is), and `trialtui check` says so."""

from __future__ import annotations

import json
import re
import shutil
import threading
import zlib
from pathlib import Path

import pytest

from trialtui import patient_verdicts
from trialtui.cli import main
from trialtui.eligibility.extract import extract_thresholds
from trialtui.patient_check import PatientEntry, read_profile, trial_fit
from trialtui.session import ReviewSession
from trialtui.store import Database, Library, StoreError, check_base
from trialtui.store import derived as derived_module
from trialtui.store.derived import Derived

PATIENTS = {
    "nsclc woman with labs": {
        "age": 62, "sex": "female", "conditions": ["non-small cell lung cancer", "liver metastases"], "healthy": False,
        "values": {"anc": "1.8 x10^9/L", "platelets": "150000/uL", "creatinine": "90 umol/L", "ecog": "1",
                   "hemoglobin": "13 g/dL", "total_bilirubin": "0.6 mg/dL", "ast": "2 x ULN", "gfr": "80 mL/min"}},
    "child with leukaemia": {"age": "7 months", "conditions": ["acute lymphoblastic leukaemia"],
                             "values": {"lansky": "70", "anc": "600/mm3"}},
    "healthy man": {"age": 30, "sex": "male", "healthy": True},
    "healthy, sex not given": {"age": 50, "healthy": True,
                               "values": {"hemoglobin": "14 g/dL", "creatinine": "1.0 mg/dL", "weight": "70 kg"}},
    "excluded conditions and limits not read": {  # "pre-existing prostate cancer", "Type 1 diabetes patients"; BMI
        "age": 62, "sex": "male", "conditions": ["prostate cancer", "type 1 diabetes"],
        "values": {"bmi": "41", "weight": "80 kg"}},
    "typo and unknown names": {"age": 45, "conditions": ["diabtes mellitus", "lead poisoning", "pancreatic cancer"]},
    "nothing said": {},
}


@pytest.fixture(scope="module")
def records(library_home):
    """Every library trial's record and its thresholds, extracted now from the record."""
    with Database.open(library_home / "trialtui.sqlite3") as db:
        library = Library(db)
        trials = [library.get(d.trial_id) for d in library.digests()]
    return {t.trial_id: (t, extract_thresholds(t)) for t in trials}


def profile_of(patient: dict):
    entry, problems = PatientEntry.from_patient_file(patient)
    profile, unread = read_profile(entry)
    assert problems == unread == []
    return entry, profile


def as_said(fit) -> tuple:
    return fit.overall, fit.condition, [r.to_json() for r in fit.reasons], fit.summary(), fit.counts


def test_importing_stores_every_trials_thresholds_and_facts_with_its_version(library_home, records):
    with Database.open(library_home / "trialtui.sqlite3") as db:
        derived = Derived(db)
        assert len(records) > 7900
        assert derived.stale() == []
        for trial_id in ("NCT05826366", "NCT00000104", next(iter(records))):
            assert derived.thresholds(trial_id) == records[trial_id][1]


@pytest.mark.parametrize("patient", PATIENTS, ids=list(PATIENTS))
def test_the_stored_check_says_exactly_what_each_records_check_says(library_home, records, monkeypatch, patient):
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    # Read in several chunks, each decided on its own, as a library of the registry's size is.
    monkeypatch.setattr(patient_verdicts, "ROWS_CHUNK", 2_000)
    monkeypatch.setattr(patient_verdicts, "BASE_CHUNK", 2_000)
    entry, profile = profile_of(PATIENTS[patient])
    session = ReviewSession()
    try:
        session.load()
        session.set_patient(entry)
        ids = [trial_id for trial_id in (d.trial_id for d in session.catalog.digests) if trial_id in records]
        assert session.check_patient(ids)
        shown = {trial_id: session.verdict(trial_id) for trial_id in ids}  # the list's badges, before any reason is read
        stored = {trial_id: as_said(session.known_fit(trial_id)) for trial_id in ids}
    finally:
        session.close()
    expected = {trial_id: as_said(trial_fit(profile, *records[trial_id])) for trial_id in ids}
    assert len(ids) == len(records)
    assert shown == {trial_id: said[0] for trial_id, said in expected.items()}
    assert stored == expected
    verdicts = {said[0] for said in stored.values()}
    assert len(verdicts) > 1  # the patients are chosen so that trials differ


def test_a_short_list_is_checked_on_its_own_rows_alike(library_home, records, monkeypatch):
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    entry, profile = profile_of(PATIENTS["nsclc woman with labs"])
    session = ReviewSession()
    try:
        session.load()
        session.set_patient(entry)
        ids = [trial_id for trial_id in records][::80]
        asked = []
        check_rows = Derived.check_rows

        def spied(self, wanted=None):
            asked.append(wanted)
            return check_rows(self, wanted)

        monkeypatch.setattr(Derived, "check_rows", spied)
        assert session.check_patient(ids)
        assert asked == [sorted(ids)]  # read by key, not the whole table
        stored = {trial_id: as_said(session.known_fit(trial_id)) for trial_id in ids}
    finally:
        session.close()
    assert stored == {trial_id: as_said(trial_fit(profile, *records[trial_id])) for trial_id in ids}


def test_damaged_check_numbers_are_checked_on_the_record_and_leave_the_other_trials_true(
        library_home, records, monkeypatch, tmp_path):
    home = Path(shutil.copytree(library_home, tmp_path / "home"))
    monkeypatch.setenv("TRIALTUI_HOME", str(home))
    damaged = sorted(records)[5::700]  # a few trials, read in different chunks
    with Database.open(home / "trialtui.sqlite3") as db, db.transaction() as conn:
        for n, trial_id in enumerate(damaged):  # one word short (its counts disagree), or a broken word
            conn.execute("UPDATE derived SET check_numbers = substr(check_numbers, 1, length(check_numbers) - ?)"
                         " WHERE trial_id = ?", (8 if n % 2 else 3, trial_id))
        conn.execute("DELETE FROM check_base")  # made of the rows before they were damaged
    monkeypatch.setattr(patient_verdicts, "ROWS_CHUNK", 997)
    entry, profile = profile_of(PATIENTS["nsclc woman with labs"])
    session = ReviewSession()
    try:
        session.load()
        ids = [d.trial_id for d in session.catalog.digests if d.trial_id in records]
        shown = []
        for _ in range(2):  # from the rows, then from the base made of them
            session.set_patient(entry)
            assert session.check_patient(ids)
            shown.append({trial_id: session.verdict(trial_id) for trial_id in ids})
    finally:
        session.close()
    expected = {trial_id: trial_fit(profile, *records[trial_id]).overall for trial_id in ids}
    assert shown == [expected, expected]


def without_base(home: Path) -> None:
    """The library as an older trialtui left it: every trial's rows, no base of them."""
    with Database.open(home / "trialtui.sqlite3") as db, db.transaction() as conn:
        conn.execute("DELETE FROM check_base")


def stored_base_trials(home: Path) -> int:
    with Database.open(home / "trialtui.sqlite3") as db:
        return len(db.query("SELECT 1 FROM check_base"))


def test_a_check_whose_reading_queries_the_library_finishes(library_home, records, monkeypatch):
    """The check reads the library on a connection of its own: a query of the library meanwhile,
    from any thread, runs at once (on the library's one connection it waited forever)."""
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    without_base(library_home)
    monkeypatch.setattr(patient_verdicts, "ROWS_CHUNK", 300)
    entry, profile = profile_of(PATIENTS["nsclc woman with labs"])
    session = ReviewSession()
    finished, counted = [], []

    def stop() -> bool:  # asked by the reading thread and by the check's, between chunks
        counted.append(session.library.count())
        return False

    try:
        session.load()
        session.set_patient(entry)
        ids = [d.trial_id for d in session.catalog.digests if d.trial_id in records]
        checking = threading.Thread(target=lambda: finished.append(session.check_patient(ids, stop=stop)),
                                    daemon=True)
        checking.start()
        checking.join(timeout=120)
        assert finished == [True]
        assert len(counted) > 2 * len(ids) // 300 and set(counted) == {len(records)}
        some = ids[::400]
        assert {t: session.verdict(t) for t in some} == {t: trial_fit(profile, *records[t]).overall for t in some}
    finally:
        if finished:
            session.close()


def test_a_check_stopped_while_the_library_is_read_stops_reading_and_keeps_no_verdict(
        library_home, records, monkeypatch):
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    without_base(library_home)
    monkeypatch.setattr(patient_verdicts, "ROWS_CHUNK", 997)
    chunks = []
    of_rows = patient_verdicts.Packed.of_rows
    monkeypatch.setattr(patient_verdicts.Packed, "of_rows", classmethod(lambda cls, rows: chunks.append(1) or of_rows(rows)))
    asked = []

    def stop() -> bool:  # the reviewer changes the list while the third chunk is read
        asked.append(1)
        return len(asked) > 2

    session = ReviewSession()
    try:
        session.load()
        session.set_patient(profile_of(PATIENTS["healthy man"])[0])
        ids = [d.trial_id for d in session.catalog.digests if d.trial_id in records]
        assert session.check_patient(ids, stop=stop) is False
        assert len(chunks) <= 3 < len(records) / 997  # the reading ended there
        assert {session.verdict(trial_id) for trial_id in ids} == {None}
        assert stored_base_trials(library_home) == 0  # a part of the library is no base of it
        assert session.check_patient(ids)  # the library reads as before: the next check is whole
        assert None not in {session.verdict(trial_id) for trial_id in ids}
    finally:
        session.close()
    assert not [t for t in threading.enumerate() if t.name == "trialtui-read-ahead"]
    assert stored_base_trials(library_home) > 0


def test_an_error_while_the_check_numbers_are_read_reaches_the_checker_and_frees_the_library(
        library_home, monkeypatch):
    without_base(library_home)
    monkeypatch.setattr(patient_verdicts, "ROWS_CHUNK", 997)
    connect = check_base.connect_read_only

    def interrupted(path):  # SQLite stops the read after a while
        connection, steps = connect(path), []
        connection.set_progress_handler(lambda: len(steps) > 500 or steps.append(1), 100)
        return connection

    monkeypatch.setattr(check_base, "connect_read_only", interrupted)
    with Database.open(library_home / "trialtui.sqlite3") as db:
        with pytest.raises(StoreError, match="interrupted"):
            patient_verdicts.library_verdicts(profile_of(PATIENTS["healthy man"])[1], db)
        assert len(db.query("SELECT trial_id FROM trials")) == len(Library(db).digests())
    assert not [t for t in threading.enumerate() if t.name == "trialtui-read-ahead"]


def test_an_older_library_is_derived_again_and_checked_truly_meanwhile(tmp_path, shared_data, monkeypatch, capsys):
    monkeypatch.setenv("TRIALTUI_HOME", str(tmp_path))
    assert main(["import", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")]) == 0
    capsys.readouterr()
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENTS["nsclc woman with labs"]))
    assert main(["check", "--json", "--patient", str(patient)]) == 0
    before = capsys.readouterr()
    assert "re-deriving" not in before.err
    # A newer extractor: every stored row was made by older code.
    monkeypatch.setattr(derived_module, "THRESHOLDS_VERSION", derived_module.THRESHOLDS_VERSION + 1)
    with Database.open() as db:
        assert len(Derived(db).stale()) == 1147
        assert Derived(db).check_rows() == []
    session = ReviewSession()  # meanwhile: every trial checked on its record, the same verdicts
    try:
        session.load()
        session.set_patient(PatientEntry.from_patient_file(PATIENTS["nsclc woman with labs"])[0])
        session.check_patient([d.trial_id for d in session.catalog.digests])
        meanwhile = [session.known_fit(d.trial_id).to_json(d.trial_id) for d in session.catalog.digests]
    finally:
        session.close()
    assert meanwhile == json.loads(before.out)
    assert main(["check", "--json", "--patient", str(patient)]) == 0
    after = capsys.readouterr()
    assert "trialtui: re-deriving thresholds for 1,147 trials…" in after.err
    assert after.out == before.out
    with Database.open() as db:
        assert Derived(db).stale() == []


def test_a_new_version_gets_its_own_derived_row_and_removing_the_trial_drops_them(tmp_path, api_trials):
    trial = next(t for t in api_trials if extract_thresholds(t))
    with Database.open(tmp_path / "db.sqlite3") as db:
        library = Library(db)
        library.import_trials([trial])
        changed = trial.model_copy(update={"last_update_posted": "2099-01-01",
                                           "eligibility": trial.eligibility.model_copy(update={"sex": "FEMALE"})})
        library.import_trials([changed])
        rows = db.query("SELECT number, sex FROM derived WHERE trial_id = ? ORDER BY number", (trial.trial_id,))
        assert rows == [(1, trial.eligibility.sex), (2, "FEMALE")]
        library.remove(trial.trial_id)
        assert db.query("SELECT count(*) FROM derived")[0][0] == 0



def test_each_term_the_trials_of_a_batch_name_is_stored_once_with_its_text(tmp_path, api_trials):
    trials = api_trials[:300]
    named = {term[0]: term for trial in trials for term in derived_module.derive(trial).check.terms}
    with Database.open(tmp_path / "db.sqlite3") as db:
        Library(db).import_trials(trials)
        stored = db.query("SELECT hash, kind, text, known FROM derived_terms")
    assert len(named) < sum(len(derived_module.derive(trial).check.terms) for trial in trials)  # they share terms
    assert sorted(stored) == sorted(named.values())

def test_thresholds_stored_zlib_compressed_by_earlier_versions_read_as_before(tmp_path, api_trials):
    trial = next(t for t in api_trials if len(extract_thresholds(t)) > 2)
    with Database.open(tmp_path / "db.sqlite3") as db:
        Library(db).import_trials([trial])
        earlier = zlib.compress(json.dumps([t.to_json() for t in extract_thresholds(trial)]).encode())
        with db.transaction() as conn:
            conn.execute("UPDATE derived SET thresholds = ? WHERE trial_id = ?", (earlier, trial.trial_id))
        assert Derived(db).thresholds(trial.trial_id) == extract_thresholds(trial)


async def test_the_app_derives_an_older_librarys_data_again_in_the_background_and_says_so(
        tmp_path, shared_data, monkeypatch):
    from textual.widgets import Static

    from pilot_helpers import SIZE, loaded, text_of, toasts, wait_for
    from trialtui.tui.app import build_app
    from trialtui.tui.screens.browse import BrowseScreen

    monkeypatch.setenv("TRIALTUI_HOME", str(tmp_path))
    assert main(["import", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")]) == 0
    monkeypatch.setattr(derived_module, "THRESHOLDS_VERSION", derived_module.THRESHOLDS_VERSION + 1)
    said: list[str] = []
    shown = BrowseScreen.on_browse_screen_rederived

    def status_after(self, message):  # each progress message's status line, however fast they come
        shown(self, message)
        said.append(text_of(self.query_one("#list-status", Static)))

    monkeypatch.setattr(BrowseScreen, "on_browse_screen_rederived", status_after)
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)

        def finished() -> bool:
            said.extend(toasts(app))
            said.append(text_of(screen.query_one("#list-status", Static)))
            return any("Thresholds derived again for 1,147 trials." in line for line in said)

        await wait_for(pilot, finished, "the re-derivation to end", timeout=120)
        assert any("Deriving thresholds again for 1,147 trials (stored by an older trialtui)…" in line
                   for line in said)
        assert any(re.search(r"deriving thresholds [\d,]+ of 1,147…", line) for line in said), sorted(set(said))
        assert "deriving" not in text_of(screen.query_one("#list-status", Static))
        assert app.session.stale_derived() == []


@pytest.mark.parametrize("name", ['a "quoted"\\ name\n\x01\x08\x0c\x1f\x7f é 😀\u2028\t\r', "lone \ud800 surrogate", ""])
def test_the_studied_names_are_written_as_pythons_json_writes_them(name):
    from trialtui.eligibility.facts import TrialFacts

    facts = TrialFacts("ALL", None, (name, "Cancer"), (name,), ("Neoplasms",), (), ("cancer",))
    values = [facts.conditions, facts.keywords, facts.mesh_terms, facts.mesh_ancestors, facts.excluded]
    assert facts.studied_json() == json.dumps(values, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("value", [0.0, -0.0, 1.5, 60.0, 1e-4, 9.99e-5, 1e-5, 1e-12, 5e-324, 1e16, 1e22, 1.7976931348623157e308,
                                   float("inf"), float("-inf"), float("nan"), 3, 2**70])
@pytest.mark.parametrize("raw", ['≥ 6 "months"\\\n\x01\x7f é 😀\u2028', "lone \ud800 surrogate"])
def test_a_check_key_is_written_as_pythons_json_writes_it(value, raw):
    from trialtui.eligibility.extract import Threshold
    from trialtui.store.derived import check_key

    limits = [Threshold("age", "lower", True, value, "days", "inclusion", None, None, raw),
              Threshold("anc", "lower", False, value, "10^9/L", "inclusion", "age < 18", raw, raw)]
    entries = [[t.measure, t.bound, t.inclusive, t.value, t.unit, t.condition, t.group,
                t.raw if t.unit == "days" else ""] for t in limits] + [["bilirubin"]]
    assert check_key(limits, ("bilirubin",)) == json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
