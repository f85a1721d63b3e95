"""The registry's own filters (study type, sex, age group, healthy volunteers, intervention type,
funder type, results, start and last-update dates) admit exactly the trials the raw records say:
the 1,147 API v2 studies read with `json` and the 6,786 legacy XML records with ElementTree, here,
without trialtui's readers, against `trialtui list --json` on a library imported from the same files."""

from __future__ import annotations

import datetime
import gzip
import json
import re
import tarfile
import xml.etree.ElementTree as ET

import pytest

from trialtui.cli import main
from trialtui.search import SearchIndex
from trialtui.search.index import SearchFilters

_AGE = re.compile(r"^(\d+(?:\.\d+)?) (Year|Month|Week|Day|Hour|Minute)s?$")
_YEARS = {"Year": 1, "Month": 1 / 12, "Week": 7 / 365.25, "Day": 1 / 365.25, "Hour": 1 / 8766, "Minute": 1 / 525960}
_XML_TYPES = {"Interventional": "interventional", "Observational": "observational",
              "Observational [Patient Registry]": "observational", "Expanded Access": "expanded_access"}
_XML_FUNDERS = {"NIH": "nih", "U.S. Fed": "federal", "Industry": "industry"}
_JSON_FUNDERS = {"NIH": "nih", "FED": "federal", "INDUSTRY": "industry"}


def years(text: str | None) -> float | None:
    match = _AGE.match(text or "")
    return float(match.group(1)) * _YEARS[match.group(2)] if match else None


def iso(text: str | None) -> str:
    """API v2 dates as they are; legacy "March 3, 2020" / "March 2020" written the same way."""
    text = (text or "").strip()
    for pattern, written in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.datetime.strptime(text, pattern).strftime(written)
        except ValueError:
            pass
    return text


_XML_PHASES = {"Early Phase 1": "EARLY_PHASE1", "Phase 1": "PHASE1", "Phase 2": "PHASE2", "Phase 3": "PHASE3",
               "Phase 4": "PHASE4", "NA": "NA"}


def admits_age(ages: tuple[float | None, float | None], age: float) -> bool:
    low, high = ages
    return (low is None or low <= age) and (high is None or age <= high)


def api_record(study: dict) -> dict:
    protocol = study["protocolSection"]
    status = protocol.get("statusModule", {})
    eligibility = protocol.get("eligibilityModule", {})
    sponsors = protocol.get("sponsorCollaboratorsModule", {})
    classes = [sponsors.get("leadSponsor", {}).get("class"), *(c.get("class") for c in sponsors.get("collaborators", []))]
    return {
        "id": protocol["identificationModule"]["nctId"],
        "updated": status.get("lastUpdatePostDateStruct", {}).get("date", ""),
        "started": status.get("startDateStruct", {}).get("date", ""),
        "type": (protocol.get("designModule", {}).get("studyType") or "").lower(),
        "sex": (eligibility.get("sex") or "").lower(),
        "healthy": eligibility.get("healthyVolunteers") is True,
        "ages": (years(eligibility.get("minimumAge")), years(eligibility.get("maximumAge"))),
        "interventions": {(i.get("type") or "").lower()
                          for i in protocol.get("armsInterventionsModule", {}).get("interventions", [])},
        "funders": {_JSON_FUNDERS.get(c, "other") for c in classes if c},
        "results": study.get("hasResults"),
        "status": status.get("overallStatus", ""),
        "phases": set(protocol.get("designModule", {}).get("phases", [])),
        "countries": {loc.get("country") for loc in protocol.get("contactsLocationsModule", {}).get("locations", [])},
    }


