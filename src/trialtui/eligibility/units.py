"""Units as criteria write them, and their conversion to the canonical units of thresholds.md.

`UNIT` is a regex fragment the extractor's value grammar embeds; `to_canonical` turns a value and
the unit text it was written with into the measure's canonical value and unit, or None when the
unit cannot belong to the measure (a "platelets ... within 7 days" is not a platelet count). When
no unit is written, the value's magnitude decides (ANC 1500 is per µL, ANC 1.5 is ×10⁹/L) and the
reading is marked uncertain.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

_ABOVE = r"(?:(?:higher|greater|above|more|over)\s+(?:than\s+)?|in\s+excess\s+of\s+)"
"""Between a multiple and the normal limit it exceeds: "3 times higher than the ULN"."""
_ULN = (
    rf"(?:(?:[x×X\*]\s*|times\s+(?:of\s+)?|-?\s*folds?\s+(?:of\s+)?|[- ]?fold\s+){_ABOVE}?)?(?:the\s+|an?\s+|their\s+)?"
    r"(?:(?:institutional|institution's|local|laboratory|lab|site|normal|reference|age[- ](?:adjusted|specific|appropriate))\s+)*"
    r"(?:I?ULN|ULRR|UNL|LSN|upper\s+(?:limit|level|bound|value)s?\s+(?:of\s+)?(?:the\s+)?(?:institutional\s+|local\s+)?"
    r"(?:normal|reference)(?:\s+(?:range|limits?|values?))?|upper\s+normal(?:\s+(?:limits?|levels?|values?|range))?"
    r"|normal\s+upper\s+(?:limits?|levels?|range|values?))"
    # "2x normal", "1.5 times normal": a multiple of normal is a multiple of its upper limit.
    rf"|(?:[x×X\*]\s*|times\s+(?:of\s+)?|-?\s*folds?\s+){_ABOVE}?(?:the\s+)?upper\s+(?:normal\s+)?limit(?!\s+of\b)"
    rf"|(?:[x×X\*]\s*|times\s+|-?\s*folds?\s+){_ABOVE}?(?:the\s+)?normal(?!\s+(?:saline|diet|activit|renal|liver|hepatic|cardiac|function))"
    r"(?:\s+(?:values?|levels?|range|limits?))?"
)
_VOLUME = (
    r"(?:µL|μL|uL|ul|µl|μl|mcL|mcl|microlit(?:er|re)s?|mm3|mm³|mm\^3|cu\.?\s?mm|cmm|cubic\s+millimet(?:er|re)s?"
    r"|mL|ml|nL|nl|L|l|lit(?:er|re)s?)"
)
_COUNT_POWER = (
    r"(?:[x×X\*·]\s*)?10\s*(?:\^|e|E|\*\*)?\s*\(?(?:[0-9]{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\)?\s*(?:cells?\s*)?(?:/|per\s+)\s*" + _VOLUME
)
_COUNT_PLAIN = (
    r"(?:cells?\s*|c\s*|G\s*|Gi\s*|giga\s*|K\s*|k\s*|thousands?\s*)?(?:/|per\s+)\s*" + _VOLUME
)
_CONCENTRATION = (
    r"(?:g|gm|gms|gr|grams?|mg|milligrams?|µmol|μmol|umol|mcmol|micromol(?:es)?|mmol|millimol(?:es)?|U|IU|units?|international\s+units?|iu)"
    r"\s*(?:/|per\s+)\s*(?:dL|dl|DL|Dl|deciliters?|decilitres?|L|l|liters?|litres?|mL|ml)|(?:g|gm|mg)\s?%|µM|μM|uM"
)
_RATE = (r"(?:m[lL]|cc)\s*/\s*min(?:ute)?(?:\s*(?:/|per)\s*1[.,]73\s*(?:m(?:2|²|\^2)?|square\s+met(?:er|re)s?)(?:\s*BSA)?)?"
         r"|m[lL]/s(?:ec)?")
_BMI = r"kg\s*/\s*m(?:2|²|\^2)"
_PERCENT = r"%|percent|per\s?cent"
_PERCENT_ULN = rf"(?:%|percent|per\s?cent)\s*(?:of|above|over|higher\s+than|greater\s+than)\s+(?:{_ULN})"
"""A limit as a share of the ULN: "exceeds 50% of the ULN", "20% above the upper limit of normal"."""
_TIME = r"years?|yrs?|y|months?|mos?|mths?|weeks?|wks?|days?|hours?|hrs?"
_WEIGHT = r"kgs?|kilograms?|lbs?|pounds|g|grams?"
_SECONDS = r"sec(?:onds?)?|s"

UNIT = (
    f"(?:{_ULN}|{_COUNT_POWER}|{_COUNT_PLAIN}|{_CONCENTRATION}|{_RATE}|{_BMI}|{_PERCENT_ULN}|{_PERCENT}|{_TIME}|{_WEIGHT}|{_SECONDS})"
    r"(?![A-Za-z0-9µμ])"
)
"""Any unit the extractor understands, as written (after the number, spaces allowed before it)."""

_KIND = re.compile(
    rf"(?P<uln>{_ULN})|(?P<power>{_COUNT_POWER})|(?P<count>{_COUNT_PLAIN})|(?P<conc>{_CONCENTRATION})"
    rf"|(?P<rate>{_RATE})|(?P<bmi>{_BMI})|(?P<pct_uln>{_PERCENT_ULN})|(?P<percent>{_PERCENT})|(?P<time>{_TIME})|(?P<weight>{_WEIGHT})"
    rf"|(?P<seconds>{_SECONDS})"
)
_TIME_WORD = re.compile(_TIME)
"""A time unit, to read one written with a capital ("Age ≥ 60 Years", as registry forms print it)."""
_POWER_PARTS = re.compile(r"10\s*(?:\^|e|E|\*\*)?\s*\(?([0-9]{1,2}|[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\)?")
_PER_VOLUME = re.compile(r"(?:/|per\s+)\s*(\S+(?:\s+\S+)?)$")

_VOLUME_LITRES = {
    "ul": 1e-6, "mcl": 1e-6, "microliter": 1e-6, "microlitre": 1e-6, "mm3": 1e-6, "cumm": 1e-6,
    "cu.mm": 1e-6, "cmm": 1e-6, "cubicmillimeter": 1e-6, "cubicmillimetre": 1e-6,
    "ml": 1e-3, "nl": 1e-9, "l": 1.0, "liter": 1.0, "litre": 1.0,
}
_TIME_DAYS = {
    "y": 365.25, "yr": 365.25, "year": 365.25, "mo": 30.4375, "mth": 30.4375, "month": 30.4375,
    "wk": 7.0, "week": 7.0, "day": 1.0, "hour": 1 / 24, "hr": 1 / 24,
}
_CONC_CANON = {
    # (numerator, denominator) → (kind, factor to that kind's base unit)
    ("g", "dl"): ("g/dL", 1.0), ("g", "l"): ("g/dL", 0.1), ("g", "ml"): ("g/dL", 100.0),
    ("mg", "dl"): ("mg/dL", 1.0), ("mg", "l"): ("mg/dL", 0.1), ("mg", "ml"): ("mg/dL", 100.0),
    ("umol", "l"): ("umol/L", 1.0), ("umol", "dl"): ("umol/L", 10.0),
    ("mmol", "l"): ("mmol/L", 1.0),
    ("u", "l"): ("U/L", 1.0), ("u", "ml"): ("U/L", 1000.0), ("u", "dl"): ("U/L", 10.0),
}


def _volume_litres(text: str) -> float | None:
    key = text.lower().replace(" ", "").replace("µ", "u").replace("μ", "u").replace("³", "3").replace("^", "")
    key = key.rstrip("s") if key.endswith(("ers", "res")) else key
    return _VOLUME_LITRES.get(key)


@lru_cache(maxsize=4096)
def unit_kind(text: str) -> tuple[str, float] | None:
    """The written unit as (kind, factor): ("count", 1.0) is ×10⁹/L, ("time", 7.0) is weeks in days,
    ("g/dL", 0.1) is g/L; the factor takes a value to the kind's base unit."""
    text = text.strip()
    match = _KIND.fullmatch(text)
    if not match and text[:1].isupper() and _TIME_WORD.fullmatch(text.lower()):
        text = text.lower()
        match = _KIND.fullmatch(text)
    if not match:
        return None
    kind = match.lastgroup
    lowered = text.lower()
    if kind == "uln":
        return ("xULN", 1.0)
    if kind == "pct_uln":
        return ("%ULN", 1.0 if re.search(r"%\s*of|cent\s*of", lowered) else 0.0)
    if kind in ("power", "count"):
        volume = _PER_VOLUME.search(text)
        litres = _volume_litres(volume.group(1)) if volume else None
        if litres is None:
            return None
        if kind == "power":
            exponent = int(_POWER_PARTS.search(text).group(1).translate(_SUPERSCRIPTS))
        else:
            prefix = lowered.split("/")[0].split("per")[0].strip()
            exponent = 9 if prefix in ("g", "gi", "giga") else 3 if prefix in ("k", "thousand", "thousands") else 0
        return ("count", 10.0 ** exponent / litres / 1e9)
    if kind == "conc":
        if lowered.endswith("%"):
            return ("g/dL", 1.0) if lowered.startswith("g") else ("mg/dL", 1.0)
        if lowered in ("µm", "μm", "um"):
            return ("umol/L", 1.0)
        numerator, _, denominator = re.split(r"\s*(/|per\s+)\s*", lowered, maxsplit=1)
        numerator = numerator.replace("µ", "u").replace("μ", "u")
        numerator = {"gm": "g", "gms": "g", "gr": "g", "gram": "g", "grams": "g", "milligram": "mg",
                     "milligrams": "mg", "mcmol": "umol", "micromol": "umol", "micromole": "umol",
                     "micromoles": "umol", "millimol": "mmol", "millimole": "mmol", "millimoles": "mmol",
                     "iu": "u", "unit": "u", "units": "u", "international unit": "u",
                     "international units": "u"}.get(numerator, numerator)
        denominator = denominator.strip()
        denominator = "dl" if denominator.startswith("dec") else "l" if denominator.startswith("lit") else denominator
        return _CONC_CANON.get((numerator, denominator))
    if kind == "rate":
        return ("mL/min", 60.0 if lowered.rstrip("ec").endswith("/s") else 1.0)
    if kind == "bmi":
        return ("kg/m2", 1.0)
    if kind == "percent":
        return ("%", 1.0)
    if kind == "time":
        key = lowered.rstrip("s") if lowered not in ("s",) else lowered
        return ("time", _TIME_DAYS[key]) if key in _TIME_DAYS else None
    if kind == "weight":
        if lowered.startswith("k"):
            return ("kg", 1.0)
        if lowered.startswith(("lb", "pound")):
            return ("kg", 0.45359237)
        return ("kg", 0.001)
    return ("seconds", 1.0)


