"""The trialtui App and the one factory that builds it for the CLI, the tests and the screenshots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.message import Message
from textual.screen import Screen

from trialtui.paths import styles_dir
from trialtui.session import ReviewSession
from trialtui.tui.store_notice import store_notice
from trialtui.tui.text import VisibleControls

WATCH_SECONDS = 1.0
"""How often the app asks whether another process wrote to the database (a cheap PRAGMA)."""


@dataclass
class ChangedElsewhere(Message):
    """Another process changed these trials' annotations or versions; every open screen is told."""

    trial_ids: set[str]


class TrialTUI(App):
    """Browse, search, compare and annotate clinical trials."""

    TITLE = "trialtui"
    SUB_TITLE = "clinical trial review"
    CSS_PATH = [styles_dir() / "app.tcss"]
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self._announced = ""
        self._visible_controls = VisibleControls()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then `VisibleControls`: no control character reaches the terminal."""
        return [*super().get_line_filters(), self._visible_controls]

    def on_mount(self) -> None:
        from trialtui.tui.screens.browse import BrowseScreen

        self.push_screen(BrowseScreen())
        self._announce_store_problem()
        self.set_interval(WATCH_SECONDS, self._watch_elsewhere)

    def _watch_elsewhere(self) -> None:
        moved = self.session.refresh_from_elsewhere()
        if moved:
            for screen in self.screen_stack:
                screen.post_message(ChangedElsewhere(moved))

    def on_browse_screen_loaded(self) -> None:
        """Damage may first show while the library is read."""
        self._announce_store_problem()

    def _announce_store_problem(self) -> None:
        """A damaged or read-only library is said once, and stays in the header: the list shows
        the seeds and what still reads, and nothing is saved."""
        problem = self.session.store_problem
        if problem is None or str(problem) == self._announced:
            return
        self._announced = str(problem)
        notice = store_notice(problem)
        self.sub_title = notice.subtitle
        self.notify(str(problem), title=notice.title, severity=notice.severity, timeout=notice.timeout, markup=False)

    def on_unmount(self) -> None:
        self.session.close()

    def action_help(self) -> None:
        from trialtui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys and screens", "Show every key and what it does", self.action_help)
        commands = getattr(screen, "palette_commands", None)
        if commands:
            yield from commands()


def build_app(data: Sequence[str | Path] | None = None) -> TrialTUI:
    """The app on exactly `data` (files or folders), or on the seeds plus the library under
    ``TRIALTUI_HOME`` / the user data dir when `data` is empty."""
    return TrialTUI(ReviewSession(data))
