"""Fetching from ClinicalTrials.gov API v2, keeping the library current, and what changed.

The TUI drives `fetch_to_library` and `update_library` from a worker thread with a progress
callback and a cancel Event; the changes view lists `unreviewed_changes`. The command line
(`trialtui fetch`, `trialtui update`) calls the same functions.
"""

from trialtui.fetch.changes import TrialChanges, trial_changes
from trialtui.fetch.client import DEFAULT_BASE_URL, Retrying, RetryPolicy, resolve_base_url
from trialtui.fetch.fetcher import FetchProgress, FetchResult, fetch_to_library
from trialtui.fetch.params import QueryError, StudyQuery
from trialtui.fetch.update import (
    ChangedTrial,
    UpdateProgress,
    UpdateResult,
    changes_since_review,
    unreviewed_changes,
    update_library,
)

__all__ = [
    "DEFAULT_BASE_URL", "ChangedTrial", "FetchProgress", "FetchResult", "QueryError", "Retrying",
    "RetryPolicy", "StudyQuery", "TrialChanges", "UpdateProgress", "UpdateResult",
    "changes_since_review", "fetch_to_library", "resolve_base_url", "trial_changes",
    "unreviewed_changes", "update_library",
]
