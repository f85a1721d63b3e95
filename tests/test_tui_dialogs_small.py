"""Every dialog works in an 80×24 terminal: the dialog and each of its buttons lie on screen."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widgets import Button

from conftest import SEEDS
from pilot_helpers import list_ready, wait_for
from trialtui.tui.app import build_app
from trialtui.tui.widgets.criteria_checklist import CriteriaChecklist

SMALL = (80, 24)


@pytest.mark.parametrize("keys", [["f"], ["g"], ["ctrl+o"], ["p"], ["n"], ["t"], ["r"], ["e"], ["ctrl+e"], ["f1"], ["item-note"]],
                         ids=lambda keys: keys[0])
async def test_the_dialog_and_its_buttons_fit_an_80_by_24_terminal(keys):
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SMALL) as pilot:
        screen, trials = await list_ready(pilot, "NCT06751134")
        await pilot.pause()
        if keys == ["item-note"]:
            checklist = screen.query_one(CriteriaChecklist)
            checklist.focus()
            checklist.highlighted = 1
            keys = ["n"]
        await pilot.press(*keys)
        await wait_for(pilot, lambda: isinstance(app.screen, ModalScreen))
        await pilot.pause()
        dialog = app.screen
        whole = Region(0, 0, *SMALL)
        box = dialog.query_one(".dialog")
        assert whole.contains_region(box.region), (box.region, whole)
        for button in dialog.query(Button):
            assert button.region.size, f"{button.label} is not drawn"
            assert whole.contains_region(button.region), (str(button.label), button.region)
            assert box.region.contains_region(button.region), (str(button.label), button.region, box.region)
