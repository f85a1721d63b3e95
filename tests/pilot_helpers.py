"""What the Pilot tests share: the terminal size, waiting for the app, reading and typing text."""

from __future__ import annotations

from textual.widgets import Static

from trialtui.tui.widgets.trial_list import TrialList

SIZE = (140, 40)


def text_of(widget: Static) -> str:
    return str(widget.content)


async def wait_for(pilot, condition, tries: int = 300) -> None:
    """Let the app run until `condition()` holds (workers report by message, so it takes turns)."""
    for _ in range(tries):
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError("the app never got there")


async def loaded(pilot):
    """Wait until the load worker has filled the list; the browse screen."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: bool(screen.query_one(TrialList).digests))
    await pilot.pause()
    return screen


async def type_text(pilot, text: str) -> None:
    """Press the keys that type `text` (spaces, newlines and commas by their key names)."""
    await pilot.press(*[{" ": "space", "\n": "enter", ",": "comma"}.get(c, c) for c in text])