# Canonical unit, accepted kinds with extra factors, and the values that can be a real limit.
_COUNT = {"count": ("10^9/L", 1.0)}
_RULES: dict[str, tuple[dict[str, tuple[str, float]], tuple[float, float]]] = {
    "anc": (_COUNT, (0.05, 30)),
    "alc": (_COUNT, (0.05, 100)),
    "wbc": (_COUNT, (0.5, 500)),
    "platelets": (_COUNT, (5, 2000)),
    "hemoglobin": ({"g/dL": ("g/dL", 1.0), "mmol/L": ("g/dL", 1.611), "mg/dL": ("g/dL", 0.001)}, (4, 25)),
    "total_bilirubin": ({"mg/dL": ("mg/dL", 1.0), "umol/L": ("mg/dL", 1 / 17.1)}, (0.1, 30)),
    "direct_bilirubin": ({"mg/dL": ("mg/dL", 1.0), "umol/L": ("mg/dL", 1 / 17.1)}, (0.05, 20)),
    "creatinine": ({"mg/dL": ("mg/dL", 1.0), "umol/L": ("mg/dL", 1 / 88.4), "mmol/L": ("mg/dL", 1000 / 88.4)}, (0.2, 15)),
    "ast": ({"U/L": ("U/L", 1.0)}, (5, 2000)),
    "alt": ({"U/L": ("U/L", 1.0)}, (5, 2000)),
    "lipase": ({"U/L": ("U/L", 1.0)}, (5, 5000)),
    "amylase": ({"U/L": ("U/L", 1.0)}, (5, 5000)),
    "gfr": ({"mL/min": ("mL/min", 1.0)}, (5, 200)),
    "albumin": ({"g/dL": ("g/dL", 1.0)}, (1.0, 6.0)),
    "lvef": ({"%": ("%", 1.0)}, (10, 90)),
    "shortening_fraction": ({"%": ("%", 1.0)}, (10, 60)),
    "spo2": ({"%": ("%", 1.0)}, (70, 100)),
    "lymphocyte_pct": ({"%": ("%", 1.0)}, (1, 100)),
    "inr": ({}, (0.5, 6)),
    "pt": ({"seconds": ("seconds", 1.0)}, (5, 60)),
    "aptt": ({"seconds": ("seconds", 1.0)}, (15, 200)),
    "age": ({"time": ("years", 1 / 365.25)}, (0, 120)),
    "weight": ({"kg": ("kg", 1.0)}, (0.3, 400)),
    "bmi": ({"kg/m2": ("kg/m2", 1.0)}, (10, 80)),
    "life_expectancy": ({"time": ("days", 1.0)}, (7, 3700)),
    "ecog": ({}, (0, 5)),
    "karnofsky": ({"%": ("score", 1.0)}, (10, 100)),
    "lansky": ({"%": ("score", 1.0)}, (10, 100)),
}
_ULN_RANGE = (0.5, 30)
_ULN_MEASURES = frozenset({"ast", "alt", "total_bilirubin", "direct_bilirubin", "creatinine", "lipase", "amylase", "inr",
                           "pt", "aptt"})
