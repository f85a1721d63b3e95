"""Re-fetch library trials, record new versions, and say what changed since the user's review.

Trials are asked for in batches (``filter.ids``), so a watch list of hundreds costs a handful of
requests. A new version is recorded only where the registry's ``lastUpdatePostDate`` moved, so a
trial the sponsor did not touch never gains a version. Each batch is stored in one transaction;
an interrupted update is simply run again (trials already updated now match and are skipped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from trialtui.fetch.changes import TrialChanges, trial_changes
from trialtui.fetch.client import (
    CtgovClient,
    FetchCancelled,
    FetchError,
    Retrying,
    RetryPolicy,
    resolve_base_url,
)
from trialtui.fetch.fetcher import parse_studies
from trialtui.fetch.params import PAGE_SIZE
from trialtui.models import Trial
from trialtui.store import Library, StoreError
from trialtui.trial_ids import as_nct_id, is_nct_id

UPDATE_ORIGIN = "update"
BATCH_SIZE = 100
"""NCT IDs per request: keeps the URL near 1,200 characters, well under any server's limit."""


@dataclass(frozen=True)
class UpdateProgress:
    checked: int
    total: int
    updated: int
    retrying: Retrying | None = None


NO_DIFFERENCE = "no change in the fields trialtui compares"


@dataclass(frozen=True)
class ChangedTrial:
    """One trial with something to review, and the two versions compared.

    `heading` and `lines` are what `trialtui update` prints and the changes view shows."""

    trial_id: str
    title: str
    from_version: int
    to_version: int
    since_review: bool
    """True when ``from_version`` is the version the user last saw (they annotated the trial or
    looked at its changes then); False for a trial never reviewed: the version before the latest."""
    updated_now: bool
    """True when this update recorded the new version; False for an earlier, still unseen one."""
    changes: TrialChanges | None
    """None when a version's stored record cannot be read (`unreadable` says why)."""
    unreadable: str | None = None

    @property
    def heading(self) -> str:
        since = "since your review" if self.since_review else "never reviewed; against the version before"
        return f"version {self.from_version} → {self.to_version} ({since})"

    @property
    def lines(self) -> list[str]:
        if self.changes is None:
            return [f"The changes cannot be shown: {self.unreadable}"]
        return self.changes.lines or [NO_DIFFERENCE]


@dataclass
class UpdateResult:
    checked: int = 0
    updated: int = 0
    unchanged: int = 0
    changed: list[ChangedTrial] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Asked for, but the registry did not return them (withdrawn from the site, or a typo)."""
    not_in_library: list[str] = field(default_factory=list)
    not_registered: list[str] = field(default_factory=list)
    """Library trials with no NCT ID (an aggregator's page): nothing to re-fetch."""
    skipped: list[str] = field(default_factory=list)
    error: str | None = None
    cancelled: bool = False
    requests: int = 0


def _current_version(library: Library, trial_id: str) -> int:
    versions = library.versions(trial_id)
    return versions[-1].number if versions else 0


def changes_since_review(library: Library, trial_id: str, *, updated_now: bool = False) -> ChangedTrial | None:
    """The current version against the one the user last saw (`Library.unseen_versions`); None
    when they have seen the current one."""
    versions = library.unseen_versions(trial_id)
    if versions is None:
        return None
    seen, current_number, since_review = versions
    try:
        current, baseline = library.get(trial_id), library.get_version(trial_id, seen)
    except StoreError as error:  # a damaged record: listed as changed, saying why it cannot be shown
        listed = library.digests(ids=[trial_id])
        return ChangedTrial(trial_id=trial_id, title=listed[0].title if listed else "", from_version=seen,
                            to_version=current_number, since_review=since_review, updated_now=updated_now,
                            changes=None, unreadable=str(error))
    if current is None or baseline is None:
        return None
    return ChangedTrial(
        trial_id=trial_id, title=current.title, from_version=seen, to_version=current_number,
        since_review=since_review, updated_now=updated_now, changes=trial_changes(baseline, current),
    )


def unreviewed_changes(library: Library) -> list[ChangedTrial]:
    """Every library trial with a version newer than the one the user last saw: the changes view."""
    return [changed for trial_id in library.changed_since_review()
            if (changed := changes_since_review(library, trial_id))]


def _as_typed(trial_id: str) -> str:
    """``nct01234567`` → ``NCT01234567``; trialtui's own ids for unregistered records kept as given."""
    return as_nct_id(trial_id) or trial_id.strip()


def update_library(
    library: Library,
    trial_ids: list[str] | None = None,
    *,
    base_url: str | None = None,
    policy: RetryPolicy | None = None,
    progress: Callable[[UpdateProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> UpdateResult:
    """Re-fetch ``trial_ids`` (default: every library trial) and record what moved.

    Never raises for network trouble or cancellation: ``result.error`` / ``result.cancelled`` say
    what stopped it; batches stored before that stay stored.
    """
    result = UpdateResult()
    known = {d.trial_id: d.last_update for d in library.digests()}
    wanted = list(dict.fromkeys(_as_typed(i) for i in trial_ids)) if trial_ids else list(known)
    result.not_in_library = [i for i in wanted if i not in known]
    result.not_registered = [i for i in wanted if i in known and not is_nct_id(i)]
    targets = [i for i in wanted if i in known and is_nct_id(i)]
    updated_now: dict[str, int] = {}

    def report(retrying: Retrying | None = None) -> None:
        if progress:
            progress(UpdateProgress(result.checked, len(targets), result.updated, retrying))

    client = CtgovClient(resolve_base_url(base_url), policy or RetryPolicy(),
                         cancel=cancel or threading.Event(), on_retry=report)
    with client:
        try:
            for start in range(0, len(targets), BATCH_SIZE):
                batch = targets[start:start + BATCH_SIZE]
                updated_now.update(_update_batch(client, library, batch, known, result))
                report()
        except FetchCancelled:
            result.cancelled = True
        except FetchError as failure:
            result.error = str(failure)
        result.requests = client.requests_made

    asked = set(targets)
    unseen = [trial_id for trial_id in library.changed_since_review() if trial_id in asked]
    for trial_id in sorted(unseen, key=lambda trial_id: trial_id not in updated_now):
        if changed := changes_since_review(library, trial_id, updated_now=trial_id in updated_now):
            result.changed.append(changed)
    return result


def _update_batch(
    client: CtgovClient, library: Library, batch: list[str], known: dict[str, str],
    result: UpdateResult,
) -> dict[str, int]:
    """Fetch one batch, store those whose last update moved; returns {trial id: previous version}."""
    params = {"filter.ids": ",".join(batch), "pageSize": str(PAGE_SIZE)}
    fetched: list[Trial] = []
    skipped: list[str] = []
    for page in client.iter_pages(params):
        trials, unreadable = parse_studies(page.studies, page.base_url)
        fetched += trials
        skipped += unreadable
    moved = [t for t in fetched if t.last_update_posted != known.get(t.trial_id)]
    previous = {t.trial_id: _current_version(library, t.trial_id) for t in moved}
    library.import_trials(moved, origin=UPDATE_ORIGIN)
    updated = {i: n for i, n in previous.items() if _current_version(library, i) > n}
    returned = {t.trial_id for t in fetched} | {line.split(":")[0] for line in skipped}
    result.checked += len(batch)
    result.updated += len(updated)
    result.unchanged += len(fetched) - len(updated)
    result.missing += [i for i in batch if i not in returned]
    result.skipped += skipped
    return updated
