"""Write an SVG of every main screen to screenshots/ (run: `make screenshots`).

Uses the bundled seeds only (real records carry real names and phone numbers) and a throwaway
TRIALTUI_HOME, at a fixed terminal size, so the output is the same on every run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (140, 40)

sys.path.insert(0, str(ROOT / "tests"))


async def settle(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    for _ in range(300):
        await pilot.pause(0.02)
        if pilot.app.screen.query(TrialList) and pilot.app.screen.query_one(TrialList).rows:
            break
    await pilot.pause(0.2)


async def browse(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("NCT06751134")
    await pilot.pause(0.1)


async def help_screen(pilot) -> None:
    await pilot.press("f1")
    await pilot.pause(0.2)


async def search(pilot) -> None:
    await pilot.press("slash", *[("space" if c == " " else c) for c in "nk cels"])
    await pilot.pause(0.5)
    await pilot.press("escape")
    await pilot.pause(0.1)


async def compare(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    trials = pilot.app.screen.query_one(TrialList)
    trials.focus()
    trials.highlight("NCT06751134")
    await pilot.press("m")
    trials.highlight("NCT06674265")
    await pilot.press("m", "c")
    await pilot.pause(0.2)


async def thresholds(pilot) -> None:
    from trialtui.tui.widgets.threshold_table import ThresholdTable
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("TT-6105b303ddf7")
    await pilot.pause(0.1)
    pilot.app.screen.query_one("TrialDetail").jump_to("eligibility")
    table = pilot.app.screen.query_one(ThresholdTable)
    table.focus()
    table.move_cursor(row=5)
    await pilot.pause(0.2)


SCREENS: dict[str, Callable[[object], Awaitable[None]]] = {
    "browse": browse,
    "help": help_screen,
    "search": search,
    "thresholds": thresholds,
    "compare": compare,
}


async def shoot(name: str, steps) -> Path:
    from trialtui.tui.app import build_app

    app = build_app(data=[ROOT / "seeds"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await steps(pilot)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        os.environ["TRIALTUI_HOME"] = home
        for name, steps in SCREENS.items():
            print(asyncio.run(shoot(name, steps)).relative_to(ROOT))


if __name__ == "__main__":
    main()
