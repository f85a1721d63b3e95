"""What changed between two versions of a trial, in the terms a reviewer acts on.

Status, eligibility thresholds (through the side-by-side threshold diff, so "platelets ≥ 100 → ≥ 50
×10^9/L" reads like the diff view), sites opened and closed, and the key dates. Pure: it compares two
`Trial` values and touches no library, so the CLI and the TUI's changes view show the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trialtui.eligibility.diff import diff_thresholds
from trialtui.eligibility.display import measure_label, threshold_text
from trialtui.eligibility.extract import Threshold, extract_thresholds
from trialtui.enum_words import display_enum, display_phases
from trialtui.models import Location, Trial

_DATES = (
    ("start_date", "start"),
    ("primary_completion_date", "primary completion"),
    ("completion_date", "completion"),
)
_VERDICT_WORDS = {"a_stricter": "looser", "b_stricter": "stricter"}
"""The diff compares old (a) with new (b): a stricter old rule means the new one lets more in."""


def _key(threshold: Threshold) -> tuple:
    return (threshold.bound, threshold.inclusive, threshold.value, threshold.unit, threshold.condition)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def line(self) -> str:
        return f"{self.label}: {self.old or '—'} → {self.new or '—'}"


@dataclass(frozen=True)
class ThresholdChange:
    measure: str
    old: tuple[Threshold, ...]
    """Thresholds of the older version; empty when the measure is new."""
    new: tuple[Threshold, ...]
    verdict: str
    """The threshold diff's verdict with the old version as ``a``: ``a_stricter`` means relaxed."""

    @property
    def line(self) -> str:
        label = measure_label(self.measure)
        if not self.old:
            return f"new: {label} " + "; ".join(threshold_text(t) for t in self.new)
        if not self.new:
            return f"removed: {label} " + "; ".join(threshold_text(t) for t in self.old)
        units = {t.unit for t in (*self.old, *self.new)}
        shared_unit = len(units) == 1 and not any(t.condition for t in (*self.old, *self.new))
        old = "; ".join(threshold_text(t, with_unit=not shared_unit) for t in self.old)
        new = "; ".join(threshold_text(t) for t in self.new)
        direction = _VERDICT_WORDS.get(self.verdict)
        return f"{label} {old} → {new}" + (f" ({direction})" if direction else "")


def site_label(location: Location) -> str:
    return ", ".join(part for part in (location.facility, location.city, location.state,
                                       location.country) if part) or "unnamed site"


def _site_key(location: Location) -> tuple[str, ...]:
    return tuple(" ".join(part.casefold().split())
                 for part in (location.facility, location.city, location.state, location.country))


@dataclass(frozen=True)
class TrialChanges:
    """Everything that changed from ``old`` to ``new``; ``lines`` is what a person reads."""

    trial_id: str
    old_update_posted: str
    new_update_posted: str
    status: FieldChange | None = None
    thresholds: list[ThresholdChange] = field(default_factory=list)
    criteria_changed: bool = False
    """The criteria text changed (even where no threshold did: a new exclusion, say)."""
    sites_added: list[str] = field(default_factory=list)
    sites_removed: list[str] = field(default_factory=list)
    site_status: list[FieldChange] = field(default_factory=list)
    dates: list[FieldChange] = field(default_factory=list)
    other: list[FieldChange] = field(default_factory=list)
    """Phase, enrollment, sex eligibility, healthy volunteers."""

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def lines(self) -> list[str]:
        lines = [self.status.line] if self.status else []
        lines += [change.line for change in self.thresholds]
        if self.criteria_changed and not self.thresholds:
            lines.append("eligibility criteria text changed (no numeric threshold did)")
        lines += [f"site added: {site}" for site in self.sites_added]
        lines += [f"site removed: {site}" for site in self.sites_removed]
        lines += [f"site {change.line}" for change in self.site_status]
        lines += [f"{change.line}" for change in (*self.dates, *self.other)]
        return lines

    def to_json(self) -> dict[str, Any]:
        def pair(change: FieldChange) -> dict[str, str]:
            return {"field": change.label, "old": change.old, "new": change.new}

        return {
            "trial_id": self.trial_id,
            "old_update_posted": self.old_update_posted,
            "new_update_posted": self.new_update_posted,
            "status": pair(self.status) if self.status else None,
            "thresholds": [
                {"measure": c.measure, "old": [t.to_json() for t in c.old],
                 "new": [t.to_json() for t in c.new], "verdict": c.verdict, "line": c.line}
                for c in self.thresholds
            ],
            "criteria_changed": self.criteria_changed,
            "sites_added": self.sites_added,
            "sites_removed": self.sites_removed,
            "site_status": [pair(c) for c in self.site_status],
            "dates": [pair(c) for c in self.dates],
            "other": [pair(c) for c in self.other],
            "lines": self.lines,
        }


def _threshold_changes(old: Trial, new: Trial) -> list[ThresholdChange]:
    changes = []
    for row in diff_thresholds(extract_thresholds(old), extract_thresholds(new)):
        if sorted(map(_key, row.a), key=repr) == sorted(map(_key, row.b), key=repr):
            continue
        changes.append(ThresholdChange(row.measure, tuple(row.a), tuple(row.b), row.verdict))
    return changes


def _site_changes(old: Trial, new: Trial) -> tuple[list[str], list[str], list[FieldChange]]:
    before = {_site_key(loc): loc for loc in old.locations}
    after = {_site_key(loc): loc for loc in new.locations}
    added = [site_label(loc) for key, loc in after.items() if key not in before]
    removed = [site_label(loc) for key, loc in before.items() if key not in after]
    status = [
        FieldChange(site_label(loc), display_enum(before[key].status), display_enum(loc.status))
        for key, loc in after.items()
        if key in before and before[key].status != loc.status
    ]
    return added, removed, status


def _changed(label: str, old: str, new: str) -> FieldChange | None:
    return FieldChange(label, old, new) if old != new else None


def _count(value: int | None) -> str:
    return f"{value:,}" if value is not None else ""


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: ""}[value]


def trial_changes(old: Trial, new: Trial) -> TrialChanges:
    """Compare two versions of one trial; ``old`` is the one the reviewer last saw."""
    status = None
    if (old.overall_status, old.why_stopped) != (new.overall_status, new.why_stopped):
        why = f" (why stopped: {new.why_stopped})" if new.why_stopped else ""
        status = FieldChange("status", display_enum(old.overall_status),
                             display_enum(new.overall_status) + why)
    added, removed, site_status = _site_changes(old, new)
    dates = [c for name, label in _DATES
             if (c := _changed(label, getattr(old, name), getattr(new, name)))]
    other = [c for c in (
        _changed("phase", display_phases(old.phases), display_phases(new.phases)),
        _changed("enrollment", _count(old.enrollment), _count(new.enrollment)),
        _changed("sex", display_enum(old.eligibility.sex), display_enum(new.eligibility.sex)),
        _changed("healthy volunteers", _yes_no(old.eligibility.healthy_volunteers),
                 _yes_no(new.eligibility.healthy_volunteers)),
    ) if c]
    return TrialChanges(
        trial_id=new.trial_id,
        old_update_posted=old.last_update_posted,
        new_update_posted=new.last_update_posted,
        status=status,
        thresholds=_threshold_changes(old, new),
        criteria_changed=old.eligibility.criteria != new.eligibility.criteria,
        sites_added=added,
        sites_removed=removed,
        site_status=site_status,
        dates=dates,
        other=other,
    )
