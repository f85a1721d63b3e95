"""Readers for every trial record format, detected from content.

`load_paths` loads files and folders; `iter_records` streams one source; `parse_ctgov_study` turns
one ClinicalTrials.gov API v2 study object into a `Trial` (the fetch client uses it).
"""

from trialtui.ingest.ctgov_json import parse_ctgov_study
from trialtui.ingest.identity import stable_trial_id
from trialtui.ingest.loader import iter_records, load_paths
from trialtui.ingest.problems import LoadProblem, LoadResult, RecordError

__all__ = [
    "LoadProblem",
    "LoadResult",
    "RecordError",
    "iter_records",
    "load_paths",
    "parse_ctgov_study",
    "stable_trial_id",
]
