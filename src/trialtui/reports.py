"""Reports a reviewer hands to a colleague: a trial, a two-trial comparison or a many-trial
threshold matrix as Markdown, and the current list or the matrix as CSV. Plain functions of plain
data, so the TUI and scripts write the same files.

Every piece of record or reviewer text goes through `markdown_text`, so whatever a
record holds shows as its text and the report's own headings, lists and tables stay intact.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trialtui.comparison import Comparison
from trialtui.digest import TrialDigest
from trialtui.eligibility.display import VERDICT_WORDS, measure_label, threshold_text
from trialtui.eligibility.matrix import LOOSEST_MARK, STRICTEST_MARK, ThresholdMatrix
from trialtui.enum_words import display_enum, display_phases
from trialtui.models import Trial
from trialtui.patient_check import TrialFit
from trialtui.review import MARK_WORDS, STATUS_WORDS, criterion_key, threshold_key
from trialtui.safe_text import csv_cell, markdown_text
from trialtui.sections import trial_sections
from trialtui.trial_ids import is_nct_id


@dataclass
class ReviewNotes:
    """The reviewer's annotation of one trial, as the reports print it."""

    note: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "unreviewed"
    reason: str = ""
    star: bool = False
    marks: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Criterion or threshold key → (mark, note)."""

    @property
    def status_text(self) -> str:
        words = STATUS_WORDS.get(self.status, self.status)
        return words + (f" ({self.reason})" if self.reason else "")


def _md(text: str) -> str:
    """One line of text shown literally: a heading's, a list item's."""
    return markdown_text(text)


def _cell(text: str) -> str:
    """A table cell's text shown literally."""
    return markdown_text(text, in_cell=True)


def _review_block(notes: ReviewNotes) -> list[str]:
    lines = [f"- Review status: {_md(notes.status_text)}" + ("  ★ starred" if notes.star else "")]
    if notes.tags:
        lines.append("- Tags: " + ", ".join(_md(tag) for tag in notes.tags))
    if notes.note:
        lines += ["", "> " + markdown_text(notes.note, multiline=True).replace("\n", "\n> ")]
    return lines


def _mark_text(notes: ReviewNotes, key: str) -> str:
    mark, note = notes.marks.get(key, ("", ""))
    words = MARK_WORDS.get(mark, "")
    return "; ".join(x for x in (words, note) if x)


PATIENT_WORDS = {"pass": "meets", "fail": "fails", "unknown": "unknown"}
"""A threshold's patient result as the reports write it."""

_RESULT_MARKS = {"pass": "✓", "fail": "✗", "unknown": "?"}


def patient_results(fit: TrialFit | None) -> dict[int, str]:
    """id() of each checked threshold → pass / fail / unknown. The fit's checks hold the very
    threshold objects of the list it was computed on (the session hands out that list)."""
    return {id(check.threshold): check.result for check in fit.checks} if fit else {}


def side_result(thresholds: list, results: dict[int, str]) -> str:
    """One trial's patient result on a measure: ✗ if any of its limits fails, ? if any is unknown,
    ✓ if all checked pass, — if none of them was checked."""
    marks = [results[id(t)] for t in thresholds if id(t) in results]
    if not marks:
        return "—"
    for result in ("fail", "unknown"):
        if result in marks:
            return _RESULT_MARKS[result]
    return _RESULT_MARKS["pass"]


def trial_report(trial: Trial, thresholds: list, notes: ReviewNotes, fit: TrialFit | None = None) -> str:
    """One trial: the reviewer's notes first, the thresholds table (with the patient's result on
    each when a patient was checked against `thresholds`), then every section."""
    out = [f"# {_md(trial.trial_id)}: {_md(trial.title)}", ""]
    out += [_md(f"{display_enum(trial.overall_status)} · {display_phases(trial.phases) or 'phase not given'}"
                f" · {trial.lead_sponsor or 'sponsor not given'}"), "", "## Review", ""]
    out += _review_block(notes)
    if fit:
        out.append(f"- Patient: {_md(fit.summary())}")
    results = patient_results(fit)
    patient = "Patient | " if fit else ""
    out += ["", "## Eligibility thresholds", "", f"| Measure | Requirement | {patient}From | When | Reviewer |",
            "|---|---|---|---|---|" + ("---|" if fit else "")]
    for t in thresholds:
        when = "; ".join(x for x in (f"if {t.condition}" if t.condition else "", f"or-group {t.group}" if t.group else "") if x)
        result = f"{PATIENT_WORDS.get(results.get(id(t)), '')} | " if fit else ""
        out.append(f"| {_cell(measure_label(t.measure))} | {_cell(threshold_text(t, with_condition=False))} "
                   f"| {result}{_cell(t.section)} | {_cell(when)} | {_cell(_mark_text(notes, threshold_key(t)))} |")
    if not thresholds:
        out.append("| — | no numeric thresholds found | | | |" + (" |" if fit else ""))
    for section in trial_sections(trial):
        out += ["", f"## {_md(section.title)}", "", markdown_text(section.body, multiline=True)]
        if section.items:
            out.append("")
            heading = None
            for item in section.items:
                if item.section != heading:
                    heading = item.section
                    out += ["", f"**{_md(heading.capitalize())} criteria**", ""]
                marked = _mark_text(notes, criterion_key(item))
                out.append("  " * item.depth + f"- {_md(item.label + ' ' if item.label else '')}{_md(item.text)}"
                           + (f" — *{_md(marked)}*" if marked else ""))
    return "\n".join(out).rstrip() + "\n"


