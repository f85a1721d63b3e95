"""The local library: import, versions, the fast digest list, review marks."""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import zlib

import pytest

from trialtui.digest import digest_trial
from trialtui.eligibility.criteria import split_criteria
from trialtui.models import Eligibility, Location, Provenance, Trial
from trialtui.store import Database, ImportReport, Library, StoreError
from trialtui.store import library as library_module
from trialtui.store.library import CHANGED_SQL


def make_trial(trial_id: str = "NCT01000001", updated: str = "2024-01-10", **changes) -> Trial:
    values = dict(
        trial_id=trial_id,
        nct_id=trial_id,
        brief_title=f"A study of drug X ({trial_id})",
        overall_status="RECRUITING",
        phases=["PHASE2"],
        conditions=["Breast Cancer"],
        last_update_posted=updated,
        eligibility=Eligibility(
            criteria="Inclusion Criteria:\n\n* Platelets >= 100 x 10^9/L\n\nExclusion Criteria:\n\n* Pregnancy",
            minimum_age="18 Years",
        ),
        locations=[Location(facility="Dana-Farber", city="Boston", country="United States")],
        source=Provenance(path="first.json", format="ctgov-v2"),
    )
    values.update(changes)
    return Trial(**values)


@pytest.fixture
def library(tmp_path):
    with Database.open(tmp_path / "library.sqlite3") as db:
        yield Library(db)


def test_import_adds_then_reimport_is_unchanged(library):
    first = library.import_trials([make_trial("NCT01000001"), make_trial("NCT01000002")])
    assert first == ImportReport(added=2)
    again = library.import_trials(
        [make_trial("NCT01000001", source=Provenance(path="other-file.xml", format="ctgov-xml"))]
    )
    assert again == ImportReport(unchanged=1)
    assert library.count() == 2
    assert [v.number for v in library.versions("NCT01000001")] == [1]


def test_a_batch_of_more_trials_than_one_lookup_takes_meets_every_stored_one(library):
    """The versions a batch meets are looked up 900 ids at a time: the 901st and later are found too."""
    ids = [f"NCT0{n:07d}" for n in range(1, 952)]
    library.import_trials([make_trial(trial_id) for trial_id in ids])
    again = library.import_trials([make_trial(trial_id, updated="2024-05-01" if trial_id in (ids[3], ids[-1]) else
                                              "2024-01-10", brief_title="Revised" if trial_id in (ids[3], ids[-1])
                                              else f"A study of drug X ({trial_id})") for trial_id in ids])
    assert again == ImportReport(updated=2, unchanged=949)
    assert [v.number for v in library.versions(ids[-1])] == [1, 2]
    assert library.get(ids[-1]).brief_title == "Revised"


def test_newer_version_becomes_current_and_the_older_is_kept(library):
    library.import_trials([make_trial(updated="2024-01-10")], origin="import")
    newer = make_trial(
        updated="2024-03-02",
        overall_status="ACTIVE_NOT_RECRUITING",
        eligibility=Eligibility(criteria="Inclusion Criteria:\n\n* Platelets >= 50 x 10^9/L"),
    )
    report = library.import_trials([newer], origin="update")
    assert report == ImportReport(updated=1)

    current = library.get("NCT01000001")
    assert current.overall_status == "ACTIVE_NOT_RECRUITING"
    assert split_criteria(current.eligibility.criteria)[0].text == "Platelets >= 50 x 10^9/L"
    first = library.get_version("NCT01000001", 1)
    assert first.overall_status == "RECRUITING"
    assert first.last_update_posted == "2024-01-10"
    assert first.locations[0].city == "Boston"
    versions = library.versions("NCT01000001")
    assert [(v.number, v.last_update_posted, v.origin) for v in versions] == [
        (1, "2024-01-10", "import"), (2, "2024-03-02", "update")
    ]
    assert versions[0].imported_at <= versions[1].imported_at
    assert library.digests()[0].status == "ACTIVE_NOT_RECRUITING"


