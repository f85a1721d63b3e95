"""Two trials side by side: the eligibility threshold diff first, then the rest of the records.

Selecting a threshold row shows the sentence each threshold was read from, so a reviewer can
check the reading against the source before trusting it.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from trialtui.comparison import Comparison
from trialtui.eligibility.display import VERDICT_WORDS, measure_label, threshold_text
from trialtui.patient_check import TrialFit
from trialtui.reports import ReviewNotes, comparison_report, file_stem, patient_results, side_result
from trialtui.review import MARK_GLYPHS, threshold_key
from trialtui.tui.text import plain

VERDICT_MARKS = {
    "same": ("=", "text-muted"),
    "a_stricter": ("◀", "warning"),
    "b_stricter": ("▶", "warning"),
    "only_a": ("◀", "accent"),
    "only_b": ("▶", "accent"),
    "mixed": ("≠", "error"),
    "incomparable": ("?", "text-muted"),
}
"""Verdict → arrow pointing at the stricter side, and the theme variable it is coloured with."""


def thresholds_cell(thresholds: list, notes: ReviewNotes) -> Text:
    """Each threshold on its own line, grouped ones marked "or", uncertain ones with "(?)", and
    the reviewer's mark on it (✓ meets, ✗ fails, ? ask site)."""
    if not thresholds:
        return Text("—", style="dim")
    lines = []
    for t in thresholds:
        line = threshold_text(t)
        if t.group:
            line += "  (or)"
        if t.uncertain:
            line += "  (?)"
        mark, _ = notes.marks.get(threshold_key(t), ("", ""))
        if mark:
            line += f"  {MARK_GLYPHS[mark]}"
        lines.append(line)
    return plain("\n".join(lines))