_NO_UNIT = {
    # measure → canonical unit assumed when none is written, and whether that needs saying
    "ecog": "score", "karnofsky": "score", "lansky": "score", "inr": "ratio", "gfr": "mL/min",
    "lvef": "%", "shortening_fraction": "%", "spo2": "%", "age": "years", "weight": "kg",
    "bmi": "kg/m2", "lymphocyte_pct": "%",
}
_USUALLY_UNITLESS = {"ecog", "karnofsky", "lansky", "inr", "age"}


def to_canonical(measure: str, value: float, unit_text: str | None) -> tuple[float, str, str | None] | None:
    """(value, canonical unit, uncertain reason) for `value` written with `unit_text`, or None."""
    rules = _RULES.get(measure)
    if rules is None:
        return None
    accepted, (low, high) = rules
    if unit_text:
        kind = unit_kind(unit_text)
        if kind is None:
            return None
        name, factor = kind
        if name == "xULN":
            if measure in _ULN_MEASURES and _ULN_RANGE[0] <= value <= _ULN_RANGE[1]:
                return (value, "xULN", None)
            return None
        if name == "%ULN":
            return _percent_of_uln(measure, value, of=factor == 1.0)
        if name not in accepted:
            return None
        canonical, extra = accepted[name]
        converted = value * factor * extra
        if low <= converted <= high:
            return (converted, canonical, None)
        if name in _CONCENTRATIONS and converted:
            slip = _unit_slip(accepted, value, low, high)
            if slip is not None:
                return slip
        if name == "count" and unit_text.rstrip().lower().endswith("ml"):
            # "2500c/ml": cells per mL is never a real count limit; registries mean per µL.
            converted *= 1000
            if low <= converted <= high:
                return (converted, canonical, "unit written per mL, read as per µL")
        return None
    return _guess_unit(measure, value, low, high)


