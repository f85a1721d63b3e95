"""How thresholds read to people: "platelets ≥ 75 ×10^9/L if bone marrow involvement".

One wording for the CLI, the TUI's tables and the changes view, so a threshold reads the same
wherever it shows.
"""

from __future__ import annotations

import re
from typing import Any

from trialtui.eligibility.measures import MEASURES

SIGNS = {("lower", True): "≥", ("lower", False): ">", ("upper", True): "≤", ("upper", False): "<"}

_ACRONYMS = {"anc", "alc", "wbc", "ecog", "lvef", "ast", "alt", "alp", "inr", "ptt", "aptt", "egfr",
             "crcl", "qtc", "qtcf", "bmi", "psa", "hba1c", "tsh", "ldh", "cd4", "fev1", "dlco", "uln", "gfr"}

VERDICT_WORDS = {
    "same": "same",
    "a_stricter": "A stricter",
    "b_stricter": "B stricter",
    "only_a": "only in A",
    "only_b": "only in B",
    "mixed": "mixed",
    "incomparable": "not comparable (×ULN vs absolute)",
}


def measure_label(measure: str) -> str:
    """``lvef`` → "LVEF", ``total_bilirubin`` → "total bilirubin", ``spo2`` → "SpO₂"."""
    spec = MEASURES.get(measure)
    if spec is not None and spec.label:
        return spec.label
    return " ".join(w.upper() if w in _ACRONYMS else w for w in measure.split("_"))


def unit_text(unit: str) -> str:
    """Canonical unit ids as people write them: ``10^9/L`` → "×10^9/L", ``xULN`` → "× ULN"."""
    if unit.startswith("10^"):
        return "×" + unit
    if unit.lower() == "xuln":
        return "× ULN"
    return "" if unit == "score" else unit


_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
_CANONICAL_DAYS = {"days": 1.0, "years": 365.25}
DURATION_UNITS = frozenset(_CANONICAL_DAYS)
"""Units of limits shown as the record wrote them (`written_limit` reads the threshold's raw text)."""
_WRITTEN_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(days?|weeks?|wks?|months?|mos?|years?|yrs?)\b", re.IGNORECASE)
_UNIT_WORD = {"d": "day", "w": "week", "m": "month", "y": "year"}


def _duration(count: float, unit: str) -> str:
    return f"{count:g} {unit}{'' if count == 1 else 's'}"


def written_limit(value: float, unit: str, raw: str = "") -> str | None:
    """A duration limit (age, life expectancy) in the unit the record wrote it in ("6 months", not
    182.625 days), or in the whole weeks, months or years it comes to; None for other limits."""
    per_unit = _CANONICAL_DAYS.get(unit)
    if per_unit is None:
        return None
    days = value * per_unit
    for match in _WRITTEN_DURATION.finditer(raw or ""):
        count, word = float(match.group(1)), _UNIT_WORD[match.group(2)[0].lower()]
        if abs(count * _DAYS[word] - days) <= 0.01 * days + 0.02:  # values are stored to 4 decimals
            return _duration(count, word)
    for word in ("year", "month", "week"):
        count = days / _DAYS[word]
        if count >= 1 and abs(count - round(count)) < 1e-6 and (word != "year" or unit == "years"):
            return _duration(round(count), word)
    if unit == "years" and value < 2 and abs(value * 12 - round(value * 12)) < 0.01:
        return _duration(round(value * 12), "month")
    return None


def limit_text(threshold: Any, with_unit: bool = True) -> str:
    """The limit's number and unit as the record wrote it: "75 ×10^9/L", "6 months", "18 years"."""
    get = threshold.get if isinstance(threshold, dict) else lambda key: getattr(threshold, key)
    written = written_limit(get("value"), get("unit"), get("raw") or "")
    if written and (with_unit or written != _duration(get("value"), get("unit").rstrip("s"))):
        return written  # in another unit than the canonical one, so always with its unit
    unit = unit_text(get("unit")) if with_unit else ""
    return f"{get('value'):g} {unit}" if unit else f"{get('value'):g}"


def threshold_text(threshold: Any, with_unit: bool = True, with_condition: bool = True) -> str:
    """``≥ 75 ×10^9/L``, ``≥ 6 months``, plus the condition it applies under when it has one
    (``if liver metastases``); an age taken at another moment says when (``at diagnosis``).

    Takes a `Threshold` or its JSON dict (the CLI works on the contract's JSON)."""
    get = threshold.get if isinstance(threshold, dict) else lambda key: getattr(threshold, key)
    text = f"{SIGNS[(get('bound'), get('inclusive'))]} {limit_text(threshold, with_unit)}"
    condition = get("condition") if with_condition else None
    if condition and get("measure") == "age" and condition.startswith("age at "):
        text += f" {condition.removeprefix('age ')}"
    elif condition:
        text += f" if {condition}"
    return text
