"""The patient check's packed base (`store.check_base`) on the real library: the verdicts it gives,
alone or with the trials written since on top, are the ones every trial's rows give; a trial
removed, rows derived again, other derived-data versions or a damaged base never make it serve a
stale verdict."""

from __future__ import annotations

import shutil

import pytest

from trialtui import patient_verdicts
from trialtui.eligibility.extract import extract_thresholds
from trialtui.patient_check import PatientEntry, read_profile, trial_fit
from trialtui.patient_verdicts import library_verdicts
from trialtui.store import Database, Library
from trialtui.store import derived as derived_module
from trialtui.store.check_base import CheckRead
from trialtui.store.derived import Derived

PATIENTS = {
    "nsclc woman with labs": {
        "age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"], "healthy": False,
        "values": {"anc": "1.8 x10^9/L", "platelets": "150000/uL", "creatinine": "90 umol/L", "ecog": "1",
                   "hemoglobin": "13 g/dL", "total_bilirubin": "0.6 mg/dL"}},
    "typo and unknown names": {"age": 45, "sex": "female", "conditions": ["diabtes mellitus", "lead poisoning"]},
}


def profile(name: str):
    found, problems = read_profile(PatientEntry.from_patient_file(PATIENTS[name])[0])
    assert problems == []
    return found


@pytest.fixture
def db(library_home, tmp_path):
    """The real library, this test's own copy."""
    shutil.copy(library_home / "trialtui.sqlite3", tmp_path / "trialtui.sqlite3")
    with Database.open(tmp_path / "trialtui.sqlite3") as db:
        yield db


def rows_alone(db: Database, patient) -> dict[str, str]:
    """The verdicts from every trial's rows (the base dropped first; the check makes it again)."""
    with db.transaction() as conn:
        conn.execute("DELETE FROM check_base")
    return library_verdicts(patient, db)


@pytest.fixture
def reads(monkeypatch) -> list:
    """The `since` of each read of rows: None for every trial's, a generation for those on a base."""
    asked = []
    rows = CheckRead.rows
    monkeypatch.setattr(CheckRead, "rows", lambda self, since=None, chunk=20_000: asked.append(since) or rows(
        self, since, chunk))
    return asked


def stored_base(db: Database) -> int:
    """How many trials the stored base holds (0: none)."""
    with CheckRead(db) as read:
        base = read.base()
    return 0 if base is None else len(base.ids)


def changed(trial, **eligibility):
    return trial.model_copy(update={"last_update_posted": "2099-01-01",
                                    "eligibility": trial.eligibility.model_copy(update=eligibility)})


@pytest.mark.parametrize("name", PATIENTS)
def test_the_base_alone_the_base_with_the_trials_written_since_and_the_rows_alone_give_the_same_verdicts(
        db, reads, monkeypatch, name):
    monkeypatch.setattr(patient_verdicts, "BASE_CHUNK", 1_500)  # several chunks, as at registry scale
    patient, library = profile(name), Library(db)
    from_rows = rows_alone(db, patient)
    assert stored_base(db) == len(from_rows) == library.count() > 7900
    generation = library.generation()
    reads.clear()
    assert library_verdicts(patient, db) == from_rows
    assert reads == [generation]  # the base, and (none) written since

    ids = sorted(from_rows)
    men_only = [changed(library.get(t), sex="MALE") for t in [t for t in ids if from_rows[t] != "fails"][::10][:20]]
    new = [library.get(t).model_copy(update={"trial_id": f"NCT99{n:06d}"}) for n, t in enumerate(ids[7::900])]
    assert library.import_trials(men_only + new).updated == len(men_only)
    reads.clear()
    on_top = library_verdicts(patient, db)
    assert reads == [generation]
    assert on_top == rows_alone(db, patient)
    assert len(on_top) == len(from_rows) + len(new)
    assert {on_top[t.trial_id] for t in men_only} == {"fails"}  # none did before
    assert {on_top[t.trial_id] for t in new} == {from_rows[t] for t in ids[7::900]}


def test_a_base_far_behind_the_library_is_made_again_by_the_next_check(db, reads, monkeypatch):
    monkeypatch.setattr(patient_verdicts, "REBASE_OVER", 10)
    patient, library = profile("nsclc woman with labs"), Library(db)
    rows_alone(db, patient)
    ids = sorted(library_verdicts(patient, db))
    assert library.import_trials([changed(library.get(t), sex="MALE") for t in ids[:11]]).updated == 11
    reads.clear()
    after = library_verdicts(patient, db)
    assert reads == [None]  # more than 10 written since: every trial's rows
    assert {after[t] for t in ids[:11]} == {"fails"}
    reads.clear()
    assert library_verdicts(patient, db) == after
    assert reads == [library.generation()]  # the new base holds them


