"""The sectioned detail view of one trial: a section index beside the scrolling record.

It is handed `Section`s (plain text from trialtui.sections) and renders them literally. The
section widgets are built once and updated in place, so moving through the list stays smooth.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from trialtui.sections import SECTION_KEYS, Section
from trialtui.tui.text import plain
from trialtui.tui.widgets.criteria_checklist import CriteriaChecklist
from trialtui.tui.widgets.threshold_table import ThresholdTable


class SectionIndex(OptionList):
    """The list of section titles; choosing one scrolls the record to it."""


class TrialDetail(Vertical):
    """Title, then the section index and the record's sections."""

    @dataclass
    class SectionShown(Message):
        key: str

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.current_section = SECTION_KEYS[0]
        self._marks: dict[str, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title", markup=False)
        yield Static(id="detail-annotation", markup=False)
        with Horizontal(id="detail-sections"):
            yield SectionIndex(id="section-index")
            with VerticalScroll(id="section-body"):
                for key in SECTION_KEYS:
                    yield Static(id=f"title-{key}", classes="section-title", markup=False)
                    if key == "eligibility":
                        yield ThresholdTable(id="thresholds")
                        yield Static(id="threshold-source", markup=False)
                    yield Static(id=f"body-{key}", classes="section-body", markup=False)
                    if key == "eligibility":
                        yield CriteriaChecklist(id="criteria")

    def show(self, title: str, sections: list[Section], thresholds: list, sources: list[str],
             annotation: str = "", patient: dict[int, str] | None = None,
             marks: dict[str, tuple[str, str]] | None = None) -> None:
        """Display a trial's sections and thresholds (with the criterion each came from) and the
        reviewer's marks (key → (mark, note)); the section index keeps its position."""
        self._marks = marks or {}
        self.query_one("#detail-sections").display = True
        self.query_one(ThresholdTable).set_thresholds(thresholds, sources, patient, self._marks)
        self.query_one("#threshold-source", Static).update("")
        self.query_one("#detail-title", Static).update(plain(title))
        self._show_annotation(annotation)
        index = self.query_one(SectionIndex)
        highlighted = index.highlighted
        index.clear_options()
        index.add_options(
            Option(Text(s.title, style="dim" if s.empty else ""), id=s.key) for s in sections
        )
        index.highlighted = highlighted if highlighted is not None else 0
        eligibility = next((s for s in sections if s.key == "eligibility"), None)
        self.query_one(CriteriaChecklist).set_items(eligibility.items if eligibility else [], self._marks)
        for section in sections:
            self.query_one(f"#title-{section.key}", Static).update(plain(section.title))
            body = self.query_one(f"#body-{section.key}", Static)
            body.update(plain(section.body))
            body.set_class(section.empty, "-empty")
        self.query_one("#section-body", VerticalScroll).scroll_home(animate=False)

    def update_marks(self, marks: dict[str, tuple[str, str]], annotation: str) -> None:
        """Show changed marks and annotation without moving the reader's place."""
        self._marks = marks
        self._show_annotation(annotation)
        self.query_one(CriteriaChecklist).update_marks(marks)
        self.query_one(ThresholdTable).update_marks(marks)

    def _show_annotation(self, annotation: str) -> None:
        note = self.query_one("#detail-annotation", Static)
        note.update(plain(annotation))
        note.display = bool(annotation)

    def on_threshold_table_source_chosen(self, message: ThresholdTable.SourceChosen) -> None:
        """Point the checklist at the criterion a threshold was read from, and quote it (only
        when the reader moves through the table, not when it is redrawn)."""
        if not self.query_one(ThresholdTable).has_focus:
            return
        self.query_one(CriteriaChecklist).point_at(message.sentence, message.raw, self._marks)
        quote = f"Source: “{message.sentence or message.raw}”" if message.raw else ""
        if message.uncertain:
            quote += f"\nUncertain: {message.uncertain}"
        self.query_one("#threshold-source", Static).update(plain(quote))

    def show_nothing(self, message: str) -> None:
        self.query_one("#detail-title", Static).update(plain(message))
        self.query_one("#detail-annotation", Static).display = False
        self.query_one("#detail-sections").display = False

    def jump_to(self, key: str) -> None:
        """Scroll the record so section `key` is at the top."""
        if key not in SECTION_KEYS:
            return
        self.current_section = key
        target = self.query_one(f"#title-{key}", Static)
        self.query_one("#section-body", VerticalScroll).scroll_to_widget(target, top=True, animate=False)
        index = self.query_one(SectionIndex)
        index.highlighted = SECTION_KEYS.index(key)
        self.post_message(self.SectionShown(key))

    def step_section(self, step: int) -> None:
        """Jump to the next (step 1) or previous (step -1) section."""
        position = SECTION_KEYS.index(self.current_section) + step
        self.jump_to(SECTION_KEYS[max(0, min(position, len(SECTION_KEYS) - 1))])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.jump_to(event.option.id)