def comparison_report(comparison: Comparison, notes_a: ReviewNotes, notes_b: ReviewNotes,
                      fits: tuple[TrialFit | None, TrialFit | None] = (None, None)) -> str:
    """Two trials: the threshold diff with verdicts (and the patient's result on each side when
    a patient was checked), the facts side by side, both reviews."""
    a, b = comparison.a, comparison.b
    out = [f"# {_md(a.trial_id)} vs {_md(b.trial_id)}", "", f"- A: {_md(a.trial_id)} — {_md(a.title)}",
           f"- B: {_md(b.trial_id)} — {_md(b.title)}"]
    checked = any(fits)
    if checked:
        out.append("- Patient: " + _md(f"A {fits[0].summary() if fits[0] else 'not checked'}"
                                        f" · B {fits[1].summary() if fits[1] else 'not checked'}"))
    out += ["", "## Eligibility thresholds", "", "| Measure | A | B | Verdict |" + (" Patient A / B |" if checked else ""),
            "|---|---|---|---|" + ("---|" if checked else "")]
    results = {**patient_results(fits[0]), **patient_results(fits[1])}
    for row in comparison.threshold_rows:
        left = "<br>".join(_cell(threshold_text(t)) for t in row.a) or "—"
        right = "<br>".join(_cell(threshold_text(t)) for t in row.b) or "—"
        patient = f" {side_result(row.a, results)} / {side_result(row.b, results)} |" if checked else ""
        out.append(f"| {_cell(measure_label(row.measure))} | {left} | {right} | {VERDICT_WORDS[row.verdict]} |{patient}")
    out += ["", "## The records side by side", "", "| | A | B |", "|---|---|---|"]
    out += [f"| {_cell(fact.label)} | {_cell(fact.a)} | {_cell(fact.b)} |" for fact in comparison.facts]
    for label, trial, notes in (("A", a, notes_a), ("B", b, notes_b)):
        out += ["", f"## Review of {label} ({_md(trial.trial_id)})", ""]
        out += _review_block(notes)
    return "\n".join(out).rstrip() + "\n"


REGISTRY_URL = "https://clinicaltrials.gov/study/{}"


def registry_url(trial_id: str) -> str:
    """The trial's page on ClinicalTrials.gov; "" for a record without an NCT ID (not registered there)."""
    return REGISTRY_URL.format(trial_id) if is_nct_id(trial_id) else ""


def _years(age: float | None) -> str:
    """18.0 → "18", 0.5 (six months) → "0.5", None (no limit) → ""."""
    return "" if age is None else f"{age:g}"


LIST_COLUMNS: tuple[tuple[str, Callable[[TrialDigest], object]], ...] = (
    ("url", lambda d: registry_url(d.trial_id)),
    ("trial_id", lambda d: d.trial_id),
    ("title", lambda d: d.title),
    ("status", lambda d: display_enum(d.status)),
    ("phase", lambda d: display_phases(list(d.phases))),
    ("conditions", lambda d: "; ".join(d.conditions)),
    ("interventions", lambda d: "; ".join(d.drugs)),
    ("sponsors", lambda d: "; ".join(d.sponsors)),
    ("min_age_years", lambda d: _years(d.min_age)),
    ("max_age_years", lambda d: _years(d.max_age)),
    ("sex", lambda d: display_enum(d.sex)),
    ("enrollment", lambda d: "" if d.enrollment is None else d.enrollment),
    ("start_date", lambda d: d.start_date),
    ("last_update", lambda d: d.last_update),
)
"""A listed trial's cells, as a coordinator pastes them into a spreadsheet: the header, the value.
Interventions are their names and other names; sponsors the lead first; ages in years."""
REVIEW_COLUMNS = ("review_status", "star", "tags", "note")


