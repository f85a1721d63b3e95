"""Pilot tests of the app shell: the list, the sectioned detail view, help, and literal record text."""

from __future__ import annotations

import json

from textual.command import CommandList
from textual.widgets import Input, Static

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, text_of, wait_for
from trialtui.tui.app import build_app
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.screens.help import HelpScreen
from trialtui.tui.widgets.criteria_checklist import CriteriaChecklist
from trialtui.tui.widgets.trial_detail import SectionIndex, TrialDetail
from trialtui.tui.widgets.trial_list import TrialList


async def test_list_shows_the_seeds_and_the_detail_follows_the_cursor():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        trials = screen.query_one(TrialList)
        ids = [row.digest.trial_id for row in trials.rows]
        assert len(ids) == 5
        assert "NCT06751134" in ids and "NCT06674265" in ids
        assert "5 trials" in text_of(screen.query_one("#list-status", Static))
        header = trials.render_line(0).text
        assert "Trial" in header and "Status" in header and "Phase" in header and "Title" in header

        trials.highlight("NCT06751134")
        await pilot.pause()
        title = text_of(screen.query_one("#detail-title", Static))
        assert title == "NCT06751134  Chimeric Natural Killer Receptor-Universal T Cells for Relapsed or Refractory Neuroblastoma"
        overview = text_of(screen.query_one("#body-overview", Static))
        assert "Status: Recruiting" in overview
        assert "Phase: Phase 1" in overview
        assert "Enrollment: 12 participants" in overview

        before = title
        await pilot.press("down")
        await pilot.pause()
        assert text_of(screen.query_one("#detail-title", Static)) != before


async def test_sorting_by_key_orders_the_list_by_trial_id():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        await pilot.press("s")
        ids = [row.digest.trial_id for row in trials.rows]
        assert ids == sorted(ids)
        assert "Trial ▲" in trials.render_line(0).text
        await pilot.press("s")
        assert [row.digest.trial_id for row in trials.rows] == sorted(ids, reverse=True)


async def test_section_keys_jump_through_the_record_and_empty_sections_say_so():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).highlight("NCT06751134")
        await pilot.pause()
        detail = screen.query_one(TrialDetail)
        index = screen.query_one(SectionIndex)
        assert detail.current_section == "overview"
        await pilot.press("right_square_bracket")
        await pilot.press("right_square_bracket")
        assert detail.current_section == "description"
        assert index.highlighted == 2
        await pilot.press("left_square_bracket")
        assert detail.current_section == "dates"

        eligibility = text_of(screen.query_one("#body-eligibility", Static))
        assert "Minimum age: 1 Year" in eligibility
        checklist = screen.query_one(CriteriaChecklist)
        prompts = [str(checklist.get_option_at_index(i).prompt) for i in range(checklist.option_count)]
        assert prompts[0] == "Inclusion criteria" and "Exclusion criteria" in prompts
        assert prompts[1] == "  1. Aged 1-12 years with weight≥10kg, male or female;"
        results = text_of(screen.query_one("#body-results", Static))
        assert results  # never silently missing
        assert screen.query_one("#title-results", Static).display


async def test_help_opens_with_f1_and_lists_the_keys():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", Static)
        rendered = app.screen.query_one("#help-intro", Static)
        assert "command palette" in text_of(rendered)
        table = keys.content
        cells = [str(c) for col in table.columns for c in col._cells]
        assert "Search" in cells and "Help" in cells and "Next section" in cells
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_search_box_filters_the_list(tmp_path):
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash")
        assert screen.query_one("#search", Input).has_focus
        for key in "cnk-ut":
            await pilot.press(key)
        await wait_for(pilot, lambda: len(screen.query_one(TrialList).digests) < 5)
        ids = [row.digest.trial_id for row in screen.query_one(TrialList).rows]
        assert ids[0] == "NCT06751134"
        assert "match “cnk-ut”" in text_of(screen.query_one("#list-status", Static))


async def test_record_text_is_shown_literally_never_as_markup(tmp_path):
    title = "[bold red]Loud[/bold red] trial [link=https://example.org]click[/link] \x1b[2J\x1b[31mred"
    study = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999999", "briefTitle": title},
            "statusModule": {"overallStatus": "RECRUITING"},
            "descriptionModule": {"briefSummary": "Summary with [italic]markup[/italic]."},
        }
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(study))
    app = build_app(data=[path])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        shown = text_of(screen.query_one("#detail-title", Static))
        assert "[bold red]Loud[/bold red]" in shown
        assert "[link=https://example.org]click[/link]" in shown
        assert "\x1b" not in shown and "␛[2J" in shown
        assert "[italic]markup[/italic]" in text_of(screen.query_one("#body-description", Static))
        line = screen.query_one(TrialList).render_line(1).text
        assert "[bold red]Loud" in line