def test_changed_content_with_the_same_date_is_a_new_version(library):
    library.import_trials([make_trial()])
    report = library.import_trials([make_trial(brief_title="Corrected title")])
    assert report.updated == 1
    assert library.get("NCT01000001").brief_title == "Corrected title"
    assert len(library.versions("NCT01000001")) == 2


def test_an_older_record_does_not_replace_the_current_one(library):
    library.import_trials([make_trial(updated="2024-05-01", overall_status="COMPLETED")])
    report = library.import_trials([make_trial(updated="2023-02-01")])
    assert report == ImportReport(older=1)
    assert library.get("NCT01000001").overall_status == "COMPLETED"
    assert len(library.versions("NCT01000001")) == 1


def test_a_failing_source_leaves_the_library_as_it_was(library):
    library.import_trials([make_trial("NCT01000001")])

    def broken_source():
        yield make_trial("NCT01000002")
        yield make_trial("NCT01000001", updated="2025-01-01")
        raise ValueError("truncated file")

    with pytest.raises(ValueError):
        library.import_trials(broken_source())
    assert library.count() == 1
    assert library.versions("NCT01000001")[-1].number == 1


def test_a_trial_given_several_times_in_one_batch_is_weighed_against_its_record_before_it(library):
    first, newer = make_trial("NCT01000001"), make_trial("NCT01000001", updated="2025-01-01", conditions=["Melanoma"])
    report = library.import_trials([first, newer, first, newer, make_trial("NCT01000002")])
    assert (report.added, report.updated, report.older, report.unchanged) == (2, 1, 1, 1)
    assert [v.number for v in library.versions("NCT01000001")] == [1, 2]
    assert library.get("NCT01000001").conditions == ["Melanoma"]
    assert library.digests()[0].conditions == ("Melanoma",)


def test_an_error_while_writing_rolls_the_whole_batch_back(library, monkeypatch):
    library.import_trials([make_trial("NCT01000001")])

    def disk_full(conn, rows):  # the batch's trials and versions are written by then
        assert conn.execute("SELECT count(*) FROM trials").fetchone()[0] == 3
        raise OSError("disk full")

    monkeypatch.setattr(library_module, "store_derived", disk_full)
    batch = [make_trial("NCT01000002"), make_trial("NCT01000001", updated="2025-01-01"),
             make_trial("NCT01000003")]
    with pytest.raises(OSError):
        library.import_trials(batch)
    assert library.count() == 1
    assert library.get("NCT01000002") is None
    assert len(library.versions("NCT01000001")) == 1
    assert library.get("NCT01000001").last_update_posted == "2024-01-10"


def test_digests_are_the_current_records_digests(library):
    trials = [make_trial("NCT01000002"), make_trial("NCT01000001", conditions=["Melanoma"])]
    library.import_trials(trials)
    expected = sorted((digest_trial(t, origin="library") for t in trials), key=lambda d: d.trial_id)
    assert library.digests() == expected
    assert library.digests()[0].conditions == ("Melanoma",)
    assert library.digests()[0].min_age == 18.0


def test_the_first_digests_or_chosen_ones_are_read_alone(library):
    library.import_trials([make_trial(f"NCT0100000{n}") for n in (3, 1, 4, 2)])
    every = library.digests()
    assert library.digests(limit=2) == every[:2]
    assert library.digests(ids=["NCT01000004", "NCT01000002", "NCT05555555"]) == [every[1], every[3]]
    assert library.digests(ids=[]) == []


def test_review_marks_and_what_changed_since(library):
    library.import_trials([make_trial("NCT01000001"), make_trial("NCT01000002")])
    assert library.reviewed_version("NCT01000001") is None
    assert library.mark_reviewed("NCT01000001") == 1
    assert library.mark_reviewed("NCT09999999") is None
    assert library.changed_since_review() == []

    library.import_trials([make_trial("NCT01000001", updated="2024-06-01"),
                           make_trial("NCT01000002", updated="2024-06-01")])
    assert library.changed_since_review() == ["NCT01000001", "NCT01000002"]
    assert library.unseen_versions("NCT01000001") == (1, 2, True)
    assert library.unseen_versions("NCT01000002") == (1, 2, False)  # never reviewed: the one before
    assert library.reviewed_version("NCT01000001") == 1
    assert library.mark_reviewed("NCT01000001") == 2
    assert library.changed_since_review() == ["NCT01000002"]
    assert library.unseen_versions("NCT01000001") is None