def list_csv(digests: Iterable[TrialDigest], notes: dict[str, ReviewNotes],
             fits: dict[str, TrialFit | None] | None = None,
             nearest: dict[str, tuple[str, float] | None] | None = None) -> str:
    """The trials shown in the list (filters applied, in the order shown), one CSV row each:
    `LIST_COLUMNS`, the reviewer's status, star, tags and note; with `fits` (a patient was
    checked) a `patient` column ("fits", "fails: ANC", "unknown: …"); with `nearest` (a distance
    filter), each trial's nearest site and its distance in km. Every cell through `csv_cell`; the
    note keeps its line breaks, record text shows them as ``\\n``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in LIST_COLUMNS] + list(REVIEW_COLUMNS) + (["patient"] if fits is not None else [])
                    + (["nearest_site", "distance_km"] if nearest is not None else []))
    for d in digests:
        n = notes.get(d.trial_id, ReviewNotes())
        row = [csv_cell(value(d)) for _, value in LIST_COLUMNS] + [
            csv_cell(n.status_text), csv_cell("yes" if n.star else ""), csv_cell("; ".join(n.tags)),
            csv_cell(n.note, multiline=True)]  # the reviewer's note keeps its lines
        if fits is not None:
            fit = fits.get(d.trial_id)
            row.append(csv_cell(fit.summary() if fit else "record not readable"))
        if nearest is not None:
            site = nearest.get(d.trial_id)
            row += [csv_cell(site[0]), csv_cell(f"{site[1]:.1f}")] if site else ["", ""]
        writer.writerow(row)
    return buffer.getvalue()


_NOT_IN_FILE_NAMES = re.compile(r"[^\w-]")
_FILE_STEM_CHARS = 100


def file_stem(trial_id: str) -> str:
    """A default file name (without suffix) made from a trial id, which a file or a server may
    have set to anything (``/etc/x``, ``../..``, escape sequences): letters, digits, ``-`` and
    ``_`` stay, every other character becomes ``_``, so the name stays in the folder it is put in."""
    return _NOT_IN_FILE_NAMES.sub("_", trial_id[:_FILE_STEM_CHARS]) or "trial"


def write_report(path: Path, text: str) -> Path:
    """Write a report whole or not at all (a temporary file renamed over the target); raises OSError."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path


def matrix_report(matrix: ThresholdMatrix, titles: dict[str, str]) -> str:
    """Many trials' thresholds as one Markdown table: a column per trial, ▲ on the strictest and ▼
    on the loosest of each row, its spread from loosest to strictest, how many trials state it, and
    whether the row can be ranked."""
    out = [f"# Eligibility thresholds of {len(matrix.trials)} trials", ""]
    out += [f"- {_md(trial_id)} — {_md(titles.get(trial_id, ''))}" for trial_id in matrix.trials]
    out += ["", f"{STRICTEST_MARK} strictest · {LOOSEST_MARK} loosest, by the two-trial diff's rules; "
                "rows that cannot be ranked (×ULN against absolute limits, or stricter on one bound and "
                "looser on the other) say so.", ""]
    out.append("| Measure | " + " | ".join(_cell(trial_id) for trial_id in matrix.trials)
               + " | Spread | Stated by | Ranked |")
    out.append("|---|" + "---|" * len(matrix.trials) + "---|---|---|")
    for row in matrix.rows:
        cells = [(f"{row.mark(trial_id)} " if row.mark(trial_id) else "")
                 + "<br>".join(_cell(threshold_text(t)) for t in row.values[trial_id]) or "—"
                 for trial_id in matrix.trials]
        stated = row.presence() or "all"
        ranked = "not comparable" if not row.comparable else "yes" if len(row.present) > 1 else "—"
        out.append(f"| {_cell(measure_label(row.measure))} | " + " | ".join(cells)
                   + f" | {_cell(row.spread) or '—'} | {stated} | {ranked} |")
    return "\n".join(out).rstrip() + "\n"


def matrix_csv(matrix: ThresholdMatrix) -> str:
    """The matrix as CSV: a row per measure, a column per trial, then the strictest and loosest
    trials, how many trials state the measure, whether it can be ranked and the spread from loosest
    to strictest."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ("measure", *matrix.trials, "strictest", "loosest", "stated_by", "comparable", "spread")
    writer.writerow([csv_cell(value) for value in header])
    for row in matrix.rows:
        values = [measure_label(row.measure), *(row.cell_text(trial_id) for trial_id in matrix.trials),
                  " ".join(row.strictest), " ".join(row.loosest), f"{len(row.present)} of {len(matrix.trials)}",
                  "yes" if row.comparable else "no", row.spread]
        writer.writerow([csv_cell(value) for value in values])
    return buffer.getvalue()
