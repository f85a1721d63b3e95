"""A trial's eligibility thresholds as a table; moving onto a row names the sentence it came from."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from trialtui.eligibility.display import measure_label, threshold_text
from trialtui.tui.text import plain

_FROM = {"inclusion": "inclusion", "exclusion": "exclusion, inverted", "structured": "registry field"}


class ThresholdTable(DataTable):
    """Measure, requirement, where it was read, condition or OR-group, and doubts about the reading."""

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

    def set_thresholds(self, thresholds: list, sources: list[str] | None = None,
                       patient: dict[int, str] | None = None) -> None:
        """Show `thresholds` with the criterion each came from; `patient` maps a threshold's
        position to pass / fail / unknown."""
        self._thresholds = thresholds
        self._sources = sources or [t.raw for t in thresholds]
        patient = patient or {}
        self.clear(columns=True)
        columns = [("Measure", "measure"), ("Requirement", "requirement")]
        if patient:
            columns.append(("Patient", "patient"))
        columns += [("When", "when"), ("Note", "note"), ("From", "from")]
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
            cells += [plain(when), note, _FROM.get(t.section, t.section)]
            self.add_row(*cells, key=str(position))
        if not thresholds:
            self.add_row("—", "no numeric thresholds found in the criteria", *[""] * (len(columns) - 2))

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
