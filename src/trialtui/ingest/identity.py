"""A stable id for a record without an NCT ID, so annotations and the library can refer to it.

The id depends only on what the document says (title, lead sponsor, start date), normalized, so
re-reading the same page, or a copy with different spacing or escapes, yields the same id.
"""

from __future__ import annotations

import hashlib
import re

from trialtui.ingest.markdown import unescape
from trialtui.trial_ids import NCT_PATTERN

STABLE_ID_PREFIX = "TT-"
_SPACE = re.compile(r"\s+")
_WELL_FORMED = re.compile(NCT_PATTERN + "|" + STABLE_ID_PREFIX + "[0-9a-f]{12}")


def well_formed_id(text: str) -> bool:
    """Whether `text` has the form of a trial id: an NCT ID, or the id `stable_trial_id` makes."""
    return _WELL_FORMED.fullmatch(text) is not None


def _normalized(text: str) -> str:
    return _SPACE.sub(" ", unescape(text)).strip().casefold()


def stable_trial_id(title: str, lead_sponsor: str, start_date: str) -> str:
    """``"TT-"`` + 12 hex digits of a SHA-256 over the normalized title, sponsor and start date."""
    key = "\x1f".join(_normalized(part) for part in (title, lead_sponsor, start_date))
    return STABLE_ID_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
