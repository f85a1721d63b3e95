"""How thresholds read to people: "platelets ≥ 75 ×10^9/L if bone marrow involvement".

One wording for the CLI, the TUI's tables and the changes view, so a threshold reads the same
wherever it shows.
"""

from __future__ import annotations

from typing import Any

SIGNS = {("lower", True): "≥", ("lower", False): ">", ("upper", True): "≤", ("upper", False): "<"}

_ACRONYMS = {"anc", "alc", "wbc", "ecog", "lvef", "ast", "alt", "alp", "inr", "ptt", "aptt", "egfr",
             "crcl", "qtc", "qtcf", "bmi", "psa", "hba1c", "tsh", "ldh", "cd4", "fev1", "dlco", "uln", "gfr"}
_NAMES = {"spo2": "SpO₂", "lymphocyte_pct": "lymphocytes %", "life_expectancy": "life expectancy"}

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
    if measure in _NAMES:
        return _NAMES[measure]
    return " ".join(w.upper() if w in _ACRONYMS else w for w in measure.split("_"))


def unit_text(unit: str) -> str:
    """Canonical unit ids as people write them: ``10^9/L`` → "×10^9/L", ``xULN`` → "× ULN"."""
    if unit.startswith("10^"):
        return "×" + unit
    if unit.lower() == "xuln":
        return "× ULN"
    return "" if unit == "score" else unit


def threshold_text(threshold: Any, with_unit: bool = True, with_condition: bool = True) -> str:
    """``≥ 75 ×10^9/L``, plus the condition it applies under when it has one.

    Takes a `Threshold` or its JSON dict (the CLI works on the contract's JSON)."""
    get = threshold.get if isinstance(threshold, dict) else lambda key: getattr(threshold, key)
    text = f"{SIGNS[(get('bound'), get('inclusive'))]} {get('value'):g}"
    unit = unit_text(get("unit")) if with_unit else ""
    if unit:
        text += f" {unit}"
    if with_condition and get("condition"):
        text += f" if {get('condition')}"
    return text
