"""Trials near a place: site coordinates from real records, the gazetteer, `list --near`, the dialog."""

from __future__ import annotations

import gzip
import json
import math
import os
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

from textual.widgets import Input, Static

import trialtui
from conftest import SEEDS
from pilot_helpers import SIZE, loaded, text_of, wait_for
from trialtui.cli import main
from trialtui.ingest import load_paths
from trialtui.models import Location
from trialtui.tui.app import build_app
from trialtui.tui.widgets.trial_list import TrialList

BOSTON = (42.35843, -71.05977)
"""GeoNames' point for Boston, Massachusetts (geonameid 4930956), written out here."""


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def raw_points(path) -> dict[str, list[tuple[float, float] | None]]:
    """Each study's sites' geoPoint as the raw JSON gives it (None for a site without one)."""
    points = {}
    for line in gzip.open(path, "rt"):
        study = json.loads(line)["protocolSection"]
        sites = study.get("contactsLocationsModule", {}).get("locations", [])
        points[study["identificationModule"]["nctId"]] = [
            (site["geoPoint"]["lat"], site["geoPoint"]["lon"]) if "geoPoint" in site else None for site in sites]
    return points


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_api_sites_carry_their_geo_points(shared_data, api_trials):
    raw = raw_points(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")
    sites = given = 0
    for trial in api_trials:
        points = [(loc.latitude, loc.longitude) if loc.latitude is not None else None for loc in trial.locations]
        assert points == raw[trial.trial_id], trial.trial_id
        sites += len(points)
        given += sum(p is not None for p in points)
    assert sites > 7000 and given / sites > 0.95


def test_list_near_boston_counts_what_the_raw_records_say(shared_data, capsys):
    path = shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"
    status, out, err = run(capsys, "list", "--data", str(path), "--near", "Boston, MA", "--within", "50km", "--json")
    assert status == 0, err
    rows = json.loads(out)
    expected = {}
    for trial_id, points in raw_points(path).items():
        km = min((haversine(BOSTON, p) for p in points if p), default=math.inf)
        if km <= 50:
            expected[trial_id] = km
    placed_by_city = {r["trial_id"] for r in rows} - set(expected)
    for trial in load_paths([path]).trials:  # the only others: sites without a geoPoint, placed by their city
        if trial.trial_id in placed_by_city:
            assert any(loc.latitude is None and loc.city for loc in trial.locations)
    assert len(expected) > 20 and set(expected) <= {r["trial_id"] for r in rows}
    for row in rows:
        if row["trial_id"] in expected:
            assert abs(row["nearest_km"] - expected[row["trial_id"]]) < 0.05
    assert [r["nearest_km"] for r in rows] == sorted(r["nearest_km"] for r in rows)


def test_list_near_in_miles_prints_a_distance_column(shared_data, capsys):
    path = shared_data / "ctgov-v2" / "api-page-boston.json"
    status, out, err = run(capsys, "list", "--data", str(path), "--near", "42.3601,-71.0589", "--within", "10mi")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "Distance", "Status"]
    assert len(lines) > 10 and all(" mi " in line for line in lines[1:])


def test_an_ambiguous_place_is_named_and_an_unknown_one_refused(capsys):
    status, out, err = run(capsys, "list", "--near", "Portland", "--within", "30mi")
    assert status == 0
    assert "read as Portland, Oregon, US (also: Portland, Maine, US" in err
    status, out, err = run(capsys, "list", "--near", "Bostn")
    assert status == 0 and "read as Boston, Massachusetts, US" in err
    status, out, err = run(capsys, "list", "--near", "Qwxzplk")
    assert status == 2 and err.startswith("trialtui: no place like 'Qwxzplk'") and out == ""
    status, out, err = run(capsys, "list", "--near", "Boston", "--within", "far")
    assert status == 2 and "distance 'far' is not like 50km or 30mi" in err


def boston_xml(shared_data, folder: Path) -> Path:
    """A legacy XML record whose every site is in Boston, Massachusetts, with no coordinates."""
    with tarfile.open(shared_data / "ctgov-legacy-xml-subset.tar.gz") as archive:
        for member in archive.getmembers():
            if not member.name.endswith(".xml"):
                continue
            root = ET.fromstring(archive.extractfile(member).read())
            cities = {(a.findtext("city"), a.findtext("state"), a.findtext("country"))
                      for a in root.iter("address")}
            if cities == {("Boston", "Massachusetts", "United States")}:
                target = folder / "boston.xml"
                target.write_bytes(archive.extractfile(member).read())
                return target
    raise AssertionError("no legacy record with its sites in Boston only")


