"""What loading hands back: the trials, and one plain-words problem per source it could not read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialtui.models import Trial
from trialtui.safe_text import quoted, terminal_text
from trialtui.trial_ids import as_nct_id

MAX_TEXT_CHARS = 100_000
"""Longest text field accepted. Real registry fields stay under 35,000 characters; anything far
longer is a damaged or hostile file, and loading it would stall the list and the index."""

MAX_QUOTED_CHARS = 80
"""Longest id, key or member name a problem line quotes: a hostile 100,000-character id must not
make a 100,000-character line."""
_MAX_PATH_CHARS = 400
_MAX_REASON_CHARS = 600
SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (from a JSON escape such as ``\\ud800``, or a file name that is not
    UTF-8) as U+FFFD: no terminal, file or database can take them. Encoding finds whether there is
    one at all in a fraction of the time the pattern takes to look at each character."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # only a surrogate cannot be encoded
        return SURROGATE.sub("\ufffd", text)
    return text


def quote(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """Record data (an id, a key, a member name) as a problem line may show it: cut with an
    ellipsis past `limit` characters."""
    text = without_surrogates(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RecordError(ValueError):
    """A record that cannot be turned into a `Trial`; the message says why in plain words.

    ``kind`` groups records failing for the same reason so a file of them gives one line.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind or message


def registry_id(given: str) -> str:
    """The NCT ID a record names (``nct01234567`` read as ``NCT01234567``), or `RecordError`: an
    id a file or a server made up (``../x``, an escape sequence, 10,000 characters) would become
    the trial's key, its file name and its registry address, so the record is skipped."""
    found = as_nct_id(given)
    if not found:
        raise RecordError(f"trial id {quoted(given)} is not an NCT number (NCT and 8 digits)", "not an NCT number")
    return found


@dataclass(frozen=True)
class LoadProblem:
    """One source (or a run of records in it) that could not be loaded, or a note about records
    that were loaded only after a repair (``skipped`` 0)."""

    path: str
    reason: str
    skipped: int = 1
    """How many records (or whole sources) this line stands for that were not loaded."""

    def line(self) -> str:
        """The stderr line the command line prints: ``trialtui: PATH: reason``, always one short
        line, whatever control characters the path or the reason hold (shown as visible escapes)."""
        return terminal_text(f"trialtui: {quote(self.path, _MAX_PATH_CHARS)}: {quote(self.reason, _MAX_REASON_CHARS)}")


@dataclass
class LoadResult:
    trials: list[Trial] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