def xml_record(root: ET.Element) -> dict:
    gender = (root.findtext("eligibility/gender") or "").lower()
    return {
        "id": root.findtext("id_info/nct_id"),
        "updated": iso(root.findtext("last_update_posted")),
        "started": iso(root.findtext("start_date")),
        "type": _XML_TYPES.get(root.findtext("study_type") or "", ""),
        "sex": gender,
        "healthy": root.findtext("eligibility/healthy_volunteers") == "Accepts Healthy Volunteers",
        "ages": (years(root.findtext("eligibility/minimum_age")), years(root.findtext("eligibility/maximum_age"))),
        "interventions": {(i.findtext("intervention_type") or "").lower().replace(" ", "_")
                          for i in root.findall("intervention")},
        "funders": {_XML_FUNDERS.get(s.findtext("agency_class") or "", "other")
                    for s in root.findall("sponsors/*") if s.findtext("agency_class")},
        "results": root.find("clinical_results") is not None,
        "status": (root.findtext("overall_status") or "").upper().replace(",", "").replace(" ", "_"),
        "phases": {_XML_PHASES[p] for p in (root.findtext("phase") or "").replace("N/A", "NA").split("/") if p},
        "countries": {c.text for c in root.findall("location_countries/country")}
                     | {c.text for c in root.findall("location/facility/address/country")},
    }


@pytest.fixture(scope="module")
def raw(shared_data) -> dict[str, dict]:
    """NCT ID → the record's facts; a trial in both files keeps the later-updated record (the
    legacy one, imported second, on a tie), as an import does."""
    records = {}
    with gzip.open(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz", "rt") as lines:
        for line in lines:
            record = api_record(json.loads(line))
            records[record["id"]] = record
    with tarfile.open(shared_data / "ctgov-legacy-xml-subset.tar.gz") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".xml"):
                record = xml_record(ET.parse(archive.extractfile(member)).getroot())
                known = records.get(record["id"])
                if known is None or not record["updated"] < known["updated"]:
                    records[record["id"]] = record
    return records


def listed(capsys, *flags: str) -> set[str]:
    """The library's trials `trialtui list --json FLAGS` lists (the bundled seeds left out)."""
    assert main(["list", "--json", *flags]) == 0
    return {row["trial_id"] for row in json.loads(capsys.readouterr().out) if row["source"] == "library"}


def overlaps(ages: tuple[float | None, float | None], start: float, end: float | None) -> bool:
    low, high = ages
    return (high is None or high >= start) and (end is None or low is None or low < end)


CASES = {
    "--type interventional": lambda r: r["type"] == "interventional",
    "--type observational --type expanded_access": lambda r: r["type"] in ("observational", "expanded_access"),
    "--sex female": lambda r: r["sex"] in ("female", "all"),
    "--sex male": lambda r: r["sex"] in ("male", "all"),
    "--age-group child": lambda r: overlaps(r["ages"], 0, 18),
    "--age-group adult": lambda r: overlaps(r["ages"], 18, 65),
    "--age-group older_adult": lambda r: overlaps(r["ages"], 65, None),
    "--age-group child --age-group older_adult": lambda r: overlaps(r["ages"], 0, 18) or overlaps(r["ages"], 65, None),
    "--healthy-volunteers": lambda r: r["healthy"],
    "--intervention-type device": lambda r: "device" in r["interventions"],
    "--intervention-type dietary_supplement --intervention-type radiation":
        lambda r: bool({"dietary_supplement", "radiation"} & r["interventions"]),
    "--funder nih": lambda r: "nih" in r["funders"],
    "--funder federal": lambda r: "federal" in r["funders"],
    "--funder industry": lambda r: "industry" in r["funders"],
    "--funder other": lambda r: "other" in r["funders"],
    "--has-results": lambda r: r["results"] is True,
    "--no-results": lambda r: r["results"] is False,
    "--start-from 2020 --start-to 2020": lambda r: r["started"][:4] == "2020",
    "--start-from 2020-01 --start-to 2021-12": lambda r: "2020-01" <= r["started"][:7] <= "2021-12",
    "--start-to 1999-06-30": lambda r: "" < r["started"] and r["started"][:10] <= "1999-06-30",
    "--updated-from 2023-06": lambda r: r["updated"] >= "2023-06",
    "--status recruiting": lambda r: r["status"] == "RECRUITING",
    "--status completed --status terminated": lambda r: r["status"] in ("COMPLETED", "TERMINATED"),
    "--phase 2": lambda r: r["phases"] == {"PHASE2"},
    "--phase 1/2": lambda r: r["phases"] == {"PHASE1", "PHASE2"},
    "--phase na": lambda r: r["phases"] == {"NA"},
    "--age 70": lambda r: admits_age(r["ages"], 70),
    "--country USA": lambda r: "United States" in r["countries"],
    "--country Deutschland": lambda r: "Germany" in r["countries"],
    "--country GB": lambda r: "United Kingdom" in r["countries"],
    "--country KOR": lambda r: bool({"Korea, Republic of", "South Korea"} & r["countries"]),
    "--type interventional --funder industry --age-group older_adult --intervention-type drug":
        lambda r: (r["type"] == "interventional" and "industry" in r["funders"]
                   and overlaps(r["ages"], 65, None) and "drug" in r["interventions"]),
}


