"""How the app tells the reviewer that their library cannot be written: the header's subtitle
and one notification, worded by the kind of problem the store reported."""

from __future__ import annotations

from dataclasses import dataclass

from trialtui.store import StoreDamaged, StoreError, StoreReadOnly


@dataclass(frozen=True)
class StoreNotice:
    subtitle: str
    title: str
    severity: str
    timeout: float


def store_notice(problem: StoreError) -> StoreNotice:
    """A damaged library is an error that stays on screen a minute; a read-only one a warning."""
    if isinstance(problem, StoreDamaged):
        return StoreNotice("library damaged: read-only", "Your library is damaged", "error", 60)
    if isinstance(problem, StoreReadOnly):
        return StoreNotice("read-only library", "Read-only library", "warning", 15)
    return StoreNotice("library unavailable", "Your library cannot be opened", "error", 60)