def shipped_boston() -> tuple[float, float]:
    """Boston, Massachusetts, as the shipped gazetteer extract gives it."""
    shipped = json.loads(gzip.decompress((Path(trialtui.__file__).parent / "data" / "gazetteer.json.gz").read_bytes()))
    return next((c[1], c[2]) for c in shipped["cities"] if c[0] == "Boston" and c[3] == "US")


LEXINGTON = (42.4440, -71.2290)


def test_legacy_xml_sites_are_placed_by_their_city(shared_data, tmp_path):
    from trialtui.distances import nearest_site

    trial = load_paths([boston_xml(shared_data, tmp_path)]).trials[0]
    assert all(loc.latitude is None for loc in trial.locations)
    found = nearest_site(trial, *LEXINGTON)
    assert abs(found.km - haversine(LEXINGTON, shipped_boston())) < 0.01


def test_an_imported_record_is_listed_near_its_city(shared_data, tmp_path, capsys, library):
    """The library places a site without coordinates when the record is imported: its digest
    holds the gazetteer's point, and `list --near` reads it from there."""
    target = boston_xml(shared_data, tmp_path)
    trial_id = load_paths([target]).trials[0].trial_id
    status, out, err = run(capsys, "import", str(target))
    assert status == 0, err
    (stored,) = library.digests()
    assert stored.site_points == tuple(round(v, 5) for v in shipped_boston())
    status, out, err = run(capsys, "list", "--near", "42.444,-71.229", "--within", "20km", "--json")
    assert status == 0, err
    (row,) = [r for r in json.loads(out) if r["trial_id"] == trial_id]
    assert abs(row["nearest_km"] - haversine(LEXINGTON, shipped_boston())) < 0.006  # printed to 10 m


def test_the_site_table_finds_the_cities_the_gazetteer_names():
    """A site is placed from the shipped table of the cities' name keys (data/places.sqlite), never
    from the whole gazetteer: for every name, in every country (and US state) a city of that name
    lies in, it finds the cities the gazetteer finds, and which of them bear it as another name."""
    from trialtui.places import _site_table, gazetteer

    g, table = gazetteer(), _site_table()
    assert table.countries == g.countries and table.states == g.states
    for key in {*g.by_name, *g.by_other_name}:
        for country, state in {(g.cities[at].country, g.cities[at].state) for at in g.named(key)}:
            for state_code in (None, state):
                want = sorted((at not in g.by_name.get(key, ()), g.cities[at].latitude, g.cities[at].longitude)
                              for at in g.named(key, country, state_code))
                assert sorted(table.named(key, country, state_code)) == want, (key, country, state_code)


