"""Two trials' thresholds side by side, one row per measure, with which trial is stricter.

Stricter means it admits fewer patients: a higher minimum, a lower maximum, an exclusive bound
over an inclusive one at the same value, or a limit the other trial does not set at all. Only
limits on the same footing are compared: unconditional with unconditional, conditional with the
same condition; a ×ULN limit and an absolute one cannot be ranked without the lab's normal range,
so that row is `incomparable` rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from trialtui.eligibility.extract import Threshold
from trialtui.eligibility.vocabulary import CATEGORY_ORDER, MEASURE_ORDER, MEASURES


@dataclass(slots=True)
class DiffRow:
    measure: str
    a: list[Threshold]
    b: list[Threshold]
    verdict: str


def _row_order(measure: str) -> tuple[int, int, str]:
    spec = MEASURES.get(measure)
    category = CATEGORY_ORDER.index(spec.category) if spec else len(CATEGORY_ORDER)
    return (category, MEASURE_ORDER.get(measure, len(MEASURE_ORDER)), measure)


def _basis(threshold: Threshold) -> str:
    return "xULN" if threshold.unit == "xULN" else threshold.unit


def _compare_one(a: Threshold, b: Threshold) -> str:
    """"a", "b" or "same": which of two limits on the same bound and basis admits fewer patients."""
    if abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value)):
        if a.inclusive == b.inclusive:
            return "same"
        return "b" if a.inclusive else "a"
    a_higher = a.value > b.value
    if a.bound == "lower":
        return "a" if a_higher else "b"
    return "b" if a_higher else "a"


def _strictest(limits: list[Threshold]) -> Threshold:
    """Of several limits on one bound and basis (all must hold), the binding one."""
    best = limits[0]
    for limit in limits[1:]:
        if _compare_one(limit, best) == "a":
            best = limit
    return best


def _verdict(a: list[Threshold], b: list[Threshold]) -> str:
    if not b:
        return "only_a"
    if not a:
        return "only_b"
    outcomes: set[str] = set()
    incomparable = False
    keys = {(t.condition, t.bound) for t in a} | {(t.condition, t.bound) for t in b}
    for condition, bound in keys:
        side_a = [t for t in a if t.condition == condition and t.bound == bound]
        side_b = [t for t in b if t.condition == condition and t.bound == bound]
        if not side_a or not side_b:
            if condition is None:
                outcomes.add("a" if side_a else "b")
            continue
        bases = {_basis(t) for t in side_a} & {_basis(t) for t in side_b}
        if not bases:
            incomparable = True
            continue
        for basis in bases:
            outcomes.add(_compare_one(
                _strictest([t for t in side_a if _basis(t) == basis]),
                _strictest([t for t in side_b if _basis(t) == basis]),
            ))
    outcomes.discard("same")
    if outcomes == {"a"}:
        return "a_stricter"
    if outcomes == {"b"}:
        return "b_stricter"
    if outcomes:
        return "mixed"
    return "incomparable" if incomparable else "same"


def diff_thresholds(a: list[Threshold], b: list[Threshold]) -> list[DiffRow]:
    """One row per measure either trial limits, in the order a clinician reads them."""
    measures = sorted({t.measure for t in a} | {t.measure for t in b}, key=_row_order)
    rows = []
    for measure in measures:
        side_a = [t for t in a if t.measure == measure]
        side_b = [t for t in b if t.measure == measure]
        rows.append(DiffRow(measure, side_a, side_b, _verdict(side_a, side_b)))
    return rows


def diff_json(id_a: str, id_b: str, rows: list[DiffRow]) -> dict:
    """The `trialtui diff --json` shape of cli.md."""
    return {
        "a": id_a,
        "b": id_b,
        "rows": [
            {"measure": row.measure, "a": [t.to_json() for t in row.a], "b": [t.to_json() for t in row.b],
             "verdict": row.verdict}
            for row in rows
        ],
    }
