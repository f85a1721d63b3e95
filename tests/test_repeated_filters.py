"""`--country`, `--age` and `--near` repeated mean "any of these", as `--status` does, and the
filter dialog reads several values typed in one field the same way: the 1,147 real API v2
studies, read here with `json` (not trialtui's readers), against `trialtui list --json`."""

from __future__ import annotations

import gzip
import json
import math
import re

import pytest
from textual.widgets import Input, Static

from pilot_helpers import SIZE, filters_opened, text_of, type_text, wait_for
from trialtui.cli import main
from trialtui.tui.app import build_app

BOSTON = (42.3601, -71.0589)
LYON = (45.7640, 4.8357)
_AGE = re.compile(r"^(\d+(?:\.\d+)?) (Year|Month|Week|Day)s?$")
_YEARS = {"Year": 1, "Month": 1 / 12, "Week": 7 / 365.25, "Day": 1 / 365.25}


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def years(text: str | None) -> float | None:
    match = _AGE.match(text or "")
    return float(match.group(1)) * _YEARS[match.group(2)] if match else None


@pytest.fixture(scope="module")
def studies_path(shared_data):
    return shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"


@pytest.fixture(scope="module")
def raw(studies_path) -> dict[str, dict]:
    """Each study's site countries and points, age limits and phases, straight from the JSON."""
    found = {}
    for line in gzip.open(studies_path, "rt", encoding="utf-8"):
        protocol = json.loads(line)["protocolSection"]
        sites = protocol.get("contactsLocationsModule", {}).get("locations", [])
        eligibility = protocol.get("eligibilityModule", {})
        found[protocol["identificationModule"]["nctId"]] = {
            "countries": {site.get("country") for site in sites},
            "points": [(site["geoPoint"]["lat"], site["geoPoint"]["lon"]) for site in sites if "geoPoint" in site],
            "unplaced": any("geoPoint" not in site for site in sites),
            "ages": (years(eligibility.get("minimumAge")), years(eligibility.get("maximumAge"))),
            "phases": set(protocol.get("designModule", {}).get("phases", [])),
            "status": protocol.get("statusModule", {}).get("overallStatus"),
        }
    return found


def listed(capsys, path, *flags: str) -> tuple[list[dict], str]:
    status = main(["list", "--data", str(path), "--json", *flags])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out), err


def ids(rows: list[dict]) -> set[str]:
    return {row["trial_id"] for row in rows}


def admits(ages: tuple[float | None, float | None], age: float) -> bool:
    low, high = ages
    return (low is None or low <= age) and (high is None or age <= high)


def test_two_countries_list_every_trial_with_a_site_in_either(studies_path, raw, capsys):
    rows, err = listed(capsys, studies_path, "--country", "USA", "--country", "France")
    expected = {tid for tid, study in raw.items() if study["countries"] & {"United States", "France"}}
    assert ids(rows) == expected and len(expected) == 461
    assert err.splitlines() == ["trialtui: country 'USA' read as United States"]
    france_only = {tid for tid, study in raw.items() if "France" in study["countries"]}
    assert len(france_only) < len(expected)  # the first country counts too, not the last alone