async def test_eligibility_shows_a_threshold_table_linked_to_its_sentences():
    from trialtui.tui.widgets.threshold_table import ThresholdTable

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: app.session.searchable)  # nothing redraws the record after
        screen.query_one(TrialList).highlight("TT-6105b303ddf7")
        table = screen.query_one(ThresholdTable)
        await wait_for(pilot, lambda: any(str(table.get_cell(key, "measure")) == "ANC" for key in table.rows))
        keys = [key.value for key in table.rows]
        measures = [str(table.get_cell(key, "measure")) for key in keys]
        assert "ANC" in measures and "platelets" in measures
        anc_conditional = next(
            i for i, key in enumerate(keys)
            if measures[i] == "ANC" and "bone marrow" in str(table.get_cell(key, "when"))
        )
        assert str(table.get_cell(keys[anc_conditional], "requirement")) == "≥ 0.5 ×10^9/L"
        table.focus()
        await wait_for(pilot, lambda: table.has_focus)
        table.move_cursor(row=anc_conditional)
        await wait_for(pilot, lambda: "bone marrow" in text_of(screen.query_one("#threshold-source", Static)))
        source = text_of(screen.query_one("#threshold-source", Static))
        assert "Absolute neutrophil count (ANC) ≥ 1.0 × 10^9/L (ANC ≥ 0.5 × 10^9/L if bone marrow involvement)" in source
        checklist = screen.query_one(CriteriaChecklist)
        pointed = checklist.highlighted_option.prompt
        assert "Absolute neutrophil count (ANC) ≥ 1.0 × 10^9/L" in pointed.plain
        exact = [pointed.plain[s.start:s.end] for s in pointed.spans if "reverse" in str(s.style)]
        assert exact == ["ANC ≥ 0.5 × 10^9/L"]


async def test_filters_narrow_the_list_and_say_so():
    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        await pilot.press("f")
        assert isinstance(app.screen, FilterDialog)
        await pilot.press("down", "space")  # "Not yet recruiting"
        app.screen.query_one("#filter-age", Input).value = "30"
        await pilot.press("ctrl+s")
        trials = screen.query_one(TrialList)
        await wait_for(pilot, lambda: len(trials.digests) < 5)
        assert [r.digest.trial_id for r in trials.rows] == ["NCT06631040"]
        assert text_of(screen.query_one("#filters", Static)) == "Filters: Not yet recruiting · open at age 30"
        assert "1 of 5 trials match the filters" in text_of(screen.query_one("#list-status", Static))


async def test_themes_restyle_the_list():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        await pilot.pause()
        dark = trials.get_component_rich_style("trial-list--cursor")
        app.theme = "textual-light"
        await pilot.pause()
        light = trials.get_component_rich_style("trial-list--cursor")
        assert dark.bgcolor != light.bgcolor
        assert "Chimeric" in trials.render_line(1).text + trials.render_line(2).text + trials.render_line(3).text


async def test_palette_jumps_to_a_trial_by_title_word():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: app.session.searchable)
        screen.query_one(TrialList).highlight("NCT06751134")
        await pilot.press("ctrl+p")
        await pilot.press(*"sarcoma")
        palette = app.screen
        await wait_for(pilot, lambda: palette.query(CommandList) and "Go to TT-6105b303ddf7" in str(
            palette.query_one(CommandList).highlighted_option.prompt if palette.query_one(CommandList).highlighted_option
            else ""), "the palette to offer the sarcoma trial")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "the palette to close")
        await pilot.pause()
        assert screen.query_one(TrialList).current.digest.trial_id == "TT-6105b303ddf7"


async def test_a_search_hit_says_which_fields_matched():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("slash", *"guangzhou")
        trials = screen.query_one(TrialList)
        await wait_for(pilot, lambda: len(trials.digests) < 5)
        trials.highlight("TT-6105b303ddf7")
        await pilot.pause()
        assert "Matched in cities" in text_of(screen.query_one("#detail-annotation", Static))


async def test_a_narrow_terminal_puts_the_record_under_the_list():
    from trialtui.tui.widgets.trial_detail import SectionIndex

    app = build_app(data=[SEEDS])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert screen.has_class("-narrow")
        pane, detail = screen.query_one("#list-pane"), screen.query_one(TrialDetail)
        assert pane.region.width == 80 and detail.region.y > pane.region.y
        assert not screen.query_one(SectionIndex).display
        assert "Chimeric Natural Killer Recep" in screen.query_one(TrialList).render_line(1).text


async def test_a_trial_whose_stored_record_is_damaged_says_so_and_the_rest_read_on(api_trials):
    from trialtui.store import Database, Library

    with Database.open() as db:
        Library(db).import_trials(api_trials[:3])
        with db.transaction() as conn:
            conn.execute("UPDATE trial_versions SET record = x'28b52ffd0000' WHERE trial_id = ?",
                         (api_trials[1].trial_id,))
    sound = api_trials[2]
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        assert trials.highlight(api_trials[1].trial_id)
        title = screen.query_one("#detail-title", Static)
        await wait_for(pilot, lambda: text_of(title).startswith(api_trials[1].trial_id), "the detail")
        assert text_of(title) == f"{api_trials[1].trial_id}: the record could not be read."
        assert trials.highlight(sound.trial_id)
        await wait_for(pilot, lambda: text_of(title) == f"{sound.trial_id}  {sound.title}", "the next record")
