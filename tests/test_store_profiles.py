"""Patient profiles saved by name survive a restart and replace one another by name."""

from __future__ import annotations

from trialtui.patient_check import PatientEntry
from trialtui.store import Database
from trialtui.store.profiles import PatientProfiles


def test_profiles_are_saved_by_name_and_read_back_after_reopening():
    entry = PatientEntry(age="8", sex="FEMALE", conditions="bone marrow involvement",
                         labs={"anc": "1200/mm3", "platelets": "80,000/µL"}, other="albumin 3.2 g/dL")
    with Database.open() as db:
        PatientProfiles(db).save("Lily, relapsed NB", entry.to_json())
        PatientProfiles(db).save("Tom", PatientEntry(age="12").to_json())
    with Database.open() as db:
        profiles = PatientProfiles(db)
        assert profiles.names() == ["Lily, relapsed NB", "Tom"]
        assert PatientEntry.from_json(profiles.load("Lily, relapsed NB")) == entry
        profiles.save("Tom", PatientEntry(age="13").to_json())
        assert profiles.load("Tom")["age"] == "13"
        profiles.delete("Tom")
        assert profiles.names() == ["Lily, relapsed NB"]
        assert profiles.load("Tom") is None
