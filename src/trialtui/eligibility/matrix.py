"""Up to twenty trials' thresholds side by side: one row per measure, one column per trial, and
per row which trials are strictest and which loosest.

The ranking is the two-trial diff's, pair by pair (`diff_thresholds`), so the matrix never
contradicts it: a trial is strictest on a row when the diff finds it stricter than or the same as
every other trial stating that measure, loosest when it finds it looser or the same. Trials that do
not state the measure are left out of the ranking (the row says "in 3 of 7"): a missing limit may
be a limit the reader did not find. A row is not comparable when some pair of its trials cannot be
ranked (a ×ULN limit against an absolute one, or one trial stricter on one bound and looser on the
other); it then names no strictest or loosest trial.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

from trialtui.eligibility.display import threshold_text, unit_text

if TYPE_CHECKING:  # the reader and the diff load when a matrix is built, not when the app starts
    from trialtui.eligibility.extract import Threshold

MAX_TRIALS = 20
"""The most trials one matrix holds: beyond that the columns no longer fit a screen or a page."""

_RANKED = {"same", "a_stricter", "b_stricter"}

STRICTEST_MARK = "▲"
LOOSEST_MARK = "▼"


@dataclass(frozen=True, slots=True)
class MatrixRow:
    measure: str
    values: dict[str, list[Threshold]]
    """Trial id → its thresholds on this measure (an empty list when it states none)."""
    strictest: tuple[str, ...]
    loosest: tuple[str, ...]
    comparable: bool

    @property
    def present(self) -> list[str]:
        """The trials that state this measure, in column order."""
        return [trial_id for trial_id, limits in self.values.items() if limits]

    def presence(self) -> str:
        """ "in 3 of 7", or "" when every trial states the measure."""
        stated, total = len(self.present), len(self.values)
        return "" if stated == total else f"in {stated} of {total}"

    def mark(self, trial_id: str) -> str:
        """▲ on the strictest trial, ▼ on the loosest; nothing when every trial stating the
        measure ties (all strictest and all loosest at once says nothing)."""
        if self.strictest == self.loosest:
            return ""
        return STRICTEST_MARK if trial_id in self.strictest else LOOSEST_MARK if trial_id in self.loosest else ""

    @property
    def spread(self) -> str:
        """Loosest to strictest, "≥ 50 → ≥ 75 ×10^9/L", on a ranked row whose loosest and strictest
        limits differ; "" otherwise (a row that cannot be ranked has no order to spread along)."""
        if not self.comparable or not self.strictest or self.strictest == self.loosest:
            return ""
        loose, strict = self.cell_text(self.loosest[0]), self.cell_text(self.strictest[0])
        if loose == strict:
            return ""
        units = {t.unit for trial_id in (self.loosest[0], self.strictest[0]) for t in self.values[trial_id]}
        suffix = " " + unit_text(units.pop()) if len(units) == 1 else ""
        if suffix.strip() and loose.endswith(suffix) and strict.endswith(suffix) and ";" not in loose:
            loose = loose.removesuffix(suffix)  # one unit, written once: "≥ 50 → ≥ 75 ×10^9/L"
        return f"{loose} → {strict}"

    def cell_text(self, trial_id: str, separator: str = "; ") -> str:
        """A trial's limits on this measure in its own terms, "—" when it states none."""
        return separator.join(threshold_text(t) for t in self.values[trial_id]) or "—"


@dataclass(frozen=True, slots=True)
class ThresholdMatrix:
    trials: tuple[str, ...]
    rows: list[MatrixRow]

    def to_json(self) -> dict:
        """The `trialtui diff ID ID ID... --json` shape of cli.md."""
        return {
            "trials": list(self.trials),
            "rows": [
                {"measure": row.measure,
                 "values": {trial_id: [t.to_json() for t in limits] for trial_id, limits in row.values.items()},
                 "strictest": list(row.strictest), "loosest": list(row.loosest), "comparable": row.comparable,
                 "spread": row.spread}
                for row in self.rows
            ],
        }


def _rank(values: dict[str, list[Threshold]]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    from trialtui.eligibility.diff import diff_thresholds

    present = [trial_id for trial_id, limits in values.items() if limits]
    if len(present) < 2:  # nothing to rank against
        return (), (), True
    stricter_or_same = {trial_id: set() for trial_id in present}  # the trials each one is at least as strict as
    looser_or_same = {trial_id: set() for trial_id in present}
    for a, b in combinations(present, 2):
        verdict = diff_thresholds(values[a], values[b])[0].verdict
        if verdict not in _RANKED:
            return (), (), False
        if verdict in ("same", "a_stricter"):
            stricter_or_same[a].add(b)
            looser_or_same[b].add(a)
        if verdict in ("same", "b_stricter"):
            stricter_or_same[b].add(a)
            looser_or_same[a].add(b)
    others = len(present) - 1
    strictest = tuple(t for t in present if len(stricter_or_same[t]) == others)
    loosest = tuple(t for t in present if len(looser_or_same[t]) == others)
    if not strictest or not loosest:  # the pairs do not line up in one order
        return (), (), False
    return strictest, loosest, True


def threshold_matrix(thresholds: dict[str, list[Threshold]]) -> ThresholdMatrix:
    """The matrix of trial id → its thresholds (column order is the dict's order), rows in the
    order the two-trial diff reads them."""
    from trialtui.eligibility.diff import diff_thresholds

    trials = tuple(thresholds)
    everything = [t for limits in thresholds.values() for t in limits]
    measures = [row.measure for row in diff_thresholds(everything, [])]
    rows = []
    for measure in measures:
        values = {trial_id: [t for t in limits if t.measure == measure] for trial_id, limits in thresholds.items()}
        strictest, loosest, comparable = _rank(values)
        rows.append(MatrixRow(measure, values, strictest, loosest, comparable))
    return ThresholdMatrix(trials, rows)
