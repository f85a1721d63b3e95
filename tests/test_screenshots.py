"""The SVGs in screenshots/ show what the app shows today: every screen is rendered again and its
text compared with the committed file (run `make screenshots` after changing a screen)."""

from __future__ import annotations

import html
import importlib.util
import re

import pytest

from conftest import ROOT

_TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


def screen_text(svg: str) -> list[str]:
    """The characters on screen, row by row as the SVG lists them (styles and ids ignored)."""
    return [html.unescape(t) for t in _TEXT.findall(svg)]


def load_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, trialtui_home_for_module):
    return load_script().write_all(tmp_path_factory.mktemp("shots"))


@pytest.fixture(scope="module")
def trialtui_home_for_module(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("TRIALTUI_HOME", str(tmp_path_factory.mktemp("home")))
    mp.delenv("TRIALTUI_API_URL", raising=False)
    yield
    mp.undo()


def test_every_committed_screenshot_matches_the_screen_today(rendered):
    assert {p.name for p in rendered} | {"patient-form.svg"} == {p.name for p in (ROOT / "screenshots").glob("*.svg")}
    for path in [*rendered, rendered[0].parent / "patient-form.svg"]:
        committed = (ROOT / "screenshots" / path.name).read_text()
        assert screen_text(path.read_text()) == screen_text(committed), f"{path.name} is stale: run make screenshots"


def test_the_browse_screenshot_shows_the_seed_trials(rendered):
    text = "".join(screen_text((ROOT / "screenshots" / "browse.svg").read_text())).replace("\xa0", " ")
    assert "NCT06751134" in text and "Chimeric Natural Killer" in text and "5 trials" in text