def test_a_trial_removed_after_the_base_was_made_has_no_verdict(db, reads):
    patient, library = profile("nsclc woman with labs"), Library(db)
    before = rows_alone(db, patient)
    gone = sorted(before)[::1000]
    for trial_id in gone:
        assert library.remove(trial_id)
    reads.clear()
    after = library_verdicts(patient, db)
    assert reads == [None]  # every trial's rows: the base held the removed trials
    assert after == {t: verdict for t, verdict in before.items() if t not in gone}
    assert stored_base(db) == len(after)


def test_rows_derived_again_after_the_base_was_made_are_the_ones_checked(db, monkeypatch):
    patient = profile("nsclc woman with labs")
    before = rows_alone(db, patient)
    again = [t for t in sorted(before) if before[t] != "fails"][::5]
    derive = derived_module.derive
    # A newer extractor reads these trials as for men only: the same versions, new rows.
    monkeypatch.setattr(derived_module, "derive", lambda trial: derive(changed(trial, sex="MALE")))
    assert Derived(db).rederive(again) == len(again)
    after = library_verdicts(patient, db)
    assert {after[t] for t in again} == {"fails"}
    assert after == {**before, **dict.fromkeys(again, "fails")}


def test_a_base_made_by_other_derived_data_versions_is_not_read(db, monkeypatch):
    patient = profile("nsclc woman with labs")
    assert rows_alone(db, patient)
    monkeypatch.setattr(derived_module, "FACTS_VERSION", derived_module.FACTS_VERSION + 1)
    assert library_verdicts(patient, db) == {}  # every row is stale: each trial is checked on its record


@pytest.mark.parametrize("damage", [
    "UPDATE check_base SET data = substr(data, 1, length(data) - 8) WHERE part = 'head'",
    "UPDATE check_base SET data = substr(data, 1, 24) || x'ffffffffffffffff' || substr(data, 33) WHERE part = 'head'",
    "UPDATE check_base SET data = substr(data, 1, 24) || x'0100000000000000' || substr(data, 33) WHERE part = 'head'",
    "UPDATE check_base SET data = substr(data, 1, length(data) - 3) WHERE part = 'limits'",
    "UPDATE check_base SET data = x'7b226c61' WHERE part = '_meta'",
    "UPDATE check_base SET data = CAST('[1, 2]' AS BLOB) WHERE part = '_meta'",
    "DELETE FROM check_base WHERE part = 'names'",
    "UPDATE check_base SET data = substr(data, 1, length(data) - 12) WHERE part = '_ids'",
], ids=["heads cut short", "a count below zero", "a count too many", "a limit cut", "meta cut", "meta not an object",
        "names missing", "an id missing"])
def test_a_damaged_base_is_read_past_and_made_again(db, reads, damage):
    patient = profile("typo and unknown names")
    expected = rows_alone(db, patient)
    with db.transaction() as conn:
        conn.execute(damage)
    reads.clear()
    assert library_verdicts(patient, db) == expected
    assert reads == [None]  # every trial's rows, not the base
    assert stored_base(db) == len(expected)


def test_the_verdicts_are_each_records_own(db):
    """The base's verdicts against the check run on each record, for a sample of trials."""
    patient, library = profile("nsclc woman with labs"), Library(db)
    rows_alone(db, patient)
    found = library_verdicts(patient, db)
    some = sorted(found)[::50]
    assert {t: found[t] for t in some} == {
        t: trial_fit(patient, trial, extract_thresholds(trial)).overall for t in some if (trial := library.get(t))}


def test_trialtui_import_makes_the_base_of_a_large_library_so_its_first_check_reads_it(
        shared_data, trialtui_home, reads, monkeypatch):
    from trialtui.cli import main

    monkeypatch.setattr(patient_verdicts, "BASE_AT_IMPORT_FROM", 1_000)
    assert main(["import", str(shared_data / "ctgov-v2" / "bulk-download-urology.zip")]) == 0
    with Database.open() as db:
        assert Library(db).count() == 565 and stored_base(db) == 0  # too few: the first check makes it
    assert main(["import", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")]) == 0
    patient = profile("nsclc woman with labs")
    with Database.open() as db:
        library = Library(db)
        assert stored_base(db) == library.count() == 1147
        reads.clear()
        first = library_verdicts(patient, db)
        assert reads == [library.generation()]  # the base, and (none) written since: no row read whole
        assert first == rows_alone(db, patient)
        assert len(first) == library.count() and set(first.values()) == {"fits", "fails", "unknown"}


def test_an_sqlite_failure_while_the_base_is_made_leaves_the_import_as_it_ended(
        shared_data, trialtui_home, monkeypatch, capsys):
    from trialtui.cli import main
    from trialtui.store.database import StoreError

    def failing(self, since=None, chunk=20_000):
        raise StoreError("disk I/O error")
        yield

    monkeypatch.setattr(patient_verdicts, "BASE_AT_IMPORT_FROM", 1_000)
    monkeypatch.setattr(CheckRead, "rows", failing)
    assert main(["import", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")]) == 0
    assert "1147 added" in capsys.readouterr().out
    with Database.open() as db:
        assert Library(db).count() == 1147 and stored_base(db) == 0
