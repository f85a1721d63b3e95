"""Pilot tests of a full review: annotate with single keys, filter by status, compare, export.
Every edit is checked in the database itself, not only on screen."""

from __future__ import annotations

import csv
import io

from textual.widgets import DataTable, Input, SelectionList, Static

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, text_of, type_text, wait_for
from trialtui.store import Database
from trialtui.store.annotations import Annotations
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.note_editor import NoteEditor
from trialtui.tui.screens.compare import CompareScreen
from trialtui.tui.widgets.criteria_checklist import CriteriaChecklist
from trialtui.tui.widgets.threshold_table import ThresholdTable
from trialtui.tui.widgets.trial_list import TrialList

CNK = "NCT06751134"
NK = "NCT06674265"


def stored(trial_id: str):
    with Database.open() as db:
        return Annotations(db).get(trial_id)


async def test_a_full_review_with_single_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot, CNK)

        # n: a note, saved as typed (no save step)
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "Good fit\ncall Monday")
        await wait_for(pilot, lambda: stored(CNK).note == "Good fit\ncall Monday", "the note saved once typing pauses")
        await pilot.press("escape")

        # t: a tag; r: shortlisted; *: star
        await pilot.press("t")
        await type_text(pilot, "peds")
        await pilot.press("enter", "escape")
        await pilot.press("r", "2")
        await pilot.press("asterisk")
        review = stored(CNK)
        assert (review.tags, review.status, review.star) == (("peds",), "shortlisted", True)
        assert trials.current.badges == "★✚"
        annotation = text_of(screen.query_one("#detail-annotation", Static))
        assert annotation == "★ · Shortlisted · tags: peds · note: Good fit…"

        # exclude the other with a reason
        trials.highlight(NK)
        await pilot.press("r", "3")
        await type_text(pilot, "too old")
        await pilot.press("enter")
        assert (stored(NK).status, stored(NK).reason) == ("excluded", "too old")

        # u: undo the last change
        await pilot.press("u")
        assert stored(NK).status == "unreviewed"
        await pilot.press("r", "3")
        await type_text(pilot, "too old")
        await pilot.press("enter")

        # filter by review status: only the shortlisted one remains
        await pilot.press("f")
        review_list = app.screen.query_one("#filter-review", SelectionList)
        review_list.select("shortlisted")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(trials.rows) == 1)
        assert trials.rows[0].digest.trial_id == CNK
        assert text_of(screen.query_one("#filters", Static)) == "Filters: Shortlisted"

        # export the listed trials as CSV to a file the user names
        await pilot.press("ctrl+e")
        app.screen.query_one(Input).value = str(tmp_path / "shortlist.csv")
        await pilot.press("enter")
        [row] = list(csv.DictReader(io.StringIO((tmp_path / "shortlist.csv").read_text())))
        assert row["trial_id"] == CNK and row["title"].startswith("Chimeric Natural Killer")
        assert (row["review_status"], row["star"], row["tags"], row["note"]) == (
            "Shortlisted", "yes", "peds", "Good fit\ncall Monday")

        # clear the filter, compare the two, export the trial report
        await pilot.press("f")
        await pilot.click("#filter-clear")
        await wait_for(pilot, lambda: len(trials.rows) == 5)
        trials.highlight(CNK)
        await pilot.press("m")
        trials.highlight(NK)
        await pilot.press("m", "c")
        assert isinstance(app.screen, CompareScreen)
        facts = app.screen.query_one("#record-diff", DataTable)
        assert str(facts.get_cell("Your review", "a")) == "Shortlisted ★"
        assert str(facts.get_cell("Your review", "b")) == "Excluded (too old)"
        assert str(facts.get_cell("Your note", "a")) == "Good fit\ncall Monday"
        await pilot.press("e")
        app.screen.query_one(Input).value = str(tmp_path / "both.md")
        await pilot.press("enter")
        assert "| platelets | ≥ 75 ×10^9/L | > 50 ×10^9/L | A stricter |" in (tmp_path / "both.md").read_text()
        await pilot.press("escape")
        trials.highlight(CNK)
        await pilot.press("e")
        app.screen.query_one(Input).value = str(tmp_path / "cnk.md")
        await pilot.press("enter")
        report = (tmp_path / "cnk.md").read_text()
        assert "- Review status: Shortlisted  ★ starred" in report
        assert "- Tags: peds" in report


async def test_marking_criteria_and_thresholds_line_by_line():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).highlight(CNK)
        await pilot.pause()
        checklist = screen.query_one(CriteriaChecklist)
        checklist.focus()
        checklist.highlighted = 1  # the first inclusion criterion
        await pilot.press("y")
        checklist.highlighted = 2
        await pilot.press("a", "n")
        await type_text(pilot, "ask about ICF")
        await pilot.press("enter")
        prompts = [checklist.get_option_at_index(i).prompt.plain for i in (1, 2)]
        assert prompts[0].startswith("✓ 1. Aged 1-12 years")
        assert prompts[1].startswith("? 2. The child") and prompts[1].endswith("— ask about ICF")

        table = screen.query_one(ThresholdTable)
        table.focus()
        platelets = next(i for i, key in enumerate(table.rows) if str(table.get_cell(key, "measure")) == "platelets")
        table.move_cursor(row=platelets)
        await pilot.press("x")
        assert str(table.get_cell(str(platelets), "reviewer")) == "✗ patient fails"

        marks = {key: (m.mark, m.note) for key, m in stored(CNK).items.items()}
        assert ("meets", "") in marks.values()
        assert ("ask_site", "ask about ICF") in marks.values()
        assert marks["threshold:platelets:lower"] == ("fails", "")


async def test_annotations_show_again_after_a_restart():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        screen.query_one(TrialList).highlight(NK)
        await pilot.press("asterisk", "n")
        await type_text(pilot, "kept")
        await pilot.press("escape")
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        trials = screen.query_one(TrialList)
        trials.highlight(NK)
        await pilot.pause()
        assert trials.current.badges == "★"
        assert "note: kept" in text_of(screen.query_one("#detail-annotation", Static))
        trials.focus()
        # the shown columns, each both ways, the badges' review marks last
        await pilot.press(*"s" * 9)
        assert trials.sort_key == "review"
        assert trials.rows[0].digest.trial_id == NK
