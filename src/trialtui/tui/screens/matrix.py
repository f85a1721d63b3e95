"""Up to twenty marked trials' thresholds in one table: a row per measure, a column per trial, the
strictest (▲) and loosest (▼) trial of each row marked by the two-trial diff's rules, and the
row's spread from loosest to strictest.

The cell under the cursor shows the sentence its limits were read from, so a reviewer checks the
reading before trusting the ranking; with a patient checked, a first row gives each trial's fit
and a failing cell carries ✗.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from trialtui.eligibility.display import measure_label
from trialtui.eligibility.matrix import LOOSEST_MARK, ThresholdMatrix
from trialtui.patient_check import Reason, TrialFit
from trialtui.reports import matrix_report, patient_results
from trialtui.tui.text import plain

PATIENT_ROW = "patient"
"""The key of the verdict row shown when a patient is checked."""


def _reason_line(reason: Reason) -> str:
    return f"{'✗' if reason.fails else '?'} {reason.text}"


class MatrixScreen(Screen):
    """The marked (or listed) trials side by side, measure by measure."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="matrix.back"),
        Binding("e", "export", "Export Markdown", id="matrix.export"),
    ]

    def __init__(self, matrix: ThresholdMatrix, titles: dict[str, str], sources: dict[int, str],
                 fits: dict[str, TrialFit | None] | None = None) -> None:
        """`sources`: id() of each threshold → the criterion it was read from; `fits`: each
        trial's patient fit, computed on the very threshold lists of the matrix."""
        super().__init__()
        self.matrix = matrix
        self.titles = titles
        self.sources = sources
        self.fits = fits or {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="matrix"):
            yield Static(id="matrix-title", markup=False)
            yield DataTable(id="threshold-matrix", cursor_type="cell", zebra_stripes=True)
            yield Static(id="matrix-source", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        count = len(self.matrix.trials)
        self.query_one("#matrix-title", Static).update(plain(
            f"Eligibility thresholds of {count} trials   ▲ strictest  ▼ loosest"))
        self._fill()
        table = self.query_one("#threshold-matrix", DataTable)
        table.focus()
        if table.row_count and count:
            table.move_cursor(row=0, column=1)
        self._show_source(self._first_row(), self.matrix.trials[0] if count else None)

    def _colour(self, variable: str) -> str:
        return self.app.get_css_variables().get(variable, "")

    def _first_row(self) -> str | None:
        if any(self.fits.values()):
            return PATIENT_ROW
        return self.matrix.rows[0].measure if self.matrix.rows else None

    def _fill(self) -> None:
        table = self.query_one("#threshold-matrix", DataTable)
        table.add_column("Measure", key="measure")
        for trial_id in self.matrix.trials:
            table.add_column(plain(trial_id), key=trial_id)
        table.add_column("Spread", key="spread")
        table.add_column("Stated by", key="stated")
        results: dict[int, str] = {}
        if any(self.fits.values()):
            for fit in self.fits.values():
                results.update(patient_results(fit))
            verdicts = [plain(fit.summary() if fit else "not checked") for fit in map(self.fits.get, self.matrix.trials)]
            table.add_row(Text("Patient", style="bold"), *verdicts, "", "", key=PATIENT_ROW)
        for row in self.matrix.rows:
            cells = []
            for trial_id in self.matrix.trials:
                limits = row.values[trial_id]
                mark = row.mark(trial_id)
                cell = Text()
                if mark:
                    cell.append(f"{mark} ", style=self._colour("accent" if mark == LOOSEST_MARK else "warning"))
                cell.append_text(plain(row.cell_text(trial_id, "\n")) if limits else Text("—", style="dim"))
                if any(results.get(id(t)) == "fail" for t in limits):
                    cell.append(" ✗", style=self._colour("error"))
                cells.append(cell)
            stated = row.presence() or "all"
            if not row.comparable:
                stated += ", not comparable"
            spread = plain(row.spread) if row.spread else Text("—", style="dim")
            table.add_row(measure_label(row.measure), *cells, spread, stated, key=row.measure,
                          height=max(1, *(len(limits) for limits in row.values.values())))

    def _show_source(self, measure: str | None, trial_id: str | None) -> None:
        source = self.query_one("#matrix-source", Static)
        if measure == PATIENT_ROW and trial_id in self.matrix.trials:
            source.update(plain("\n".join(self._verdict_lines(trial_id))))
            return
        row = next((r for r in self.matrix.rows if r.measure == measure), None)
        if row is None or trial_id not in row.values:
            source.update(plain(self.titles.get(trial_id, "") if trial_id else ""))
            return
        lines = [f"{trial_id}: {measure_label(row.measure)}"]
        for t in row.values[trial_id]:
            where = "registry field" if t.section == "structured" else f"{t.section} criteria"
            lines.append(f"“{self.sources.get(id(t), t.raw)}” ({where})")
        if not row.values[trial_id]:
            lines.append("not stated")
        fit = self.fits.get(trial_id)
        lines += [_reason_line(reason) for reason in fit.reasons if reason.measure == row.measure] if fit else []
        source.update(plain("\n".join(lines)))

    def _verdict_lines(self, trial_id: str) -> list[str]:
        """The patient row's cell in full: the verdict, what fails, what stays unknown and why."""
        fit = self.fits.get(trial_id)
        if fit is None:
            return [f"{trial_id}: not checked: its record could not be read"]
        missing = [measure_label(reason.measure) for reason in fit.reasons if reason.missing]
        lines = [f"{trial_id}: patient {fit.summary()}", *(_reason_line(r) for r in fit.reasons if r.fails)]
        lines += [_reason_line(r) for r in fit.reasons if not (r.fails or r.missing)]
        if missing:  # each one's limit is in its row: named here, not repeated
            lines.append("? not given: " + ", ".join(dict.fromkeys(missing)))
        return lines

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_source(event.cell_key.row_key.value, event.cell_key.column_key.value)

    def action_export(self) -> None:
        from trialtui.tui.dialogs.export_dialog import ExportDialog

        name = f"thresholds-of-{len(self.matrix.trials)}-trials.md"

        def exported(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Wrote {path}", timeout=5, markup=False)

        self.app.push_screen(ExportDialog("this matrix as Markdown", Path.cwd() / name,
                                          lambda: matrix_report(self.matrix, self.titles)), exported)