@pytest.mark.parametrize("flags", CASES)
def test_each_filter_lists_what_the_raw_records_say(library_home, monkeypatch, raw, capsys, flags):
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    expected = {trial_id for trial_id, record in raw.items() if CASES[flags](record)}
    assert 0 < len(expected) < len(raw)
    assert listed(capsys, *flags.split()) == expected


def test_an_iso_country_code_lists_what_the_country_name_lists(capsys, shared_data):
    data = str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")

    def listed_for(country: str) -> tuple[list[str], str]:
        assert main(["--data", data, "list", "--json", "--country", country]) == 0
        out, err = capsys.readouterr()
        return sorted(row["trial_id"] for row in json.loads(out)), err

    named, said = listed_for("United Kingdom")
    assert len(named) == 44 and said == ""
    for code in ("GB", "GBR", "gb"):
        assert listed_for(code) == (named, f"trialtui: country {code!r} read as United Kingdom\n")
    assert listed_for("JP")[0] == listed_for("Japan")[0] and len(listed_for("JPN")[0]) == 52


def test_a_phase_admits_the_trials_of_that_phase_only(capsys, shared_data):
    """The contract's "phase is P": 87 phase 1 trials and 45 phase 1/2 ones, 132 when both are asked for."""
    data = str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")

    def count(*phases: str) -> int:
        assert main(["--data", data, "list", "--json", *(f for phase in phases for f in ("--phase", phase))]) == 0
        return len(json.loads(capsys.readouterr().out))

    counts = {phases: count(*phases) for phases in (("1",), ("1/2",), ("1", "1/2"), ("phase 2",), ("2", "2/3", "3"))}
    assert counts == {("1",): 87, ("1/2",): 45, ("1", "1/2"): 132, ("phase 2",): 114, ("2", "2/3", "3"): 257}