def test_each_country_is_read_and_an_unknown_one_is_named(studies_path, capsys):
    rows, err = listed(capsys, studies_path, "--country", "Frnce", "--country", "Deutschland")
    assert err.splitlines() == ["trialtui: country 'Frnce' read as France",
                                "trialtui: country 'Deutschland' read as Germany"]
    assert main(["list", "--data", str(studies_path), "--country", "France", "--country", "Narnia"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("trialtui: no country like 'Narnia' among the trials' sites")


def test_two_ages_list_every_trial_admitting_either(studies_path, raw, capsys):
    rows, _ = listed(capsys, studies_path, "--age", "18", "--age", "70")
    expected = {tid for tid, study in raw.items() if admits(study["ages"], 18) or admits(study["ages"], 70)}
    assert ids(rows) == expected and len(expected) == 1009
    seventy, _ = listed(capsys, studies_path, "--age", "70")
    assert len(seventy) == 792 < len(rows)


def test_repeated_flags_hold_with_another_flag_all_at_once(studies_path, raw, capsys):
    rows, _ = listed(capsys, studies_path, "--country", "United States", "--country", "France",
                     "--age", "5", "--age", "80", "--phase", "2")
    expected = {tid for tid, study in raw.items()
                if study["countries"] & {"United States", "France"} and study["phases"] == {"PHASE2"}
                and (admits(study["ages"], 5) or admits(study["ages"], 80))}
    assert ids(rows) == expected and 10 < len(expected) < 461


def test_two_places_list_the_trials_near_either_nearest_first(studies_path, raw, capsys):
    boston, lyon = (f"{lat},{lon}" for lat, lon in (BOSTON, LYON))
    rows, _ = listed(capsys, studies_path, "--near", boston, "--near", lyon, "--within", "50km")
    measured = {tid: min((haversine(place, p) for place in (BOSTON, LYON) for p in study["points"]), default=math.inf)
                for tid, study in raw.items()}
    expected = {tid for tid, km in measured.items() if km <= 50}
    near_boston = {tid for tid, study in raw.items() if any(haversine(BOSTON, p) <= 50 for p in study["points"])}
    assert expected - near_boston and near_boston <= expected  # both places count
    assert expected <= ids(rows)
    for row in rows:  # the others: sites without a geoPoint, placed by their city
        assert row["trial_id"] in expected or raw[row["trial_id"]]["unplaced"], row["trial_id"]
        if row["trial_id"] in expected:
            assert abs(row["nearest_km"] - measured[row["trial_id"]]) < 0.01, row["trial_id"]
    assert [row["nearest_km"] for row in rows] == sorted(row["nearest_km"] for row in rows)


def test_two_places_list_the_union_of_each_alone_at_the_nearer_distance(studies_path, capsys):
    both, err = listed(capsys, studies_path, "--near", "Boston", "--near", "Lyon, France")
    assert "trialtui: near 'Boston' read as Boston, Massachusetts, US (also: Boston, United Kingdom)" in err
    boston = {row["trial_id"]: row["nearest_km"] for row in listed(capsys, studies_path, "--near", "Boston")[0]}
    lyon = {row["trial_id"]: row["nearest_km"] for row in listed(capsys, studies_path, "--near", "Lyon, France")[0]}
    assert ids(both) == boston.keys() | lyon.keys() and boston.keys() & lyon.keys()  # some have sites near both
    for row in both:
        assert row["nearest_km"] == min(boston.get(row["trial_id"], math.inf), lyon.get(row["trial_id"], math.inf))
    recruiting, _ = listed(capsys, studies_path, "--near", "Boston", "--near", "Lyon, France", "--status", "recruiting")
    assert [row["trial_id"] for row in recruiting] == [row["trial_id"] for row in both
                                                       if row["status"] == "RECRUITING"]


async def test_the_dialog_reads_several_countries_ages_and_places(studies_path, raw, capsys):

    cli, _ = listed(capsys, studies_path, "--country", "France", "--country", "United States",
                    "--age", "18", "--age", "70")
    near, _ = listed(capsys, studies_path, "--near", "Boston, MA", "--near", "Lyon, France")
    app = build_app(data=[studies_path])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials, dialog = await filters_opened(pilot)
        dialog.query_one("#filter-country", Input).focus()
        await type_text(pilot, "France; USA")
        assert text_of(app.screen.query_one("#filter-country-note", Static)) == "→ United States"
        app.screen.query_one("#filter-age", Input).focus()
        await type_text(pilot, "18, 70")
        await pilot.press("ctrl+s")
        label = screen.query_one("#filters", Static)
        await wait_for(pilot, lambda: "France" in text_of(label))
        assert text_of(label) == "Filters: France or United States · open at age 18 or 70"
        await wait_for(pilot, lambda: len(trials.digests) == len(cli))
        assert {d.trial_id for d in trials.digests} == ids(cli)

        await pilot.press("f")
        dialog = app.screen
        assert dialog.query_one("#filter-country", Input).value == "France; United States"
        assert dialog.query_one("#filter-age", Input).value == "18, 70"
        dialog.query_one("#filter-country", Input).value = ""
        dialog.query_one("#filter-age", Input).value = ""
        dialog.query_one("#filter-near", Input).focus()
        await type_text(pilot, "Boston, MA; Lyon, France")
        note = dialog.query_one("#filter-near-note", Static)
        await wait_for(pilot, lambda: text_of(note) == "Boston, Massachusetts, US; Lyon, France")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "within" in text_of(label))
        assert text_of(label) == "Filters: within 50 km of Boston, Massachusetts, US or Lyon, France"
        await wait_for(pilot, lambda: [d.trial_id for d in trials.digests] == [row["trial_id"] for row in near])
