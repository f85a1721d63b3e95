"""Fetch a search's every page from the API into the local library, resumably.

Each page is parsed in full and then stored in one library transaction, so a failure or Ctrl-C
never leaves half a page behind; the checkpoint is written only after the page is stored. The same
function serves the command line and the TUI's fetch dialog (from a worker thread, with a progress
callback and a cancel Event); it reports the outcome rather than raising, so both show it alike.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trialtui.fetch.client import (
    CtgovClient,
    FetchCancelled,
    FetchError,
    Page,
    Retrying,
    RetryPolicy,
    RunawayPaging,
    resolve_base_url,
)
from trialtui.fetch.params import StudyQuery
from trialtui.fetch.resume import Checkpoint, clear_checkpoint, load_checkpoint, save_checkpoint
from trialtui.ingest.ctgov_json import parse_ctgov_study
from trialtui.ingest.problems import RecordError
from trialtui.models import Provenance, Trial
from trialtui.store import Library
from trialtui.trial_ids import as_nct_id

FETCH_ORIGIN = "fetch"


@dataclass(frozen=True)
class FetchProgress:
    """A snapshot after each stored page (and before each retry), for a progress line or bar."""

    pages: int
    studies: int
    total_count: int | None
    added: int
    updated: int
    elapsed: float
    """Seconds since this run started (a resumed fetch counts from the resume)."""
    studies_this_run: int
    retrying: Retrying | None = None

    @property
    def rate(self) -> float:
        """Studies stored per second in this run."""
        return self.studies_this_run / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class FetchResult:
    pages: int = 0
    studies: int = 0
    total_count: int | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    resumed_from_page: int | None = None
    """The page this run started at when it carried on an interrupted fetch (1-based)."""
    restarted: bool = False
    """A saved page token was refused by the server, so the fetch started over."""
    skipped: list[str] = field(default_factory=list)
    """One ``NCT ID: reason`` per study that could not be read; the rest of its page is stored."""
    error: str | None = None
    runaway: bool = False
    """The server's paging would never end; what was stored stays, nothing is left to resume."""
    cancelled: bool = False
    requests: int = 0
    elapsed: float = 0.0

    @property
    def complete(self) -> bool:
        return self.error is None and not self.cancelled


def study_provenance(base_url: str, nct_id: str) -> Provenance:
    """Where a fetched record came from: its own API address, and today's date."""
    return Provenance(
        path=f"{base_url}/studies/{nct_id}", format="ctgov-v2", retrieved=date.today().isoformat()
    )


def parse_studies(studies: list[dict[str, Any]], base_url: str) -> tuple[list[Trial], list[str]]:
    """API study objects → trials, and one ``ID: reason`` line per study that could not be read."""
    trials: list[Trial] = []
    skipped: list[str] = []
    for position, study in enumerate(studies, 1):
        nct_id = _nct_id(study) or f"study {position} of the page"
        try:
            trials.append(parse_ctgov_study(study, study_provenance(base_url, nct_id)))
        except (RecordError, ValueError) as problem:
            # One odd record must not cost the user the other 999 of the page, nor the fetch.
            skipped.append(f"{nct_id}: {problem}")
    return trials, skipped


def _nct_id(study: Any) -> str:
    """The study's NCT ID; "" when the server sent none, or a made-up one (``../x``, escapes),
    which must not reach the record's address or a problem line."""
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return ""
    return as_nct_id(value) if isinstance(value, str) else ""


def fetch_to_library(
    query: StudyQuery,
    library: Library,
    *,
    base_url: str | None = None,
    policy: RetryPolicy | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
    cancel: threading.Event | None = None,
    restart: bool = False,
) -> FetchResult:
    """Fetch every page of ``query`` into ``library``; resume a saved checkpoint unless ``restart``.

    Never raises for network trouble or cancellation: ``result.error`` / ``result.cancelled`` say
    what stopped it, and the checkpoint stays so the same call later carries on; except when the
    server's pages would never end (``result.runaway``), where resuming would only loop again.
    """
    base_url = resolve_base_url(base_url)
    key = query.key(base_url)
    if restart:
        clear_checkpoint(key)
    checkpoint = load_checkpoint(key)
    result = FetchResult()
    if checkpoint is not None:
        result = FetchResult(
            pages=checkpoint.pages, studies=checkpoint.studies, total_count=checkpoint.total_count,
            added=checkpoint.added, updated=checkpoint.updated, unchanged=checkpoint.unchanged,
            resumed_from_page=checkpoint.pages + 1,
        )
    started = time.monotonic()
    studies_before = result.studies

    def report(retrying: Retrying | None = None) -> None:
        if progress:
            progress(FetchProgress(
                pages=result.pages, studies=result.studies, total_count=result.total_count,
                added=result.added, updated=result.updated, elapsed=time.monotonic() - started,
                studies_this_run=result.studies - studies_before, retrying=retrying,
            ))

    client = CtgovClient(base_url, policy or RetryPolicy(), cancel=cancel or threading.Event(),
                         on_retry=report)
    with client:
        params = query.api_params()
        token = checkpoint.next_page_token if checkpoint else None
        resumed = client.iter_pages(params, token, total_count=result.total_count,
                                    studies_before=result.studies, pages_before=result.pages)
        try:
            try:
                _store_pages(resumed, library, result, key, query, report)
            except FetchError as refused:
                if token is None or refused.status != 400 or result.pages > checkpoint.pages:
                    raise
                # The server no longer knows the saved position (page tokens expire): start over.
                # Studies stored before come back as unchanged, never as duplicates.
                clear_checkpoint(key)
                result = FetchResult(restarted=True)
                studies_before = 0
                _store_pages(client.iter_pages(params), library, result, key, query, report)
            clear_checkpoint(key)
        except FetchCancelled:
            result.cancelled = True
        except RunawayPaging as runaway:
            clear_checkpoint(key)
            result.error, result.runaway = str(runaway), True
        except FetchError as failure:
            result.error = str(failure)
        except sqlite3.Error as failure:
            result.error = f"{library.db.path}: could not store the page ({failure})"
        result.requests = client.requests_made
    result.elapsed = time.monotonic() - started
    return result


def _store_pages(
    pages: Iterator[Page], library: Library, result: FetchResult, key: str, query: StudyQuery,
    report: Callable[[], None],
) -> None:
    """Store each page in one transaction, then move the checkpoint past it."""
    for page in pages:
        if page.total_count is not None:
            result.total_count = page.total_count
        trials, skipped = parse_studies(page.studies, page.base_url)
        stored = library.import_trials(trials, origin=FETCH_ORIGIN)
        result.pages += 1
        result.studies += len(page.studies)
        result.added += stored.added
        result.updated += stored.updated
        result.unchanged += stored.unchanged + stored.older
        result.skipped.extend(skipped)
        if page.next_page_token:
            save_checkpoint(key, Checkpoint(
                query=query.describe(), next_page_token=page.next_page_token, pages=result.pages,
                studies=result.studies, added=result.added, updated=result.updated,
                unchanged=result.unchanged, total_count=result.total_count,
            ))
        report()
