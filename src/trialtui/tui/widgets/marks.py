"""Messages and keys shared by the widgets where a reviewer marks items (criteria, thresholds)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message


@dataclass
class MarkRequested(Message):
    """Mark the item `key` ("meets", "fails", "ask_site", or "" to clear)."""

    key: str
    mark: str


@dataclass
class ItemNoteRequested(Message):
    """Open the note of item `key`; `about` says what the item is."""

    key: str
    about: str


MARK_BINDINGS = [
    Binding("y", "mark('meets')", "Meets", id="marks.meets"),
    Binding("x", "mark('fails')", "Fails", id="marks.fails"),
    Binding("a", "mark('ask_site')", "Ask site", id="marks.ask_site"),
    Binding("backspace", "mark('')", "Clear mark", id="marks.clear"),
    Binding("n", "item_note", "Item note", id="marks.note"),
]
"""The same keys mark a criterion and a threshold."""
