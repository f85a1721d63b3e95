"""The help screen (F1 or ?): every key of the screen underneath, grouped by where it works, and
what the symbols on the screens mean, in the reviewer's words."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

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
    "SectionIndex": "Section list",
    "ThresholdTable": "Thresholds table",
    "CriteriaChecklist": "Criteria checklist",
    "CompareScreen": "Compare",
    "MatrixScreen": "Threshold matrix",
    "ChangesScreen": "What changed",
}
"""Where a key works, named as the screens show it (never a class name)."""


def _where(node: DOMNode) -> str:
    return _PLACES.get(type(node).__name__, "This screen")


def legend() -> Table:
    """What each symbol on the screens means, drawn from the tables the screens use."""
    from trialtui.eligibility.matrix import LOOSEST_MARK, STRICTEST_MARK
    from trialtui.patient_check import FIT_BADGES
    from trialtui.review import MARK_GLYPHS, MARK_WORDS, STATUS_GLYPHS, STATUS_WORDS

    rows = [
        ("In the trial list", "◆", "marked for comparison (m): c compares two, M up to 20"),
        ("", "★", "starred"),
        *(("", glyph, f"your review: {STATUS_WORDS[status].lower()}") for status, glyph in STATUS_GLYPHS.items() if glyph),
        ("", FIT_BADGES["fits"], "the patient fits the trial"),
        ("", FIT_BADGES["fails"], "the patient fails it (the detail says on what)"),
        ("", FIT_BADGES["unknown"], "not decidable: a value the trial asks for was not given"),
        ("", "Δ", "changed since your last review (w lists what changed)"),
        ("Criteria and thresholds", MARK_GLYPHS["meets"], f"your mark: {MARK_WORDS['meets']}"),
        ("", MARK_GLYPHS["fails"], f"your mark: {MARK_WORDS['fails']}"),
        ("", MARK_GLYPHS["ask_site"], f"your mark: {MARK_WORDS['ask_site']}"),
        ("Patient column", "✓ ✗ ?", "the patient meets, fails, or has no value for this limit"),
        ("", "—", "nothing of this measure was checked for the patient"),
        ("Compare", "◀", "A is stricter on this measure, or only A sets a limit"),
        ("", "▶", "B is stricter, or only B sets a limit"),
        ("", "=", "the same limit"),
        ("", "≠", "mixed: each trial is stricter on a different limit"),
        ("", "?", "not comparable (one in × upper limit of normal, one absolute)"),
        ("Threshold matrix", STRICTEST_MARK, "the strictest of the marked trials on this measure"),
        ("", LOOSEST_MARK, "the loosest (neither when every trial sets the same limit)"),
        ("", "✗", "the checked patient fails this trial's limit"),
        ("", "(or)", "one of a group: meeting any one limit of the group is enough"),
        ("", "(?)", "the reading is uncertain: check the sentence it came from"),
    ]
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Where", style="dim", no_wrap=True)
    table.add_column("Symbol", no_wrap=True)
    table.add_column("Means")
    for where, symbol, means in rows:
        table.add_row(where, Text(symbol, style="bold"), means)
    return table


def key_table(screen: Screen) -> Table:
    """The screen's own keys, its widgets' and the app's: only trialtui's, not Textual's built-ins."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Key", no_wrap=True)
    table.add_column("Does")
    table.add_column("Where", style="dim")
    nodes: list[DOMNode] = [screen.app, screen, *screen.query("*")]
    rows: dict[str, tuple[str, str, list[str]]] = {}
    """Binding id → (keys, what it does, every place it works: the marking keys work in two)."""
    for node in nodes:
        if not type(node).__module__.startswith("trialtui"):
            continue
        for binding in type(node).BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = ", ".join(screen.app.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
            places = rows.setdefault(binding.id or binding.key, (keys, binding.description, []))[2]
            if _where(node) not in places:
                places.append(_where(node))
    for keys, does, places in rows.values():
        table.add_row(Text(keys, style="bold"), does, ", ".join(places))
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
                yield Static("What the symbols mean", classes="dialog-title")
                yield Static(legend(), id="help-legend")
            yield Static("Esc closes this help.", id="help-footer", classes="dialog-status", markup=False)