def test_an_import_places_its_sites_without_reading_the_gazetteer(shared_data, tmp_path):
    """Importing records whose sites give no coordinates places them by their city, one lookup
    each, without reading the whole gazetteer (a few tenths of a second of every import)."""
    import subprocess
    import sys

    target = boston_xml(shared_data, tmp_path)
    code = ("import sys; from trialtui.cli import main; from trialtui.store import Database, Library;"
            f"main(['import', {str(target)!r}]);"
            "from trialtui.places import _read;"
            "print(Library(Database.open()).digests()[0].site_points, _read.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "TRIALTUI_HOME": str(tmp_path / "home")})
    points, _, read = done.stdout.splitlines()[-1].rpartition(" ")
    assert points == str(tuple(round(v, 5) for v in shipped_boston())) and read == "0"


def test_the_seeds_are_read_without_the_gazetteer():
    """Every start reads the seeds, some of whose sites have no coordinates: placing them waits
    for a distance filter, so a start never loads the gazetteer."""
    import subprocess
    import sys

    code = ("import sys; from trialtui.catalog import load_files; from trialtui.paths import seeds_dir;"
            "catalog = load_files([seeds_dir()]);"
            "print(sum(loc.latitude is None for t in catalog.trials() for loc in t.locations),"
            " 'trialtui.places' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    unplaced, loaded_places = done.stdout.split()
    assert int(unplaced) > 0 and loaded_places == "False"


def test_the_list_and_the_detail_give_one_distance(shared_data, tmp_path):
    """The list's distance (every trial's sites at once) and the detail's nearest site (one
    record read whole) are the same number, for sites with coordinates and sites placed."""
    from trialtui.distances import Near, nearest_site
    from trialtui.places import resolve_place
    from trialtui.session import ReviewSession

    session = ReviewSession(data=[shared_data / "ctgov-v2" / "studies.v2.jsonl.gz", boston_xml(shared_data, tmp_path)])
    session.load()
    near = Near((resolve_place("Boston, MA"),), 80.0)
    listed = session.near(near)
    assert len(listed) > 20
    for trial_id, km in listed.items():
        assert nearest_site(session.trial(trial_id), *BOSTON).km == km, trial_id


def test_a_site_in_an_ambiguous_city_is_never_near():
    from trialtui.places import place_site

    assert place_site("Springfield", "", "United States") is None  # several, no state to choose
    assert place_site("Springfield", "Illinois", "United States") is not None


def test_hostile_coordinates_are_dropped_not_the_site():
    for lat, lon in ((math.nan, 1.0), (1e308, 2.0), ("42", "-71"), (91.0, 0.0), (10**400, 0), (True, 1.0), (None, 5.0)):
        loc = Location(facility="X", city="Boston", latitude=lat, longitude=lon)
        assert (loc.latitude, loc.longitude) == (None, None)
    assert Location(latitude=-33.9, longitude=151.2).latitude == -33.9


def test_a_sites_point_is_written_as_rounding_it_writes_it_every_time():
    """Points are rounded once each and kept; 0.0 and -0.0 (equal, written apart) never share one."""
    from trialtui.digest import site_point

    for lat, lon in ((42.358431234, -71.059771234), (0.0, 12.3456789), (-0.0, 12.3456789), (10, -0.0), (10, 0.0)):
        loc = Location(latitude=lat, longitude=lon)
        expected = json.dumps((round(loc.latitude, 5), round(loc.longitude, 5)))
        assert [json.dumps(site_point(loc)) for _ in range(2)] == [expected, expected]


def test_hostile_geo_points_in_a_study_keep_it(tmp_path):
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09999991", "briefTitle": "A"},
        "contactsLocationsModule": {"locations": [
            {"facility": "A", "city": "Boston", "country": "United States", "geoPoint": {"lat": "NaN", "lon": 5}},
            {"facility": "B", "city": "Lyon", "country": "France", "geoPoint": [1, 2]},
            {"facility": "C", "city": "Paris", "country": "France", "geoPoint": {"lat": 1e999, "lon": 0}},
        ]}}}
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study).replace("1e999", "1e308"))
    result = load_paths([path])
    assert not result.problems
    assert [(loc.facility, loc.latitude) for loc in result.trials[0].locations] == [("A", None), ("B", None), ("C", None)]


async def test_the_filter_dialog_lists_trials_near_a_place_nearest_first():
    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        await pilot.press("f")
        assert isinstance(app.screen, FilterDialog)
        near = app.screen.query_one("#filter-near", Input)
        near.focus()
        await pilot.press(*"Dongguan")
        note = app.screen.query_one("#filter-near-note", Static)
        await wait_for(pilot, lambda: "Dongguan, China" in text_of(note))
        app.screen.query_one("#filter-within", Input).value = "30km"
        await pilot.press("ctrl+s")
        trials = screen.query_one(TrialList)
        await wait_for(pilot, lambda: len(trials.digests) < 5)
        assert sorted(d.trial_id for d in trials.digests) == ["NCT06836505", "TT-6105b303ddf7"]
        assert "Distance ▲" in trials.render_line(0).text  # nearest first
        assert "0.0 km" in trials.render_line(1).text and "0.0 km" in trials.render_line(2).text
        assert text_of(screen.query_one("#filters", Static)) == "Filters: within 30 km of Dongguan, China"
        trials.highlight("NCT06836505")
        await pilot.pause()
        overview = text_of(screen.query_one("#body-overview", Static))
        assert "Nearest site: " in overview and "Dongguan, Guang, China — 0.0 km (placed by its city)" in overview


async def test_the_list_names_its_nearest_first_order_and_sorts_it_both_ways():
    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        trials = screen.query_one(TrialList)
        trials.focus()
        await pilot.press("f")
        assert isinstance(app.screen, FilterDialog)
        app.screen.query_one("#filter-near", Input).value = "Boston, MA"
        app.screen.query_one("#filter-within", Input).value = "20000km"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Distance" in trials.render_line(0).text)

        def shown() -> list[float]:
            return [float(trials.render_line(y).text.split(" km")[0].split()[-1].replace(",", ""))
                    for y in range(1, len(trials.digests) + 1)]

        assert "Distance ▲" in trials.render_line(0).text
        nearest_first = shown()
        assert len(nearest_first) > 1 and nearest_first == sorted(nearest_first) and len(set(nearest_first)) > 1
        trials.focus()
        await pilot.press("s")
        await wait_for(pilot, lambda: "Distance ▼" in trials.render_line(0).text)
        assert shown() == sorted(nearest_first, reverse=True)
        trials.sort_by("")  # the palette's "sort by relevance": a distance filter's own order
        await pilot.pause()
        assert "Distance ▲" in trials.render_line(0).text and shown() == nearest_first
