"""What loading hands back: the trials, and one plain-words problem per source it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field

from trialtui.models import Trial
from trialtui.safe_text import terminal_text

MAX_TEXT_CHARS = 100_000
"""Longest text field accepted. Real registry fields stay under 35,000 characters; anything far
longer is a damaged or hostile file, and loading it would stall the list and the index."""


class RecordError(ValueError):
    """A record that cannot be turned into a `Trial`; the message says why in plain words.

    ``kind`` groups records failing for the same reason so a file of them gives one line.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind or message


@dataclass(frozen=True)
class LoadProblem:
    """One source (or a run of records in it) that could not be loaded."""

    path: str
    reason: str

    def line(self) -> str:
        """The stderr line the command line prints: ``trialtui: PATH: reason``, always one line,
        whatever control characters the path or the reason hold (shown as visible escapes)."""
        return terminal_text(f"trialtui: {self.path}: {self.reason}")


@dataclass
class LoadResult:
    trials: list[Trial] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
