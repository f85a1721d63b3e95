"""Map the words legacy XML and web pages use onto ClinicalTrials.gov API v2 enumeration values.

Every reader stores v2 spellings ("RECRUITING", "PHASE1", "NA", "INTERVENTIONAL") so records from
different sources compare, filter and diff equal whatever format they came in.
"""

from __future__ import annotations

import re
from functools import lru_cache

from trialtui.digest import age_in_years

_NON_WORD = re.compile(r"[^A-Z0-9]+")
_NOT_APPLICABLE = {"N/A", "NA", "NOT APPLICABLE", "NOT_APPLICABLE"}

_SPECIAL = {
    # words whose v2 value is not simply the words upper-cased and joined with "_"
    "UNKNOWN STATUS": "UNKNOWN",
    "U.S. FED": "FED",
    "U.S. FEDERAL": "FED",
    "OTHER U.S. FED": "FED",
    "EDUCATIONAL/COUNSELING/TRAINING": "ECT",
    "SINGLE GROUP ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL ASSIGNMENT": "PARALLEL",
    "CROSSOVER ASSIGNMENT": "CROSSOVER",
    "FACTORIAL ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL ASSIGNMENT": "SEQUENTIAL",
    "NONE (OPEN LABEL)": "NONE",
    "ANTICIPATED": "ESTIMATED",
    "ESTIMATE": "ESTIMATED",
    "OBSERVATIONAL [PATIENT REGISTRY]": "OBSERVATIONAL",
    "ACCEPTS HEALTHY VOLUNTEERS": "YES",
}


@lru_cache(maxsize=4096)
def to_enum(words: str) -> str:
    """``"Active, not recruiting"`` → ``ACTIVE_NOT_RECRUITING``; v2 values pass through unchanged."""
    text = " ".join(words.split()).upper()
    if not text:
        return ""
    if text in _SPECIAL:
        return _SPECIAL[text]
    if text in _NOT_APPLICABLE:
        return "NA"
    return _NON_WORD.sub("_", text).strip("_")


_PHASE = re.compile(r"(EARLY[ _]?)?PHASE[ _]?([0-4])")


def to_phases(text: str) -> list[str]:
    """``"Phase 1/Phase 2"`` or ``"PHASE1/PHASE2"`` → ``["PHASE1", "PHASE2"]``; "N/A" → ``["NA"]``."""
    upper = " ".join(text.split()).upper()
    if not upper:
        return []
    if upper in _NOT_APPLICABLE:
        return ["NA"]
    phases = [
        ("EARLY_PHASE" if early else "PHASE") + digit for early, digit in _PHASE.findall(upper)
    ]
    return phases or [to_enum(text)]


def to_masking(text: str) -> tuple[str, list[str]]:
    """``"Double (Participant, Investigator)"`` → ``("DOUBLE", ["PARTICIPANT", "INVESTIGATOR"])``."""
    level, _, who = text.partition("(")
    if to_enum(text) == "NONE" or to_enum(level) == "NONE":
        return "NONE", []
    return to_enum(level), [to_enum(part) for part in who.rstrip(")").split(",") if part.strip()]


def to_bool(text: str) -> bool | None:
    """Yes/No words as the registry and web pages write them (``"No"``, ``"f"``, ``"Accepts..."``)."""
    word = to_enum(text)
    if word in {"YES", "Y", "TRUE", "T", "1"}:
        return True
    if word in {"NO", "N", "FALSE", "F", "0"}:
        return False
    return None


def normalize_age(text: str) -> str:
    """``"N/A"`` → ``""``; ``"18"`` → ``"18 Years"``; ``"1 Year"`` stays as written."""
    text = " ".join(text.split())
    if not text or to_enum(text) == "NA":
        return ""
    if text.replace(".", "", 1).isdigit():
        return f"{text} Years"
    return text


_STD_AGE_GROUPS = (("CHILD", 0.0, 17.999), ("ADULT", 18.0, 64.999), ("OLDER_ADULT", 65.0, 1e9))


def std_ages(minimum_age: str, maximum_age: str) -> list[str]:
    """The registry's age groups (CHILD <18, ADULT 18-64, OLDER_ADULT 65+) an age range touches."""
    low = age_in_years(minimum_age) or 0.0
    high = age_in_years(maximum_age)
    high = 1e9 if high is None else high
    return [name for name, start, end in _STD_AGE_GROUPS if low <= end and high >= start]


_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}
_WORD_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


@lru_cache(maxsize=4096)
def to_iso_date(text: str) -> str:
    """``"April 16, 2007"`` → ``"2007-04-16"``, ``"March 2007"`` → ``"2007-03"``; ISO dates pass."""
    text = " ".join(text.split())
    if not text or _ISO_DATE.match(text):
        return text
    match = _WORD_DATE.match(text)
    month = _MONTHS.get(match.group(1).lower()) if match else None
    if not match or month is None:
        return text
    day = f"-{int(match.group(2)):02d}" if match.group(2) else ""
    return f"{match.group(3)}-{month:02d}{day}"


def intervention_label(kind: str, name: str) -> str:
    """How v2 arms name an intervention: ``("DIETARY_SUPPLEMENT", "X")`` → "Dietary Supplement: X"."""
    words = kind.replace("_", " ").title() if kind else ""
    return f"{words}: {name}" if words else name