class CompareScreen(Screen):
    """Trial A and trial B: which one is stricter, measure by measure."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="compare.back"),
        Binding("e", "export", "Export report", id="compare.export"),
        Binding("d", "toggle_differences", "Only differences", id="compare.only_differences"),
        Binding("x", "swap", "Swap A/B", id="compare.swap"),
    ]

    def __init__(self, comparison: Comparison, fits: tuple[TrialFit | None, TrialFit | None] = (None, None),
                 notes: tuple[ReviewNotes, ReviewNotes] = (ReviewNotes(), ReviewNotes())) -> None:
        super().__init__()
        self.comparison = comparison
        self.fits = fits
        self.notes = notes
        """The reviewer's annotation of A and of B."""
        """The patient check on A and on B, when a patient is entered."""
        self.only_differences = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="compare"):
            yield Static(id="compare-title", markup=False)
            yield DataTable(id="threshold-diff", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="compare-sources"):
                yield Static(id="source-a", classes="source", markup=False)
                yield Static(id="source-b", classes="source", markup=False)
            yield DataTable(id="record-diff", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#threshold-diff", DataTable).focus()

    def _colour(self, variable: str) -> str:
        return self.app.get_css_variables().get(variable, "")

    def _fill(self) -> None:
        c = self.comparison
        title = f"A  {c.a.trial_id}  {c.a.title}\nB  {c.b.trial_id}  {c.b.title}"
        fit_a, fit_b = self.fits
        if fit_a and fit_b:
            title += f"\nPatient: A {fit_a.summary()}  |  B {fit_b.summary()}"
            # Why, where the thresholds table has no row for it (conditions, sex, healthy volunteers).
            title += "".join(f"\n{side}: {'; '.join(why)}" for side, fit in (("A", fit_a), ("B", fit_b))
                             if (why := fit.beside_limits()))
        self.query_one("#compare-title", Static).update(plain(title))
        results = {**patient_results(self.fits[0]), **patient_results(self.fits[1])}
        table = self.query_one("#threshold-diff", DataTable)
        table.clear(columns=True)
        table.add_column("Measure", key="measure")
        table.add_column(f"A  {c.a.trial_id}", key="a")
        table.add_column(f"B  {c.b.trial_id}", key="b")
        table.add_column("Verdict", key="verdict")
        if any(self.fits):
            table.add_column("Patient A / B", key="patient")
        shown = 0
        for row in c.threshold_rows:
            if self.only_differences and row.verdict == "same":
                continue
            mark, variable = VERDICT_MARKS[row.verdict]
            verdict = Text(f"{mark} {VERDICT_WORDS[row.verdict]}", style=self._colour(variable))
            height = max(1, len(row.a), len(row.b))
            cells = [measure_label(row.measure), thresholds_cell(row.a, self.notes[0]), thresholds_cell(row.b, self.notes[1]),
                     verdict]
            if any(self.fits):
                cells.append(f"{side_result(row.a, results)} / {side_result(row.b, results)}")
            table.add_row(*cells, key=row.measure, height=height)
            shown += 1
        if not shown:
            table.add_row("—", "no thresholds differ" if self.only_differences else "no thresholds found",
                          *[""] * (len(table.columns) - 2))
        facts = self.query_one("#record-diff", DataTable)
        facts.clear(columns=True)
        facts.add_column("", key="label")
        facts.add_column(f"A  {c.a.trial_id}", key="a")
        facts.add_column(f"B  {c.b.trial_id}", key="b")
        a_notes, b_notes = self.notes
        review_facts = [
            ("Your review", a_notes.status_text + (" ★" if a_notes.star else ""),
             b_notes.status_text + (" ★" if b_notes.star else "")),
            ("Your tags", ", ".join(a_notes.tags) or "—", ", ".join(b_notes.tags) or "—"),
            ("Your note", a_notes.note or "—", b_notes.note or "—"),
        ]
        for label, a_text, b_text in [*review_facts, *((f.label, f.a, f.b) for f in c.facts)]:
            style = "bold" if a_text != b_text else ""
            facts.add_row(Text(label, style=style), plain(a_text), plain(b_text), key=label,
                          height=max(1, a_text.count("\n") + 1, b_text.count("\n") + 1))
        self._show_sources(c.threshold_rows[0].measure if c.threshold_rows else None)

    def _show_sources(self, measure: str | None) -> None:
        row = next((r for r in self.comparison.threshold_rows if r.measure == measure), None)
        for side, thresholds in (("a", row.a if row else []), ("b", row.b if row else [])):
            lines = []
            for t in thresholds:
                where = "registry field" if t.section == "structured" else f"{t.section} criteria"
                lines.append(f"“{t.raw}” ({where})")
                if t.uncertain:
                    lines.append(f"  ? {t.uncertain}")
            label = f"{side.upper()}: " + (measure_label(measure) if measure else "")
            self.query_one(f"#source-{side}", Static).update(plain(label + "\n" + ("\n".join(lines) or "not stated")))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "threshold-diff" and event.row_key.value:
            self._show_sources(event.row_key.value)

    def action_toggle_differences(self) -> None:
        self.only_differences = not self.only_differences
        self._fill()
        self.notify("Showing only differences" if self.only_differences else "Showing every measure", timeout=2)

    def action_swap(self) -> None:
        from trialtui.comparison import compare

        c = self.comparison
        a_thresholds = [t for row in c.threshold_rows for t in row.a]
        b_thresholds = [t for row in c.threshold_rows for t in row.b]
        self.comparison = compare(c.b, c.a, b_thresholds, a_thresholds)
        self.fits = self.fits[::-1]
        self.notes = self.notes[::-1]
        self._fill()

    def action_export(self) -> None:
        from trialtui.tui.dialogs.export_dialog import ExportDialog

        c = self.comparison
        name = f"{file_stem(c.a.trial_id)}-vs-{file_stem(c.b.trial_id)}.md"

        def exported(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Wrote {path}", timeout=5, markup=False)

        self.app.push_screen(
            ExportDialog("this comparison as Markdown", Path.cwd() / name, lambda: comparison_report(c, *self.notes, self.fits)),
            exported,
        )
