"""A trial's eligibility thresholds as a table; moving onto a row names the sentence it came from."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from trialtui.eligibility.display import measure_label, threshold_text
from trialtui.review import MARK_GLYPHS, MARK_WORDS, threshold_key
from trialtui.tui.text import plain
from trialtui.tui.widgets.in_view import CursorInView
from trialtui.tui.widgets.marks import MARK_BINDINGS, ItemNoteRequested, MarkRequested

_FROM = {"inclusion": "inclusion", "exclusion": "exclusion, inverted", "structured": "registry field"}


class ThresholdTable(CursorInView, DataTable):
    """Measure, requirement, where it was read, condition or OR-group, doubts about the reading,
    and the reviewer's mark; the marking keys work here as on the criteria."""

    BINDINGS = MARK_BINDINGS

    @dataclass
    class SourceChosen(Message):
        """The cursor is on a threshold read from `raw` (empty for none)."""

        raw: str
        sentence: str
        """The whole criterion the threshold was read from."""
        uncertain: str | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._thresholds: list = []
        self._sources: list[str] = []
        self._patient: dict[int, str] = {}

    def set_thresholds(self, thresholds: list, sources: list[str] | None = None,
                       patient: dict[int, str] | None = None, marks: dict[str, tuple[str, str]] | None = None) -> None:
        """Show `thresholds` with the criterion each came from; `patient` maps a threshold's
        position to pass / fail / unknown; `marks` a threshold key to the reviewer's (mark, note)."""
        keep = self.cursor_row if thresholds is self._thresholds else 0
        self._thresholds = thresholds
        self._sources = sources or [t.raw for t in thresholds]
        self._patient = patient = patient or {}
        self.clear(columns=True)
        columns = [("Measure", "measure"), ("Requirement", "requirement")]
        if patient:
            columns.append(("Patient", "patient"))
        columns += [("Reviewer", "reviewer"), ("When", "when"), ("Note", "note"), ("From", "from")]
        marks = marks or {}
        for label, key in columns:
            self.add_column(label, key=key)
        for position, t in enumerate(thresholds):
            when = t.condition or ""
            if t.group:
                when = (when + "; " if when else "") + f"or-group {t.group}"
            note = Text("? " + t.uncertain, style="italic") if t.uncertain else Text("")
            cells = [measure_label(t.measure), plain(threshold_text(t, with_condition=False))]
            if patient:
                cells.append(self._patient_cell(patient.get(position)))
            cells += [self._reviewer_cell(t, marks), plain(when), note, _FROM.get(t.section, t.section)]
            self.add_row(*cells, key=str(position))
        if not thresholds:
            self.add_row("—", "no numeric thresholds found in the criteria", *[""] * (len(columns) - 2))
        elif keep:
            self.move_cursor(row=min(keep, len(thresholds) - 1))

    def update_marks(self, marks: dict[str, tuple[str, str]]) -> None:
        """Show the reviewer's changed marks in place: the cursor, the scroll and every other
        column stay as they are (rebuilding the table drew its rows at header widths)."""
        for position, t in enumerate(self._thresholds):
            self.update_cell(str(position), "reviewer", self._reviewer_cell(t, marks), update_width=True)

    @staticmethod
    def _reviewer_cell(threshold, marks: dict[str, tuple[str, str]]) -> Text:
        mark, note = marks.get(threshold_key(threshold), ("", ""))
        return plain(" ".join(x for x in (MARK_GLYPHS[mark].strip(), MARK_WORDS.get(mark, ""), note) if x))

    def _current(self):
        row = self.cursor_row
        return self._thresholds[row] if 0 <= row < len(self._thresholds) else None

    def action_mark(self, mark: str) -> None:
        threshold = self._current()
        if threshold is not None:
            self.post_message(MarkRequested(threshold_key(threshold), mark))

    def action_item_note(self) -> None:
        threshold = self._current()
        if threshold is not None:
            about = f"{measure_label(threshold.measure)} {threshold_text(threshold)}"
            self.post_message(ItemNoteRequested(threshold_key(threshold), about))

    def _patient_cell(self, verdict: str | None) -> Text:
        if verdict is None:
            return Text("")
        marks = {"pass": ("✓ meets", "success"), "fail": ("✗ fails", "error"), "unknown": ("? unknown", "text-muted")}
        label, variable = marks.get(verdict, (verdict, "text"))
        return Text(label, style=self.app.get_css_variables().get(variable, ""))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        key = event.row_key.value
        if key is None or not key.isdigit() or int(key) >= len(self._thresholds):
            return
        position = int(key)
        chosen = self._thresholds[position]
        self.post_message(self.SourceChosen(chosen.raw, self._sources[position], chosen.uncertain))
