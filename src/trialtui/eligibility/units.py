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

from trialtui.eligibility.measures import MEASURES, ULN_RANGE, Measure
from trialtui.eligibility.prefilter import first_char_lookahead

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
    "(?:"
    + "|".join(first_char_lookahead(kind, re.IGNORECASE) + f"(?:{kind})" for kind in (
        _ULN, _COUNT_POWER, _COUNT_PLAIN, _CONCENTRATION, _RATE, _BMI, _PERCENT_ULN, _PERCENT, _TIME, _WEIGHT, _SECONDS))
    + r")(?![A-Za-z0-9µμ])"
)
"""Any unit the extractor understands, as written (after the number, spaces allowed before it). Each
kind is behind a lookahead for its first characters: `re` passes over a kind after one test where
it cannot begin instead of entering each of its alternatives."""

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


_RULES = {m.id: (m, dict(m.units), *m.plausible) for m in MEASURES.values()}
"""Each measure's entry, accepted unit kinds with factors, and plausible range: one lookup on the
hot path."""


def to_canonical(measure: str, value: float, unit_text: str | None) -> tuple[float, str, str | None] | None:
    """(value, canonical unit, uncertain reason) for `value` written with `unit_text`, or None."""
    rules = _RULES.get(measure)
    if rules is None:
        return None
    spec, accepted, low, high = rules
    if unit_text:
        kind = unit_kind(unit_text)
        if kind is None:
            return None
        name, factor = kind
        if name == "xULN":
            if spec.uln_as and ULN_RANGE[0] <= value <= ULN_RANGE[1]:
                return (value, "xULN", None)
            return None
        if name == "%ULN":
            return _percent_of_uln(spec, value, of=factor == 1.0)
        if name not in accepted:
            return None
        canonical = spec.unit
        converted = value * factor * accepted[name]
        if low <= converted <= high:
            return (converted, canonical, None)
        if name in _CONCENTRATIONS and converted:
            slip = _unit_slip(spec, value)
            if slip is not None:
                return slip
        if name == "count" and unit_text.rstrip().lower().endswith("ml"):
            # "2500c/ml": cells per mL is never a real count limit; registries mean per µL.
            converted *= 1000
            if low <= converted <= high:
                return (converted, canonical, "unit written per mL, read as per µL")
        return None
    return _guess_unit(spec, value)


def _percent_of_uln(spec: Measure, value: float, of: bool) -> tuple[float, str, str | None] | None:
    """"N% above the ULN" is (1 + N/100) × ULN; "N% of the ULN" is N/100 × ULN from 100% on, and
    below 100% can only mean above it ("exceeds 50% of the ULN" excludes > 1.5 × ULN): marked."""
    if not spec.uln_as:
        return None
    if of and value >= 100:
        multiple, reason = value / 100, None
    else:
        multiple = 1 + value / 100
        reason = f"{value:g}% of the ULN read as {value:g}% above it" if of else None
    return (round(multiple, 6), "xULN", reason) if ULN_RANGE[0] <= multiple <= ULN_RANGE[1] else None


_CONCENTRATIONS = frozenset({"g/dL", "mg/dL", "umol/L", "mmol/L"})


def _unit_slip(spec: Measure, value: float) -> tuple[float, str, str] | None:
    """A concentration whose written unit makes the value impossible ("hemoglobin 9.0 mg/dL",
    "creatinine 130 mmol/L", "bilirubin 2.5 mg/mL"): the first of the measure's own units, canonical
    first, in which the number is a real limit, marked as a guess."""
    low, high = spec.plausible
    for name, extra in spec.units:
        if name in _CONCENTRATIONS and low <= value * extra <= high:
            return (value * extra, spec.unit, f"unit written does not fit the value; read as {name}")
    return None


def _guess_unit(spec: Measure, value: float) -> tuple[float, str, str | None] | None:
    """No unit written: read it as the measure's entry says, and say it was a guess."""
    how = spec.no_unit
    if how is None:
        return None
    low, high = spec.plausible
    unit = spec.unit
    if how.how == "assumed":
        if not low <= value <= high:
            return None
        return (value, unit, None if how.silent else "no unit written")
    if how.how == "uln_or_absolute" and value <= how.switch:
        return (value, "xULN", "no unit written, read as ×ULN") if 0.5 <= value <= how.switch else None
    converted = value / how.divisor if how.how == "by_magnitude" and value >= how.switch else value
    if low <= converted <= high:
        return (converted, unit, f"no unit written, read as {unit}")
    return None