def _percent_of_uln(measure: str, value: float, of: bool) -> tuple[float, str, str | None] | None:
    """"N% above the ULN" is (1 + N/100) × ULN; "N% of the ULN" is N/100 × ULN from 100% on, and
    below 100% can only mean above it ("exceeds 50% of the ULN" excludes > 1.5 × ULN): marked."""
    if measure not in _ULN_MEASURES:
        return None
    if of and value >= 100:
        multiple, reason = value / 100, None
    else:
        multiple = 1 + value / 100
        reason = f"{value:g}% of the ULN read as {value:g}% above it" if of else None
    return (round(multiple, 6), "xULN", reason) if _ULN_RANGE[0] <= multiple <= _ULN_RANGE[1] else None


_CONCENTRATIONS = frozenset({"g/dL", "mg/dL", "umol/L", "mmol/L"})


def _unit_slip(accepted: dict[str, tuple[str, float]], value: float, low: float, high: float) -> tuple[float, str, str] | None:
    """A concentration whose written unit makes the value impossible ("hemoglobin 9.0 mg/dL",
    "creatinine 130 mmol/L", "bilirubin 2.5 mg/mL"): the first of the measure's own units, canonical
    first, in which the number is a real limit, marked as a guess."""
    for name, (canonical, extra) in accepted.items():
        if name in _CONCENTRATIONS and low <= value * extra <= high:
            return (value * extra, canonical, f"unit written does not fit the value; read as {name}")
    return None


def _guess_unit(measure: str, value: float, low: float, high: float) -> tuple[float, str, str | None] | None:
    """No unit written: choose the one the value's magnitude implies, and say it was a guess."""
    if measure in _NO_UNIT:
        if not low <= value <= high:
            return None
        reason = None if measure in _USUALLY_UNITLESS else "no unit written"
        return (value, _NO_UNIT[measure], reason)
    guess: tuple[float, str] | None = None
    if measure in ("anc", "alc", "wbc"):
        guess = (value / 1000, "10^9/L") if value >= 100 else (value, "10^9/L")
    elif measure == "platelets":
        guess = (value / 1000, "10^9/L") if value >= 2000 else (value, "10^9/L")
    elif measure == "hemoglobin":
        guess = (value / 10, "g/dL") if value >= 40 else (value, "g/dL")
    elif measure == "albumin":
        guess = (value / 10, "g/dL") if value >= 15 else (value, "g/dL")
    elif measure in ("total_bilirubin", "direct_bilirubin"):
        guess = (value / 17.1, "mg/dL") if value >= 10 else (value, "mg/dL")
    elif measure == "creatinine":
        guess = (value / 88.4, "mg/dL") if value >= 20 else (value, "mg/dL")
    elif measure in ("ast", "alt", "lipase", "amylase", "aptt"):
        guess = (value, "xULN") if value <= 10 else (value, "U/L" if measure != "aptt" else "seconds")
    if guess is None:
        return None
    converted, unit = guess
    if unit == "xULN":
        return (converted, unit, "no unit written, read as ×ULN") if 0.5 <= converted <= 10 else None
    if low <= converted <= high:
        return (converted, unit, f"no unit written, read as {unit}")
    return None