def test_the_registry_defines_age_groups_as_the_filter_does(shared_data):
    """The API records carry the registry's own age groups (``stdAges``): overlapping each
    group's years gives the same groups."""
    groups = {"CHILD": (0, 18), "ADULT": (18, 65), "OLDER_ADULT": (65, None)}
    with gzip.open(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz", "rt") as lines:
        studies = [json.loads(line)["protocolSection"] for line in lines]
    for study in studies:
        eligibility = study.get("eligibilityModule", {})
        ages = (years(eligibility.get("minimumAge")), years(eligibility.get("maximumAge")))
        if eligibility.get("stdAges"):
            assert {g for g, span in groups.items() if overlaps(ages, *span)} == set(eligibility["stdAges"]), study[
                "identificationModule"]["nctId"]


@pytest.mark.parametrize("flags, said", [
    (("--type", "trial"), "trialtui: unknown study type 'trial' (one of: interventional, observational, "
                          "expanded_access)"),
    (("--sex", "other"), "trialtui: unknown sex 'other' (one of: female, male)"),
    (("--age-group", "teen"), "trialtui: unknown age group 'teen' (one of: child, adult, older_adult)"),
    (("--intervention-type", "pill"), "trialtui: unknown intervention type 'pill' (one of: drug, device, "),
    (("--funder", "gov"), "trialtui: unknown funder type 'gov' (one of: nih, federal, industry, other)"),
    (("--start-from", "2020-13"), "trialtui: start date from '2020-13' is not a date (2020, 2020-03 or 2020-03-15)"),
    (("--updated-to", "soon"), "trialtui: last update to 'soon' is not a date"),
    (("--start-from", "2022", "--start-to", "2021-06"),
     "trialtui: start dates from 2022 to 2021-06: the first is after the second"),
])
def test_values_that_mean_nothing_are_usage_errors_in_one_line(capsys, flags, said):
    status = main(["list", *flags])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith(said) and err.count("\n") == 1


def test_written_dates_and_flag_spellings_read_as_the_registry_values(library_home, monkeypatch, raw, capsys):
    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    assert listed(capsys, "--start-from", "March 2019", "--start-to", "2019-03") == listed(
        capsys, "--start-from", "2019-03-01", "--start-to", "2019-03-31")
    assert listed(capsys, "--type", "Expanded Access") == listed(capsys, "--type", "expanded_access")
    assert listed(capsys, "--funder", "fed") == listed(capsys, "--funder", "federal")


def test_an_index_kept_as_arrays_filters_as_the_built_one(api_digests):
    built = SearchIndex.build(api_digests)
    loaded = SearchIndex.from_arrays(*built.arrays(), api_digests)
    every = SearchFilters(study_types=frozenset({"INTERVENTIONAL"}), sexes=frozenset({"FEMALE"}),
                          age_groups=frozenset({"ADULT"}), intervention_types=frozenset({"DEVICE"}),
                          funder_types=frozenset({"OTHER"}), has_results=False, started=(20150101, 20249999))
    found = [hit.trial_id for hit in built.search("", limit=2000, filters=every)]
    assert found and len(found) < len(api_digests)
    assert [hit.trial_id for hit in loaded.search("", limit=2000, filters=every)] == found


async def test_the_dialog_applies_registry_filters_typed_and_ticked_by_keys(library_home, monkeypatch, raw):
    from textual.widgets import Input, Select, SelectionList, Static

    from pilot_helpers import SIZE, filters_opened, text_of, type_text, wait_for
    from trialtui.tui.app import build_app
    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    monkeypatch.setenv("TRIALTUI_HOME", str(library_home))
    expected = {trial_id for trial_id, r in raw.items()
                if r["type"] == "interventional" and "device" in r["interventions"] and r["results"] is True
                and "2015" <= r["started"][:4] <= "2020"}
    assert expected
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials, dialog = await filters_opened(pilot)
        await pilot.press(*["tab"] * 9)  # statuses, phases, review, country, near, within, age, tag, starred: study types
        assert app.focused is dialog.query_one("#filter-study-types", SelectionList)
        await pilot.press("space", *["tab"] * 3, "down", "space")  # Interventional; Device
        await pilot.press("tab", "tab", "tab")  # funders, healthy volunteers: results
        assert app.focused is dialog.query_one("#filter-results", Select)
        await pilot.press("enter", "down", "enter")  # With results posted
        await pilot.press("tab")
        assert app.focused is dialog.query_one("#filter-start-from", Input)
        await type_text(pilot, "2015")
        await pilot.press("tab")
        await type_text(pilot, "2020")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilterDialog))
        said = screen.query_one("#filters", Static)
        assert text_of(said) == "Filters: Interventional · Device · with results · started 2015 to 2020"
        await wait_for(pilot, lambda: {d.trial_id for d in trials.digests if d.origin == "library"} == expected)
        assert f"{len(trials.digests):,} of" in text_of(screen.query_one("#list-status", Static))

        await pilot.press("f")  # open again: what was chosen is there to change
        await wait_for(pilot, lambda: isinstance(app.screen, FilterDialog))
        dialog = app.screen
        assert dialog.query_one("#filter-study-types", SelectionList).selected == ["INTERVENTIONAL"]
        assert dialog.query_one("#filter-results", Select).value == "with"
        assert (dialog.query_one("#filter-start-from", Input).value,
                dialog.query_one("#filter-start-to", Input).value) == ("2015", "2020")
        dialog.query_one("#filter-start-to", Input).value = "2014"
        await pilot.press("ctrl+s")
        assert text_of(dialog.query_one("#filter-status", Static)) == (
            "Start dates from 2015 to 2014: the first is after the second")
