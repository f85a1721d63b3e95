"""Pilot tests of the detail view's cursors on a real record with 41 criteria and 21 thresholds:
the highlighted criterion or threshold is always on screen, and every threshold can be reached."""

from __future__ import annotations

from textual.widgets import Input

from pilot_helpers import SIZE, list_ready, type_text, wait_for
from trialtui.review import criterion_key, threshold_key
from trialtui.tui.app import build_app
from trialtui.tui.widgets.criteria_checklist import CriteriaChecklist
from trialtui.tui.widgets.threshold_table import ThresholdTable

LONG = "NCT06332300"
"""Lung cancer study: 41 criteria items, 21 thresholds."""


def visible(widget, y: int) -> bool:
    """Is line `y` of `widget`'s content inside the detail's visible window?"""
    body = widget.screen.query_one("#section-body")
    screen_y = widget.content_region.y + y - int(widget.scroll_y)
    return body.content_region.y <= screen_y < body.content_region.bottom


def checklist_line(checklist: CriteriaChecklist) -> int:
    return checklist._index_to_line[checklist.highlighted]


def table_line(table: ThresholdTable) -> int:
    return table.header_height + sum(row.height for row in table.ordered_rows[:table.cursor_row])


async def open_long_trial(pilot, shared_data):
    screen, trials = await list_ready(pilot)
    assert trials.highlight(LONG)
    await pilot.pause()
    return screen


async def test_the_checklist_cursor_stays_on_screen_and_marks_what_is_seen(shared_data):
    app = build_app(data=[shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_long_trial(pilot, shared_data)
        checklist = screen.query_one(CriteriaChecklist)
        checklist.focus()
        await pilot.pause()
        items = checklist._items
        assert len(items) == 41
        last = checklist.option_count - 1
        for _ in range(last):
            await pilot.press("down")
            await pilot.pause()
            assert visible(checklist, checklist_line(checklist)), checklist.highlighted
            if checklist.highlighted == last:
                break
        assert checklist.highlighted == last
        await pilot.press("y")
        assert app.session.marks(LONG)[criterion_key(items[-1])][0] == "meets"
        for _ in range(last - 2):
            await pilot.press("up")
            await pilot.pause()
            assert visible(checklist, checklist_line(checklist)), checklist.highlighted


async def test_every_threshold_is_reachable_and_its_row_stays_on_screen(shared_data):
    app = build_app(data=[shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_long_trial(pilot, shared_data)
        table = screen.query_one(ThresholdTable)
        assert table.row_count == 21
        # The whole table is part of the page: its height holds every row, nothing to tab into.
        assert table.outer_size.height >= table.header_height + 21
        table.focus()
        await pilot.pause()
        for _ in range(22):
            await pilot.press("down")
            await pilot.pause()
            assert visible(table, table_line(table)), table.cursor_row
        assert table.cursor_row == 20

        # A note on the last threshold: the table keeps one line per row and the cursor in view.
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.focused, Input))
        await type_text(pilot, "site confirms a long note is fine here, with more words than the column holds")
        await pilot.press("enter")
        await wait_for(pilot, lambda: table.has_focus)
        last = app.session.thresholds(LONG)[20]
        assert app.session.marks(LONG)[threshold_key(last)][1].startswith("site confirms")
        assert table.cursor_row == 20
        assert all(row.height == 1 for row in table.ordered_rows)
        await pilot.pause()
        drawn = [table.render_line(1 + n).text for n in range(21)]
        assert "life expectancy  ≥ 12 weeks" in drawn[2]
        assert "total bilirubin  ≤ 2.5 × ULN" in drawn[10]
        assert visible(table, table_line(table))
