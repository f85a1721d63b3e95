"""What an NCT ID looks like, in one place: every id a file, a server or a user hands over is read
here, on its way to becoming a library key, a file name, a URL or a line on screen.

An NCT ID is ``NCT`` and eight ASCII digits. ``\\d`` would also take Arabic-Indic or full-width
digits, which the registry never issues, so the digits are spelled out.
"""

from __future__ import annotations

import re

NCT_PATTERN = "NCT[0-9]{8}"
"""For patterns that find an NCT ID inside a longer text (a saved study page)."""
_NCT_ID = re.compile(NCT_PATTERN)


def as_nct_id(text: str) -> str:
    """``text`` as an NCT ID (blanks around it dropped, ``nct`` upper-cased), or "" when it is not one."""
    candidate = text.strip().upper()
    return candidate if _NCT_ID.fullmatch(candidate) else ""


def is_nct_id(text: str) -> bool:
    """Whether ``text`` is an NCT ID exactly as the library stores one."""
    return _NCT_ID.fullmatch(text) is not None
