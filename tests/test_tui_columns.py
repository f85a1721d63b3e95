"""The list's columns by width, sorting on a column the reader sees, and the list export asking
before it replaces a file: real keystrokes on the seeds at the sizes reviewers use."""

from __future__ import annotations

import csv
import io

from textual.widgets import Input, Static

from conftest import SEEDS
from pilot_helpers import list_ready, run_command, text_of, toasts, wait_for
from trialtui.tui.app import build_app

LONG_TITLE = "Chimeric Natural Killer Receptor-Universal T Cells for Relapsed or Refractory Neuroblastoma"


def header(trials) -> list[str]:
    return trials.render_line(0).text.split()


def line_of(trials, trial_id: str) -> str:
    trials.highlight(trial_id)
    return trials.render_line(trials.cursor - int(trials.scroll_y) + 1).text


async def test_at_140_columns_the_title_is_not_cut_at_22():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(140, 40)) as pilot:
        _, trials = await list_ready(pilot)
        assert header(trials) == ["Trial", "Status", "Phase", "Title"]
        assert LONG_TITLE[:34] + "…" in line_of(trials, "NCT06751134")  # 35 cells (it had 22)


async def test_at_80_columns_id_status_and_title_show_and_the_title_keeps_its_share():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(80, 24)) as pilot:
        _, trials = await list_ready(pilot)
        shown = header(trials)
        assert shown[:4] == ["Trial", "Status", "Phase", "Title"]
        assert "Updated" not in shown
        assert LONG_TITLE[:38] + "…" in line_of(trials, "NCT06751134")


async def test_a_wide_terminal_adds_dates_then_conditions():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(200, 40)) as pilot:
        _, trials = await list_ready(pilot)
        assert header(trials) == ["Trial", "Status", "Phase", "Title", "Start", "Enroll", "Updated"]
        line = line_of(trials, "NCT06751134")
        assert "2024-12" in line and "2025-02-07" in line
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(260, 40)) as pilot:
        _, trials = await list_ready(pilot)
        assert "Conditions" in header(trials)
        assert "Neuroblastoma, Recurrent, Re…" in line_of(trials, "NCT06751134")


async def test_the_palette_sorts_by_a_column_not_shown_and_then_shows_it():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        _, trials = await list_ready(pilot)
        assert "Updated" not in header(trials)
        await run_command(pilot, "sort by last update")
        await wait_for(pilot, lambda: trials.sort_key == "last_update")
        assert "Updated ▼" in trials.render_line(0).text
        assert toasts(app)[-1] == "Sorted by last update, descending ▼"
        updates = [d.last_update for d in trials.digests]
        known = sorted((u for u in updates if u), reverse=True)
        assert len(known) == 4 and updates == [*known, ""]  # a seed gives none: last either way
        await pilot.press("home")
        assert known[0] in trials.render_line(1).text
        await pilot.press("S")
        assert [d.last_update for d in trials.digests] == [*reversed(known), ""]
        assert "Updated ▲" in trials.render_line(0).text
        await pilot.pause()
        assert toasts(app)[-1] == "Sorted by last update, ascending ▲"


async def test_export_asks_before_replacing_a_file_and_n_leaves_its_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "trialtui-list.csv"
    kept = b"my own spreadsheet,\xc3\xa9\r\n1,2\r\n"
    target.write_bytes(kept)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        screen, _ = await list_ready(pilot)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: app.screen.query("#export-path"))
        assert app.screen.query_one("#export-path", Input).value == str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("#confirm-question"))
        assert text_of(app.screen.query_one("#confirm-question", Static)) == "Replace trialtui-list.csv? y/n"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query("#export-status"))
        assert target.read_bytes() == kept
        assert text_of(app.screen.query_one("#export-status", Static)).startswith(f"Not written: {target} is as it was.")

        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("#confirm-question"))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
        assert len(rows) == 5
        assert rows[0]["url"] == f"https://clinicaltrials.gov/study/{rows[0]['trial_id']}"
        await pilot.pause()
        assert f"Wrote {target}" in toasts(app)
