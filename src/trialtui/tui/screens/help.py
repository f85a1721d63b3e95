"""The help screen (F1 or ?): every key of the screen underneath, grouped by where it works."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from rich.table import Table
from rich.text import Text

INTRO = (
    "trialtui keeps a library of clinical trials on this computer. Move through the list with the "
    "arrow keys, type / to search by drug, site, condition, sponsor or id (typos are fine; prefix a "
    "word with drug:, site:, cond:, sponsor: or id: to narrow it), and read the selected trial on the "
    "right. Ctrl+P opens the command palette: every action, and any trial by id or title."
)


_PLACES = {
    "TrialTUI": "Everywhere",
    "BrowseScreen": "Browse",
    "TrialList": "Trial list",
    "TrialDetail": "Trial details",
}


def _where(node: DOMNode) -> str:
    name = type(node).__name__
    return _PLACES.get(name, name.removesuffix("Screen"))


def key_table(screen: Screen) -> Table:
    """The screen's own keys, its widgets' and the app's: only trialtui's, not Textual's built-ins."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    table.add_column("Where", style="dim")
    nodes: list[DOMNode] = [screen.app, screen, *screen.query("*")]
    seen: set[str] = set()
    for node in nodes:
        if not type(node).__module__.startswith("trialtui"):
            continue
        for binding in type(node).BINDINGS:
            if not isinstance(binding, Binding) or not binding.description or binding.id in seen:
                continue
            seen.add(binding.id or binding.key)
            keys = ", ".join(screen.app.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
            table.add_row(Text(keys, style="bold"), binding.description, _where(node))
    return table


class HelpScreen(ModalScreen):
    """Keys and a few words on how trialtui works."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "dismiss", "Close help", id="help.close")]

    def __init__(self, underneath: Screen) -> None:
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static("trialtui help", id="help-title", classes="dialog-title")
            with VerticalScroll():
                yield Static(INTRO, id="help-intro", markup=False)
                yield Static(key_table(self.underneath), id="help-keys")
            yield Static("Esc closes this help.", id="help-footer", classes="dialog-status", markup=False)