def test_remove_drops_the_trial_and_its_versions(library):
    library.import_trials([make_trial("NCT01000001")])
    library.import_trials([make_trial("NCT01000001", updated="2024-09-09")])
    assert library.remove("NCT01000001") is True
    assert library.remove("NCT01000001") is False
    assert library.get("NCT01000001") is None
    assert library.versions("NCT01000001") == []
    assert library.count() == 0


def test_the_library_persists_across_processes_opening_it(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Database.open(path) as db:
        Library(db).import_trials([make_trial()])
    with Database.open(path) as db:
        assert Library(db).get("NCT01000001").conditions == ["Breast Cancer"]


def test_library_digests_behave_as_plain_digests(library):
    trial = make_trial(keywords=["HER2"], interventions=[{"name": "Trastuzumab", "other_names": ["Herceptin"]}])
    library.import_trials([trial])
    expected = digest_trial(trial, origin="library")
    [stored] = library.digests()
    assert stored.title == expected.title  # read before the search-only fields are decoded
    assert stored.countries == ("United States",)
    assert expected == stored and stored == expected
    assert hash(stored) == hash(expected)
    assert stored.drugs == ("Trastuzumab", "Herceptin")
    assert stored.facilities == ("Dana-Farber",)
    assert stored.to_json() == expected.to_json()
    assert dataclasses.replace(stored, status="COMPLETED").status == "COMPLETED"
    assert {stored, expected} == {expected}


def test_digests_are_rebuilt_when_the_digest_layout_changes(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Database.open(path) as db:
        Library(db).import_trials([make_trial()])
        with db.transaction() as conn:
            conn.execute("UPDATE trials SET digest_head = '[\"NCT01000001\",\"stale\"]', digest_tail = x''")
            conn.execute("UPDATE meta SET value = 'trial_id,title|' WHERE key = 'digest_layout'")
    with Database.open(path) as db:
        [digest] = Library(db).digests()
        assert digest.title == "A study of drug X (NCT01000001)"
        assert digest.facilities == ("Dana-Farber",)


def test_each_field_of_a_library_digest_reads_right_whichever_is_read_first(library):
    trial = make_trial(keywords=["HER2"], phases=["PHASE1", "PHASE2"], conditions=["Breast Cancer", "HER2+"])
    library.import_trials([trial])
    expected = digest_trial(trial, origin="library")
    for name in ("title", "origin", "conditions", "drugs", "min_age"):
        [stored] = library.digests()
        assert getattr(stored, name) == getattr(expected, name)
        assert dataclasses.astuple(stored) == dataclasses.astuple(expected)


def test_library_digests_decode_alike_when_two_threads_read_them_at_once(library):
    trials = [make_trial(f"NCT0{n:07d}", conditions=[f"Condition {n}"]) for n in range(300)]
    library.import_trials(trials)
    expected = {t.trial_id: digest_trial(t, origin="library") for t in trials}
    digests = library.digests()
    seen: dict[str, list] = {"title": [], "facilities": []}
    start = threading.Barrier(2)

    def read(name):
        start.wait()
        seen[name] = [(d.trial_id, getattr(d, name), d.conditions) for d in digests]

    threads = [threading.Thread(target=read, args=(name,)) for name in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, values in seen.items():
        assert values == [(tid, getattr(expected[tid], name), expected[tid].conditions) for tid, _, _ in values]
    assert digests == sorted(expected.values(), key=lambda d: d.trial_id)


def test_changed_since_review_reads_indexes_only(library):
    plan = " | ".join(row[-1] for row in library.db.query("EXPLAIN QUERY PLAN " + CHANGED_SQL))
    assert "USING INDEX trials_reviewed" in plan
    assert "SCAN v USING COVERING INDEX" in plan and "SCAN trials" not in plan, plan
    library.import_trials([make_trial(f"NCT0100000{n}") for n in (3, 1, 2, 4)])
    for trial_id in ("NCT01000003", "NCT01000001", "NCT01000004"):
        library.mark_reviewed(trial_id)
    library.import_trials([make_trial(f"NCT0100000{n}", updated="2025-01-01") for n in (3, 1, 2)])
    assert library.changed_since_review() == ["NCT01000001", "NCT01000002", "NCT01000003"]


def test_search_fields_read_after_the_library_is_closed_or_changed(tmp_path):
    path = tmp_path / "library.sqlite3"
    with Database.open(path) as db:
        library = Library(db)
        library.import_trials([make_trial("NCT01000001"), make_trial("NCT01000002"), make_trial("NCT01000003")])
        digests = library.digests()
        library.import_trials([make_trial("NCT01000002", updated="2025-01-01",
                                          locations=[Location(facility="Mayo Clinic", city="Rochester")])])
        library.remove("NCT01000003")
    first, updated, removed = digests
    assert first.facilities == ("Dana-Farber",)
    assert updated.facilities == ("Mayo Clinic",)  # the newer version, as its record would be
    assert (removed.title, removed.facilities, removed.min_age) == ("A study of drug X (NCT01000003)", (), None)


def test_a_copy_of_a_library_digest_is_the_plain_digest(library):
    trial = make_trial()
    library.import_trials([trial])
    [stored] = library.digests()
    copied = copy.copy(stored)
    assert type(copied) is type(digest_trial(trial)) and copied == digest_trial(trial, origin="library")
    assert stored.cities == ("Boston",)


def test_records_stored_zlib_compressed_by_earlier_versions_read_as_before(library):
    library.import_trials([make_trial("NCT01000001"), make_trial("NCT01000002")])
    stored = library.db.query("SELECT record FROM trial_versions WHERE trial_id = 'NCT01000002'")[0][0]
    assert stored[:4] == b"\x28\xb5\x2f\xfd"  # a Zstandard frame
    with library.db.transaction() as conn:  # as an earlier trialtui stored it
        conn.execute("UPDATE trial_versions SET record = ? WHERE trial_id = 'NCT01000001'",
                     (zlib.compress(make_trial("NCT01000001").model_dump_json().encode()),))
    assert library.get("NCT01000001").brief_title == "A study of drug X (NCT01000001)"
    assert library.get("NCT01000002").eligibility.minimum_age == "18 Years"


@pytest.mark.parametrize("damage", [b"\x28\xb5\x2f\xfd" + b"\x00" * 20, b"\x78\x9c not zlib", b"",
                                    zlib.compress(b'{"trial_id": 5}')])
def test_a_damaged_record_is_a_store_error_naming_the_trial(library, damage):
    library.import_trials([make_trial("NCT01000001")])
    with library.db.transaction() as conn:
        conn.execute("UPDATE trial_versions SET record = ?", (damage,))
    for read in (lambda: library.get("NCT01000001"), lambda: library.get_version("NCT01000001", 1)):
        with pytest.raises(StoreError, match="the stored record of NCT01000001.* cannot be read: ") as raised:
            read()
        assert str(raised.value).startswith(str(library.db.path)) and "\n" not in str(raised.value)


def test_the_excluded_fields_are_written_as_the_include_filter_writes_them():
    trial = make_trial(condition_mesh={"terms": ["Breast Neoplasms"], "ancestors": ["Neoplasms", "Skin Diseases"]},
                       source=Provenance(path='naïve "dir"\\f.json', format="ctgov-v2", line=7))
    to_json = trial.__pydantic_serializer__.to_json
    for one in (trial, make_trial()):
        assert library_module._excluded_fields(one) == to_json(one, include=library_module._CONTENT_EXCLUDE)


def test_the_list_columns_are_written_as_pythons_json_writes_them():
    trial = make_trial(brief_title='a "quoted"\\ title\n\x01\x7f é 😀\u2028', enrollment=10**30,
                       conditions=["Cancer\t"])
    digest = digest_trial(trial, origin=library_module.LIBRARY_ORIGIN)
    values = [getattr(digest, name) for name in library_module.HEAD_FIELDS]
    expected = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    assert library_module._split_digest(digest)[0] == expected
