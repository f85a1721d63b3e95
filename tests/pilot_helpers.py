"""What the Pilot tests share: the terminal size, waiting for the app, reading and typing text."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from trialtui.tui.widgets.trial_list import TrialList

SIZE = (140, 40)


def text_of(widget: Static) -> str:
    return str(widget.content)


def toasts(app) -> list[str]:
    """The notifications on screen as the reviewer reads them: the title, if any, over the message."""
    from textual.widgets._toast import Toast

    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def wait_for(pilot, condition, what: str = "", timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds: each turn yields to the worker threads and handles
    what they posted (workers report by message; a test may hold one on purpose, so this never waits
    for them to end). Fails naming `what` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await pilot.pause()  # what was just asked for is handled first (a highlight, a key)
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s and the app never got there: {what or condition}")
        await asyncio.sleep(0.005)
        await pilot.pause()


async def loaded(pilot):
    """Wait until the load worker has filled the list; the browse screen."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: bool(screen.query_one(TrialList).digests))
    await pilot.pause()
    return screen


async def list_ready(pilot, trial_id: str | None = None):
    """Wait for the list, give it the focus and, with `trial_id`, put the cursor on that trial;
    the browse screen and its list."""
    screen = await loaded(pilot)
    trials = screen.query_one(TrialList)
    trials.focus()
    if trial_id is not None:
        trials.highlight(trial_id)
    return screen, trials


async def filters_opened(pilot):
    """Wait until the list is searchable, give it the focus and press `f`; the browse screen, its
    list and the filter dialog."""
    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    screen, trials = await list_ready(pilot)
    await wait_for(pilot, lambda: pilot.app.session.searchable, timeout=60)
    await pilot.press("f")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FilterDialog))
    return screen, trials, pilot.app.screen


async def type_text(pilot, text: str) -> None:
    """Press the keys that type `text` (spaces, newlines and commas by their key names)."""
    await pilot.press(*[{" ": "space", "\n": "enter", ",": "comma"}.get(c, c) for c in text])


async def run_command(pilot, words: str) -> None:
    """Open the command palette (Ctrl+P), type `words`, wait until the highlighted command holds
    them, and run it (Enter)."""
    from textual.command import CommandList

    await pilot.press("ctrl+p")
    await type_text(pilot, words)
    palette = pilot.app.screen

    def offered() -> bool:
        found = palette.query(CommandList)
        option = found.first().highlighted_option if found else None
        return option is not None and words in str(option.prompt)

    await wait_for(pilot, offered, f"the palette to offer {words!r}")
    await pilot.press("enter")
