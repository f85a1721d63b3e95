"""Undo ClinicalTrials.gov's markdown escapes (``\\>``, ``\\<``, ``\\^``, ``\\~``, ``\\[``, ``\\*``...).

The registry stores free text as markdown and backslash-escapes every character markdown would
otherwise read as syntax; readers want the characters a person typed.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|=:\"'/&%$@,;?])|\\(?=\n)")


def unescape(text: str) -> str:
    """``"Lansky score\\>60"`` → ``"Lansky score>60"``; text without a backslash is returned as is."""
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_keep_escaped, text)


def _keep_escaped(match: re.Match[str]) -> str:
    """The escaped character; a backslash ending a line (a markdown hard break) goes away."""
    return match.group(1) or ""
