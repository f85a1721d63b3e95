"""Read the numeric eligibility thresholds of a trial from its criteria text and structured ages.

The grammar, sentence by sentence: a list of measure names ("AST and/or ALT", "Karnofsky (≥16
years) or Lansky (<16 years)"), then a value expression (comparator, number or range, unit), then
optional further expressions for the same measures that carry a condition ("... (≥ 0.5 × 10^9/L
if bone marrow involvement)"). Values go to the canonical units of thresholds.md. Exclusion items
are inverted into the requirement they imply, unless the inverted limit would point the wrong way
for the measure (an exclusion headed "Insufficient bone marrow function:" that lists "platelets >
50,000/µL" states a requirement); such readings, and others that rest on a guess, carry an
`uncertain` reason instead of being silently trusted.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from trialtui.digest import age_in_years
from trialtui.eligibility.ages import age_at_diagnosis, alternative_ages, alternative_spans, not_participant_age
from trialtui.eligibility.criteria import Item, donor_ranges, iter_items
from trialtui.eligibility.measures import Bound
from trialtui.eligibility.prefilter import Prefiltered, case_exact, first_char_lookahead, lowered_text
from trialtui.eligibility.units import UNIT, to_canonical
from trialtui.eligibility.vocabulary import (
    MEASURES,
    MENTION,
    Name,
    limit_words,
    may_begin_with_name,
    measure_names,
    mention_measures,
)
from trialtui.models import Trial

Section = Literal["inclusion", "exclusion", "structured"]
"""Where a threshold comes from: an inclusion or exclusion item, or the registry's own fields."""


@dataclass(slots=True)
class Threshold:
    """One numeric requirement a patient must meet, as the effective eligibility rule."""

    measure: str
    bound: Bound
    """"lower": the patient's value must be at or above `value`; "upper": at or below."""
    inclusive: bool
    value: float
    unit: str
    section: Section
    condition: str | None = None
    group: str | None = None
    raw: str = ""
    start: int | None = None
    """Offsets of `raw` in the criteria text; None for structured fields."""
    end: int | None = None
    uncertain: str | None = None
    """Why the reading may be wrong (polarity or unit guessed), or None."""

    def to_json(self) -> dict:
        return {
            "measure": self.measure,
            "bound": self.bound,
            "inclusive": self.inclusive,
            "value": self.value,
            "unit": self.unit,
            "section": self.section,
            "condition": self.condition,
            "group": self.group,
            "raw": self.raw,
            "span": None if self.start is None else [self.start, self.end],
            "uncertain": self.uncertain,
        }

    @classmethod
    def from_json(cls, data: dict) -> Threshold:
        span = data.get("span") or (None, None)
        return cls(
            measure=data["measure"], bound=data["bound"], inclusive=bool(data.get("inclusive", True)),
            value=float(data["value"]), unit=data["unit"], section=data.get("section", "inclusion"),
            condition=data.get("condition"), group=data.get("group"), raw=data.get("raw", ""),
            start=span[0], end=span[1], uncertain=data.get("uncertain"),
        )


# ---------------------------------------------------------------- comparators and values

_COMPARATORS: list[tuple[str, Bound, bool]] = [
    # (pattern, stated bound, inclusive); compound phrases before their prefixes.
    (r"(?:greater|more|higher|larger)\s+than\s+(?:or\s+)?equal\s+(?:to\s+)?", "lower", True),
    (r"(?:less|lesser|lower|fewer|smaller)\s+than\s+(?:or\s+)?equal\s+(?:to\s+)?", "upper", True),
    (r"equal\s+(?:to\s+)?or\s+(?:greater|more|higher|above|larger)(?:\s+than)?", "lower", True),
    (r"equal\s+(?:to\s+)?or\s+(?:less|lower|below|smaller)(?:\s+than)?", "upper", True),
    (r"(?:no|not)\s+(?:less|lower|fewer|smaller)\s+than|not\s+below|at\s+least|(?:a\s+)?minimum\s+(?:of\s+)?"
     r"|min\.?(?=\s)", "lower", True),
    (r"(?:no|not)\s+(?:more|greater|higher|larger)\s+than|not\s+(?:exceeding|to\s+exceed|above)"
     r"|(?:does|do|must|should|shall)\s+not\s+exceed|at\s+most|up\s+to|(?:a\s+)?maximum\s+(?:of\s+)?|max\.?(?=\s)"
     # "within the 18-34.9 kg/m2 range" is a range, read as one
     r"|within(?!\s+(?:the\s+)?(?:range\s+(?:of\s+)?)?\d[\d.,]*\s*(?:-|–|to)\s*\d)",
     "upper", True),
    # HTML entities ("&lt;=", "&ge;") are written out as such in some registry exports.
    (r">\s*or\s*=|>\s*/\s*=|≥\s*/?\s*=?|≧|⩾|>\s*=|=\s*>|\\?>\s*\\?=|&gt;\s*=|&ge;", "lower", True),
    (r"<\s*or\s*=|<\s*/\s*=|≤\s*/?\s*=?|≦|⩽|<\s*=|=\s*<|\\?<\s*\\?=|&lt;\s*=|&le;", "upper", True),
    (r"\\?>|＞|&gt;|(?:greater|more|higher|larger|older)\s+than|above|over|exceed(?:s|ing)?|in\s+excess\s+of"
     r"|superior\s+to", "lower", False),
    (r"\\?<|＜|&lt;|(?:less|lesser|lower|fewer|smaller|younger)\s+than|below|under|inferior\s+to", "upper", False),
]
_COMP = "|".join(f"{first_char_lookahead(pattern, re.IGNORECASE)}(?P<c{index}>{pattern})"
                 for index, (pattern, _, _) in enumerate(_COMPARATORS))
_COMP_SENSE = {f"c{index}": (bound, inclusive) for index, (_, bound, inclusive) in enumerate(_COMPARATORS)}
_COMP_ALONE = re.compile(_COMP, re.IGNORECASE)
_COMPARATORS_ANYWHERE = Prefiltered(_COMP_ALONE)
"""`_COMP_ALONE`, tried only where a comparator can begin."""

# Not before "than": "greater than 25 mL/min and less than 90" closes a range with a comparator.
_POST_LOWER = r"(?:or\s+(?:more|greater|higher|above|over|older)|and\s+(?:above|over|older|more|greater))(?!\s+than)|\+"
_POST_UPPER = r"(?:or\s+(?:less|lower|below|fewer|under|younger)|and\s+(?:below|under|younger|less))(?!\s+than)"
_NUM = r"\d+(?:[.,]\d+)*(?:[ \u00a0\u202f]\d{3}(?![\d.,]))*"
_WORDS = {
    "one and a half": 1.5, "two and a half": 2.5, "one and one half": 1.5, "two and one half": 2.5,
    "one": 1, "two": 2, "twice": 2, "three": 3, "thrice": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half": 0.5,
}
"""Numbers written in words; the longer first, so that "one and a half" is not read as "one"."""
_WORD = r"(?:" + "|".join(word.replace(" ", r"[\s-]+") for word in _WORDS) + r")(?![a-z])"

_UNIT_HERE = first_char_lookahead(UNIT, re.IGNORECASE) + UNIT
"""`UNIT`, left after one test where no unit can begin (most places it is tried)."""
_COMP_HERE = first_char_lookahead(_COMP, re.IGNORECASE)
"""Where a comparator can begin: not at a number, where most expressions do."""
_EXPRESSION = re.compile(
    rf"""
    (?:
        {_COMP_HERE}(?P<comp>{_COMP})\s*(?:\(\s*(?:[<>≤≥]\s*=?|&[lg][te];?)\s*\)\s*)?(?:of\s+|to\s+|than\s+|:\s*|=\s*|the\s+)?
        (?:(?P<cv>{_NUM}|{_WORD})\s*(?P<cunit>{_UNIT_HERE})?|(?P<culn>{_UNIT_HERE}))
      |
        (?:(?P<between>between|from|range\s+of|ranging\s+from)\s+)?
        (?P<v1>{_NUM}|{_WORD})\s*(?P<u1>{_UNIT_HERE})?
        (?:(?:\s*,\s*{_NUM})*\s*,?\s*(?P<conn>-|–|—|~|to|and|through|or|/)\s*(?P<v2>{_NUM})\s*(?P<unit>{_UNIT_HERE})?)?
    )
    (?:\s*(?P<post_lower>{_POST_LOWER})|\s*(?P<post_upper>{_POST_UPPER}))?
    """,
    re.IGNORECASE | re.VERBOSE,
)

_EXPRESSIONS = Prefiltered(_EXPRESSION)
"""`_EXPRESSION`, tried only where a value expression can begin."""

_SCALE_ENDS = {m.id: m.scale for m in MEASURES.values() if m.scale} | {"performance": (0, 100)}
"""Score scales, with "performance status" that names none."""
_SCORE_MEASURES = frozenset(_SCALE_ENDS)


_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+")


def _number_readings(token: str, score: bool) -> list[float]:
    """Possible values of a written number, most likely first ("50.000" may be 50 or 50,000)."""
    token = token.strip().lower()
    if token[:1].isalpha():
        token = " ".join(token.replace("-", " ").split())
    if token in _WORDS:
        return [float(_WORDS[token])]
    token = token.replace("\u00a0", " ").replace("\u202f", " ")
    if " " in token:
        return [float(token.replace(" ", ""))]
    if score and "," in token:
        parts = [float(p) for p in token.split(",") if p]
        return [max(parts)]
    if "," in token and "." in token:
        return [float(token.replace(",", ""))]
    if _THOUSANDS_COMMA.fullmatch(token):
        if token.count(",") == 1:
            return [float(token.replace(",", "")), float(token.replace(",", ".", 1))]
        return [float(token.replace(",", ""))]
    if "," in token:
        return [float(token.replace(",", ".", 1))] if token.count(",") == 1 else []
    if _THOUSANDS_DOT.fullmatch(token):
        readings = [float(token.replace(".", ""))]
        return readings if token.count(".") > 1 else [float(token), readings[0]]
    try:
        return [float(token)]
    except ValueError:
        return []


@dataclass(slots=True)
class _Reading:
    """A value expression read for one measure, before inversion."""

    bounds: list[tuple[Bound | Literal[""], bool, float]]
    """(stated bound or "" when no comparator, inclusive, canonical value)."""
    unit: str
    uncertain: str | None
    start: int
    end: int
    has_comparator: bool


@lru_cache(maxsize=4096)
def _convert(measure: str, token: str, unit_text: str | None) -> tuple[float, str, str | None, str] | None:
    """(value, unit, uncertain reason, measure) — measure changes when the unit says so (LY %).
    Cached: the same few values and units come back in every trial."""
    score = measure in _SCORE_MEASURES
    for value in _number_readings(token, score):
        target = measure
        if measure == "alc" and unit_text and unit_text.strip().startswith(("%", "per")):
            target = "lymphocyte_pct"
        if measure == "performance":
            target = "ecog" if value <= 5 else "karnofsky"
        converted = to_canonical(target, value, unit_text)
        if converted is None and measure == "gfr" and unit_text:
            # "creatinine clearance < 220 µmol/L", "... ≤ 2 × ULN": a serum creatinine by its unit
            converted = to_canonical("creatinine", value, unit_text)
            if converted is not None:
                target = "creatinine"
                converted = (converted[0], converted[1], "named creatinine clearance, written in a serum creatinine unit")
        if converted is not None:
            canonical_value, unit, reason = converted
            if measure == "performance":
                reason = f"performance scale not named, read as {target}"
            if unit == "xULN":
                target = MEASURES[target].uln_as or target  # a PT as a multiple of normal is the INR
            return (round(canonical_value, 6), unit, reason, target)
    return None


_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
"""Right after a number: an ordinal ("10th percentile for age"), a rank and not a value."""
_ULN_OFFSET = re.compile(r"\s*(?:\+|plus\b)")
_UNIT_ABOVE = re.compile(r"higher|greater|above|more|over|excess", re.IGNORECASE)
_GRADE_BEFORE = re.compile(r"(?:grade|grades|stage|version|v|ctcae|class|type|cycles?|day|phase|level\s+of)\s*$", re.IGNORECASE)


_PARTS = ("post_lower", "post_upper", "comp", "culn", "cv", "cunit", "v1", "v2", "unit", "u1", "conn", "between")
"""The groups of `_EXPRESSION` a reading uses, taken in one call."""


def _read_expression(measure: str, match: re.Match[str], before: str) -> tuple[_Reading, str] | None:
    if _GRADE_BEFORE.search(before) or _ORDINAL.match(match.string, match.end()):
        return None
    post_lower, post_upper, comp, culn, cv, cunit, first, second, range_unit, u1, conn, between = match.group(*_PARTS)
    if comp:
        kinds = match.group(*_COMP_SENSE)
        bound, inclusive = _COMP_SENSE[next(k for k, kind in zip(_COMP_SENSE, kinds, strict=True) if kind)]
        if culn:
            if _ULN_OFFSET.match(match.string, match.end("culn")):
                return None  # "PT > ULN + 3 seconds": an offset from normal, not a multiple of it
            converted = _convert(measure, "1", culn)
        else:
            converted = _convert(measure, cv, cunit)
        if converted is None:
            return None
        value, unit, reason, target = converted
        return _Reading([(bound, inclusive, value)], unit, reason, match.start(), match.end(), True), target
    unit_text = range_unit or u1
    if second and conn and conn.lower() in ("and", "or", "/") and not (between or measure in _SCORE_MEASURES):
        second = None
        unit_text = u1
    if second is None and not unit_text and measure not in _SCORE_MEASURES and not (post_lower or post_upper):
        # A bare number with no unit and no comparator is rarely a limit ("ANC 2 weeks after").
        if measure not in ("inr", "ecog"):
            return None
    low = _convert(measure, first, u1 or unit_text)
    if low is None:
        return None
    value, unit, reason, target = low
    if second:
        high = _convert(measure, second, unit_text)
        if high is None or high[1] != unit or high[0] < value:
            return None
        bounds = []
        scale = _SCALE_ENDS.get(target)
        if not scale or value > scale[0]:
            bounds.append(("lower", True, value))
        if not scale or high[0] < scale[1]:
            bounds.append(("upper", True, high[0]))
        return _Reading(bounds, unit, reason, match.start(), match.end(), True), target
    if post_lower or post_upper:
        return _Reading([("lower" if post_lower else "upper", True, value)], unit, reason,
                        match.start(), match.end(), True), target
    if unit_text and _UNIT_ABOVE.search(unit_text):
        # "three times higher than normal": the unit carries the comparator.
        return _Reading([("lower", False, value)], unit, reason, match.start(), match.end(), True), target
    return _Reading([("", True, value)], unit, reason, match.start(), match.end(), False), target


# ---------------------------------------------------------------- conditions

_CONDITION_NAMES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"gilbert", re.I), "Gilbert syndrome"),
    (re.compile(r"(?:bone\s+)?marrow\s+(?:involvement|infiltration|disease|metastas[ie]s|invasion)"
                r"|(?:involvement|infiltration)\s+of\s+(?:the\s+)?(?:bone\s+)?marrow"
                r"|disease\s+in\s+(?:the\s+)?(?:bone\s+)?marrow|(?:bone\s+)?marrow\s+is\s+involved", re.I),
     "bone marrow involvement"),
    (re.compile(r"(?:liver|hepatic)\s+(?:metastas[ie]s|metastatic|involvement|infiltration|lesions|tumou?r)"
                r"|metastas[ie]s\s+(?:to|in|of)\s+(?:the\s+)?liver"
                r"|(?:hepatocellular\s+carcinoma|HCC|primary\s+liver\s+(?:cancer|tumou?r))", re.I),
     "liver metastases"),
    (re.compile(r"bone\s+metastas[ie]s|metastas[ie]s\s+(?:to|in)\s+(?:the\s+)?bones?", re.I), "bone metastases"),
    (re.compile(r"h(?:a)?emoly", re.I), "hemolysis"),
]
_AGE_CONDITION = re.compile(
    rf"""^\W*(?:for|in|if)?\s*(?:patients|subjects|participants|children|those|pts|people|individuals)?\s*
    (?:(?:aged?|who\s+are)\s*)?{_COMP_HERE}(?P<comp>{_COMP})\s*(?P<value>\d+(?:\.\d+)?)\s*(?:years?|yrs?|y)?(?:\s+(?:of\s+age|old))?\s*\)?""",
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING_CONDITION = re.compile(
    r"""^\W{0,3}(?:(?:is|are)\s+(?:acceptable|allowed|permitted|accepted)\s+)?(?:if|when|where|in\s+case\s+of|in\s+the\s+(?:presence|case|setting)\s+of|
    (?:in|for)\s+(?:patients|subjects|participants|those|cases|children|people|individuals|pts)\s+(?:with|who\s+have|having)|
    (?:in|for|with)\s+(?:documented|known|proven|confirmed|evidence\s+of)|due\s+to|secondary\s+to|attributable\s+to|caused\s+by|
    in\s+(?=(?:the\s+)?(?:presence|liver|hepatic|bone|marrow|gilbert)))\s+(?P<text>[^;.()\[\]]{3,80})""",
    re.IGNORECASE | re.VERBOSE,
)
_NOT_A_CONDITION = re.compile(
    # "if pulse oximetry evaluation is clinically indicated": about the test, not the patient.
    r"\b(?:indicated|available|performed|measured|assessed|tested|done|obtained|required|applicable|possible|"
    r"calculated|estimated|using|according|per\s+institutional|by\s+the)\b",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:an?|the)\s+", re.IGNORECASE)
_CONDITION_CUT = re.compile(r",|\s+(?:or|and|is|are|may|can|must|will)\s+|\)")


_NEGATED = re.compile(r"\W*(?:there\s+(?:is|are)\s+)?(?:no|not|without|absence\s+of|absent|free\s+of)\b", re.IGNORECASE)
"""A known condition in the negative ("if no demonstrable liver metastases"): the limit is the one
for patients without it, the unconditional one, beside the one for patients with it."""
_NEXT_VALUE = re.compile(r"[<>≤≥＜＞\d]|\bor\s+(?:less|more|greater|lower|higher|up\s+to)\b", re.IGNORECASE)
"""Where a condition's text reaches the next limit ("... or ≤ 3 × ULN in the presence of Gilbert's")."""


def _condition_name(text: str, free_text: bool) -> str | None:
    own = _NEXT_VALUE.split(text, maxsplit=1)[0]
    for pattern, name in _CONDITION_NAMES:
        if pattern.search(own):
            return None if _NEGATED.match(own) else name
    if not free_text or _NOT_A_CONDITION.search(text):
        return None
    text = _ARTICLE.sub("", _CONDITION_CUT.split(text, maxsplit=1)[0].strip(" :-"))
    return text or None


_AGE_CONDITION_WORDS = re.compile(r"year|yr|\by\b|age|patients|children|subjects|participants", re.IGNORECASE)
_CONDITION_OPENING = re.compile(r"\W*(?:\(|for|in|if)")


def _age_condition(text: str) -> tuple[str, int] | None:
    """"(≥16 years)" or "for patients < 16 years" right after a measure → ("age >= 16", length)."""
    match = _AGE_CONDITION.match(text)
    if not match or not _AGE_CONDITION_WORDS.search(match.group(0)):
        return None
    bound, inclusive = _COMP_SENSE[next(k for k in _COMP_SENSE if match.group(k))]
    operator = (">=" if inclusive else ">") if bound == "lower" else ("<=" if inclusive else "<")
    return (f"age {operator} {float(match.group('value')):g}", match.end())


_SEX_CONDITION = re.compile(
    r"\W{0,3}(?:for|in|among)\s+(?:the\s+)?(?:(?P<male>males?|men|boys)|(?P<female>females?|women|girls))"
    r"(?:\s+(?:patients|subjects|participants))?"
    r"(?!\s*(?:or|and|/|&)\s*(?:males?|females?|men|women|boys|girls|volunteers|children|adults)\b)"
    r"(?!\s+(?:under|over|aged?|older|younger|who|with|of|between|from)\b|\s*[<>≤≥\d])",
    re.IGNORECASE)
"""A limit for one sex ("≥ 50 kg for males and ≥ 45 kg for females"); not "for male or female", nor
"in women under 50" (a group the sentence goes on to define)."""
_LEADS_ON = re.compile(r"[^,:;()\[\]（）]{0,40}[,:]\s*")
"""The rest of a condition up to the comma or colon after which the limit it governs follows."""


def _trailing_condition(text: str, measures: tuple[str, ...] = (), following: str = "") -> str | None:
    """The condition written right after a limit ("≤ 5 × ULN in the presence of liver metastases",
    "≥ 45 kg for females"). One followed by a comma or colon and then a limit of its own ("≤ 2.5 ×
    ULN, if liver metastasis occurred, ALT and AST ≤ 5 ULN"; "(for patients with Gilbert syndrome,
    total bilirubin ≤ 3 × ULN)") governs that limit, not the one before it; `following` is the
    sentence after `text`, where that limit may stand."""
    age = _age_condition(text)
    if age and _CONDITION_OPENING.match(text):
        return age[0]
    sex = _SEX_CONDITION.match(text)
    if sex:
        return "male" if sex.group("male") else "female"
    match = _TRAILING_CONDITION.match(text)
    if not match:
        return None
    lead = _LEADS_ON.match(text + following, match.start("text"))
    if lead is not None and _starts_limit(text + following, lead.end(), measures):
        return None
    return _condition_name(match.group("text"), free_text=True)


def _starts_limit(text: str, at: int, measures: tuple[str, ...]) -> bool:
    """Whether a comparator, or a name of one of `measures`, begins at `at`."""
    if _COMP_ALONE.match(text, at):
        return True
    mention = MENTION.match(text, at)
    return mention is not None and any(measure in measures for measure in mention_measures(mention))


_LEADING_CONDITION = re.compile(
    r"(?:(?:for|in)\s+(?:patients|subjects|participants|those|cases|children|individuals|pts)\s+(?:with|who\s+have|having)|"
    r"(?:patients?|subjects?|participants?|those|individuals?)\s+with|if(?:\s+there\s+(?:is|are))?|in\s+(?:the\s+)?(?:case|presence)\s+of)"
    r"\s+(?P<text>[^,;:()]{3,80}?)(?=\s*(?:[,:;(]|\bwho\b|\bthat\b|$))",
    re.IGNORECASE,
)


_LEADING_CONDITIONS = Prefiltered(_LEADING_CONDITION)


def _leading_condition(text: str, lowered: str, read: list[tuple[int, int]] | None = None,
                       same_measure: tuple[int, ...] = ()) -> str | None:
    """A condition named before the thresholds of a sentence ("Patients with Gilbert syndrome who
    have bilirubin ≤ 3 × ULN"); only well-known qualifiers and histories ("patients with a
    significant cardiac history ... should have LVEF ≥ 50%"), so a population is not mistaken for
    one. "except patients with X: bilirubin ≤ 3 × ULN" names the patients the limit after it is for.
    `read`: given when `text` ends at the names, the spans of the limits read in it; a condition
    with an unread limit between it and the names belongs to that limit ("in subjects with bone
    metastases, ALP ≤ 5 × ULN (6) ... LVEF ≥ 50%"), one with read limits between governs a list
    ("For patients with bone marrow involvement: granulocytes > 1000/mm3, platelets > 75,000/mm3"),
    unless one of them limits the measure of the names (`same_measure`: where those limits start).
    A history is named as written when a comma or colon closes it ("If history of cardiac disease,
    LVEF at least 50%")."""
    found = None
    for match in _LEADING_CONDITIONS.finditer(text, lowered):
        preceding = text[max(0, match.start() - 12) : match.start()].lower()
        if ("except" in preceding or "unless" in preceding or "exclud" in preceding) and not (
                "except" in preceding and text[match.end() :].lstrip().startswith(":")):
            continue
        if read is not None and (_unread_number(text, match.end(), read) or _closes_bracket(text, match.end())
                                 or any(start >= match.end() for start in same_measure)):
            continue
        condition_text = match.group("text")
        history = "history" in condition_text.lower() and text[match.end() :].lstrip()[:1] in (",", ":")
        found = _condition_name(condition_text, free_text=history) or found
    return found


def _closes_bracket(text: str, start: int) -> bool:
    """Whether text[start:] closes a bracket opened before `start`: a condition inside it ("(except
    patients with Gilbert's syndrome: bilirubin ≤ 3 × ULN), transaminases ≤ 2.5 × ULN") stays there."""
    depth = 0
    for ch in text[start:]:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
            if depth < 0:
                return True
    return False


def _unread_number(text: str, start: int, read: list[tuple[int, int]]) -> bool:
    """Whether a number stands in text[start:] outside brackets and outside the `read` spans."""
    pieces, position = [], start
    for span_start, span_end in sorted(read):
        if span_end <= position:
            continue
        pieces.append(text[position : max(position, span_start)])
        position = max(position, span_end)
    pieces.append(text[position:])
    rest = "".join(pieces)
    return any(ch.isdigit() for ch in (_PARENTHETICAL.sub("", rest) if "(" in rest else rest))


_HEADER_MAX = 40


def _header_measures(item_text: str) -> tuple[str, ...]:
    """The measures a sub-header line names when it is nothing but their names ("Life expectancy:",
    "Performance status:"); legacy records put the values on the items below it."""
    name = item_text[:-1].strip()
    if len(name) > _HEADER_MAX:
        return ()
    if name.isascii() and not may_begin_with_name(name.lower()):
        return ()  # cannot start with a measure name; ASCII lowercases exactly, so the test is safe
    match = MENTION.fullmatch(name)
    return mention_measures(match) if match else ()


# ---------------------------------------------------------------- sentences and mentions

_SENTENCE_END = re.compile(
    r"[;.!?](?:(?<=;)(?<!&[lg]t;)(?<!&[lg]e;)|(?<=\.)(?:$|(?<=[a-z)]\.)(?=[A-Z]))|(?<=[.!?])(?P<spaces>\s+(?=[A-Z(\[\d])))")
"""A ";" (not one closing an HTML entity such as "&lt;"), a "." that ends the item or sits between a word and a
capital ("18 years.Adults"), or the spaces after a sentence's ".", "!" or "?" before its next one starts (group
"spaces": the sentence ends at those spaces, not at the mark). Written to begin with the punctuation, which
`re` looks for with a fast scan instead of trying every position."""
_EXCLUSION_CUE = re.compile(
    r"\b(?:(?:(?:are|is|will\s+be|be)\s+excluded|exclu(?:de|sion)\s+(?:if|when)|ineligible|not\s+(?:be\s+)?eligible"
    r"|not\s+(?:be\s+)?(?:allowed|permitted|enrolled))\b|exclusion\s+criteria\s*:)",
    re.IGNORECASE,
)
_EXCLUSION_CUES = Prefiltered(_EXCLUSION_CUE)


def _may_cue_exclusion(lowered: str) -> bool:
    """Whether `_EXCLUSION_CUE` may match a sentence (`lowered` as `lowered_text` gives it): each of its
    phrases has "exclu", "nel" ("ineligible") or "not" in it, letters that re.IGNORECASE reads only
    as themselves in either case (see `_may_state_age`)."""
    return "not" in lowered or "exclu" in lowered or "nel" in lowered
_LIST_GAP = re.compile(
    r"""^(?:\s|[(\[\])]|,|/|&|\+|:|-|and/or|and|or|either|as\s+well\s+as|levels?|counts?|values?|serum|plasma|the|both|
    、|，|\((?:[^()\d]|\d(?![\d.,]*\s*(?:%|years?|yrs?|mg|g/|x|×)))*\))*$""",
    re.IGNORECASE | re.VERBOSE,
)
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_NAME_AFTER_VALUE = re.compile(r"\s*(?:(?:serum|plasma|blood)\s+)?", re.IGNORECASE)
"""What may stand between a value written first and the names it limits; not "of": "20 percent of
total lymphocytes" is a share of the lymphocytes, of something else (CD4 cells)."""
_OF_BEFORE_NAME = re.compile(r"\s*of\s+(?:(?:an?|the)\s+)?", re.IGNORECASE)
"""A duration written before the expectancy it measures ("less than 3 months of life expectancy")."""
_MAX_GAP = 80


@dataclass(slots=True)
class _Mention:
    measures: tuple[str, ...]
    start: int
    end: int
    condition: str | None = None


_DIGITS = re.compile(r"\d(?<![A-Za-z]\d)\d*")
"""Digit runs not right after a letter; one inside a word ("HbA1c", "CD19", "T790M") is a name, and
reading it as a number cut "Hemoglobin A1c" short to "Hemoglobin". The digit comes before the
lookbehind so that `re` can scan for digits instead of trying the lookbehind everywhere."""
_ZERO_RUN = re.compile(rb"0(?<![A-Za-z]0)0*")
"""`_DIGITS` in a text's bytes with every digit written "0" (`_digit_runs`)."""
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _digit_runs(text: str) -> list[tuple[int, int]]:
    """The spans of `_DIGITS` in `text`. `re` tests a character class at some 50 instructions a
    character and scans for one literal at some 5: the text goes to bytes, one a character ("?" for
    one outside Latin-1, which holds no digits but 0-9), its digits become "0", and the runs of "0"
    are found. A text with a digit outside Latin-1 ("٣", "８") is read with `_DIGITS` itself."""
    data = text.encode("latin-1", "replace")
    at = data.find(b"?")
    while at >= 0:
        if text[at].isdecimal():  # what re's \d reads as a digit
            return list(map(re.Match.span, _DIGITS.finditer(text)))
        at = data.find(b"?", at + 1)
    return list(map(re.Match.span, _ZERO_RUN.finditer(data.translate(_DIGITS_AS_ZERO))))


def _hint_spans(text: str) -> list[tuple[int, int]]:
    """Where the numbers are (digit runs, and number words standing alone: "twice the ULN") and the
    words of a limit without one (`NORMAL_WORDS`), in text order."""
    spans = _digit_runs(text)
    spans += limit_words(text)
    spans.sort()
    return spans


_MENTION_REACH = 160
"""How far before a number a measure name can be and still own it (name lists, brackets, fillers)."""
_NAME_AFTER_REACH = 24
"""How far after a number a name can start and own it as a value written first ("≥ 1,500/mm3 neutrophils")."""


def _mentions(sentence: str, offset: int, names: tuple[Name, ...], name_starts: list[int],
              hints: list[tuple[int, int]]) -> list[_Mention]:
    """The measure names near a number (`hints`: its spans in the sentence), mostly before it, with
    offsets in the sentence; `names` are the text's (`measure_names`, with their starts), the
    sentence begins at `offset` in it. A stretch that begins inside a name ("serum creatinine", or
    "glycated hemoglobin", which is not hemoglobin) reaches back to the name's start; a name that
    runs past the sentence's end is read again within the sentence."""
    found: list[_Mention] = []
    scan_from = 0
    size = len(sentence)
    count = len(names)
    first = bisect_left(name_starts, offset)
    if first == count or name_starts[first] >= offset + size:
        return found  # every name found starts in the sentence: none does
    for hint_start, hint_end in hints:
        end = min(size, hint_end + _NAME_AFTER_REACH)
        if end < scan_from:
            continue
        start = max(scan_from, hint_start - _MENTION_REACH)
        while start > scan_from and sentence[start - 1].isalnum():
            start -= 1
        at = bisect_left(name_starts, offset + start)
        if at and names[at - 1][1] > offset + start and names[at - 1][0] >= offset + scan_from:
            at -= 1
        while at < count and (name := names[at])[0] < offset + end:
            name_start, name_end = name[0] - offset, name[1] - offset
            if name_end <= size:
                found.append(_Mention(name[2], name_start, name_end))
                scan_from = name_end
            elif (match := MENTION.match(sentence, name_start)) is not None:
                found.append(_Mention(mention_measures(match), name_start, match.end()))
                scan_from = match.end()
            at += 1
        scan_from = max(scan_from, end)
    return found


@dataclass(slots=True)
class _Clause:
    """Thresholds read from one measure list, with where they end (for OR-group detection)."""

    thresholds: list[Threshold]
    start: int
    end: int


def _direction(measure: str, value: float) -> Bound | None:
    spec = MEASURES.get(measure)
    if spec is None or spec.direction is None:
        return None
    if spec.direction_below is not None and value >= spec.direction_below:
        return None
    return spec.direction


def _effective(measure: str, reading_bound: Bound | Literal[""], inclusive: bool, value: float, inverted: bool,
               section: Section) -> tuple[Bound, bool, str | None] | None:
    """The requirement a stated bound implies, with the reason when it rests on a guess."""
    natural = _direction(measure, value)
    if not reading_bound:
        if natural is None:
            return None
        return (natural, True, "no comparator written; read as the usual direction")
    if not inverted:
        if natural and reading_bound != natural and section == "inclusion":
            return (reading_bound, inclusive, "limit points the unusual way for this measure")
        return (reading_bound, inclusive, None)
    flipped = "upper" if reading_bound == "lower" else "lower"
    if natural and flipped != natural:
        return (reading_bound, inclusive, "stated as a requirement under an exclusion heading")
    return (flipped, not inclusive, None)


_IF_BEFORE = re.compile(r"(?:^|[(（])\W*(?:(?:or|and|but)\s+)?(?:if|when|in\s+case(?:\s+of)?)\s+(?:the\s+)?"
                        r"(?:(?:patient|subject|participant)'?s\s+)?$", re.IGNORECASE)
_CLAUSE_COMMA = re.compile(r"\s*(?:\([^()]*\)\s*)?,")


def _value_conditions(sentence: str, clauses: list[_Clause]) -> list[_Clause]:
    """A value that opens a sentence or a bracket as its condition ("If creatinine 1.0 - 1.5 x ULN,
    creatinine clearance ... < 60 mL/min should be excluded"; "(if transaminases greater than the
    ULN, patients should have a hepatitis B test"): that value is no requirement, and it is the
    condition of the limits after it, up to the bracket's end."""
    kept = []
    for clause in sorted(clauses, key=lambda c: c.start):
        opening = _IF_BEFORE.search(sentence, max(0, clause.start - 60), clause.start)
        if opening is None or not _CLAUSE_COMMA.match(sentence, clause.end):
            kept.append(clause)
            continue
        in_bracket = sentence[opening.start()] in "(（"
        reach = len(sentence)
        if in_bracket:
            close = min((at for at in (sentence.find(")", clause.end), sentence.find("）", clause.end)) if at >= 0),
                        default=len(sentence))
            reach = close
        condition = sentence[clause.start : clause.end].strip()
        for other in clauses:
            if clause.end <= other.start < reach:
                for threshold in other.thresholds:
                    threshold.condition = threshold.condition or condition
    return kept


def _without_bracketed_subgroups(sentence: str, clauses: list[_Clause]) -> list[_Clause]:
    """Drop a limit in brackets that lies within the range an earlier limit of the same measure in
    the sentence already allows ("ECOG PS score 0-3 (patients with PS score 2-3 would be enrolled if
    ...)"): it describes some of the patients the first admits, or restates it, and is no
    requirement of its own. One outside that range ("ANC ≥ 1.0 (≥ 0.5 if marrow involvement)") stays,
    and so do ages, whose brackets and cohorts `ages` weighs across the whole text."""
    kept = []
    for clause in clauses:
        bracket = sentence.rfind("(", 0, clause.start)
        if bracket < 0 or ")" in sentence[bracket : clause.start]:
            kept.append(clause)
            continue
        earlier = [t for c in clauses if c.end <= bracket for t in c.thresholds if t.condition is None]
        clause.thresholds = [t for t in clause.thresholds if not _within_earlier(t, earlier, clause.thresholds)]
        if clause.thresholds:
            kept.append(clause)
    return kept


def _within_earlier(threshold: Threshold, earlier: list[Threshold], clause: list[Threshold]) -> bool:
    """Whether `threshold` (of a bracketed `clause`) admits only values that `earlier` limits admit,
    and is not the other side of them ("Aged ≥ 18 (up to 75 years old)" closes the range)."""
    same = [t for t in earlier if t.measure == threshold.measure and t.unit == threshold.unit]
    if threshold.condition is not None or not same or threshold.measure == "age":
        return False
    sides = {t.bound for t in clause if t.measure == threshold.measure}
    if threshold.bound not in {t.bound for t in same} and len(sides) < 2:
        return False
    low = max((t.value for t in same if t.bound == "lower"), default=float("-inf"))
    high = min((t.value for t in same if t.bound == "upper"), default=float("inf"))
    value = threshold.value
    if threshold.bound == "lower" and not threshold.inclusive:
        return low <= value < high
    if threshold.bound == "upper" and not threshold.inclusive:
        return low < value <= high
    return low <= value <= high


_OR_OPENING = re.compile(r"\W*or\b")
"""A sentence that opens with "or": another way to meet the item's limits before it."""


def _contradicts(threshold: Threshold, other: Threshold) -> bool:
    """Whether no value meets both limits ("WBC ≤ 20×10⁹/L; or the patient's WBC > 20×10⁹/L before
    using hydroxyurea ..."): the second offers another route, and is no requirement beside the first."""
    if threshold.measure != other.measure or threshold.unit != other.unit or threshold.bound == other.bound:
        return False
    low, high = (threshold, other) if threshold.bound == "lower" else (other, threshold)
    return low.value > high.value or (low.value == high.value and not (low.inclusive and high.inclusive))


_AND_GAP = re.compile(r"\s*,?\s*and\s*", re.IGNORECASE)
_KNOWN_CONDITIONS = frozenset(name for _, name in _CONDITION_NAMES)


def _share_final_condition(sentence: str, clauses: list[_Clause]) -> None:
    """A known condition that ends a sentence of limits joined by "and" governs each of them ("ALT
    and AST ≤ 5 × ULN and serum total bilirubin ≤ 2 times the ULN if there is liver metastasis")."""
    ordered = sorted(clauses, key=lambda c: c.start)
    last = ordered[-1]
    condition = last.thresholds[0].condition
    if condition not in _KNOWN_CONDITIONS or any(t.condition != condition for t in last.thresholds):
        return
    rest = sentence[last.end :]
    final = _TRAILING_CONDITION.match(rest)
    if final is None or rest[final.end() :].strip(" .;)"):
        return
    following = last
    for clause in reversed(ordered[:-1]):
        if not _AND_GAP.fullmatch(sentence, clause.end, following.start) or any(t.condition for t in clause.thresholds):
            return
        for threshold in clause.thresholds:
            threshold.condition = condition
        following = clause


_DEFINITION_LEAD = re.compile(
    r"\bdefined\s+(?:by|as)\s+(?:the\s+presence\s+of\s+)?(?:any|one\s+or\s+more|at\s+least\s+one|either)\s+(?:of\s+)?"
    r"(?:the\s+)?following", re.IGNORECASE)
_ADEQUATE = re.compile(r"\b(?:adequate|normal|sufficient|satisfactory)\b", re.IGNORECASE)
_OUTSIDE_LEAD = re.compile(
    r"\boutside\s+(?:of\s+)?(?:the\s+)?(?:following|below|listed|above)\b(?:\s+[\w-]+){0,3}?\s+(?:ranges?|limits?|values?)\b",
    re.IGNORECASE)


def _list_lead(item_text: str, section: str) -> str | None:
    """How the items below a line ending in ":" are read, when not as requirements: "definition"
    when they define a disease by any of its features ("AP-CML is defined by the presence of any
    of the following features:"), "outside" when it lists values that exclude ("Any known
    laboratory safety parameter consistently outside the below extended laboratory ranges:"). Under
    the exclusion heading each item excludes on its own, and is read so."""
    if section == "exclusion":
        return None  # any one of the features there excludes: each is a limit of its own
    if _DEFINITION_LEAD.search(item_text) and not _ADEQUATE.search(item_text):
        return "definition"
    return "outside" if _OUTSIDE_LEAD.search(item_text) else None


class _Extractor:
    """Walks one trial's criteria text; collects thresholds and OR-groups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[Threshold] = []
        self.group_names: dict[str, int] = {}
        self.lowered = ""
        self.hints: list[tuple[int, int]] = []
        self.hint_starts: list[int] = []
        self.names: tuple[Name, ...] = ()
        """The text's measure names (`measure_names`)."""
        self.name_starts: list[int] = []
        self.age_parens: list[tuple[int, int, str]] = []
        self.header_measures: tuple[str, ...] = ()
        """Measures a short sub-header names ("Life expectancy:"), for the items below it."""
        self.clause_measures: tuple[str, ...] = ()
        """Measures of the item's last clause, for a following clause that only adds a condition."""
        self.item_first = 0
        """Where the thresholds of the item being read start in `out`."""
        self.read_spans: list[tuple[int, int]] = []
        """The spans of the limits read so far in the sentence being read."""
        self.read_clauses: list[_Clause] = []
        """The limits read so far in the sentence being read."""
        self.condition_spans: list[tuple[int, int]] = []
        """Age brackets that condition a limit, in text offsets: never read as age limits."""

    def run(self) -> list[Threshold]:
        text = self.text
        # Numbers are found once per text; items and sentences without one are skipped unread.
        self.lowered = lowered_text(text)
        hints = _hint_spans(text)
        if not hints:
            return self.out
        self.hints = hints
        self.hint_starts = [start for start, _ in hints]
        self.names = measure_names(text)
        self.name_starts = [start for start, _, _ in self.names]
        header_measures: tuple[str, ...] = ()
        header_section = ""
        donors = donor_ranges(text)
        hint_starts = self.hint_starts
        lead: tuple[str, int, str] | None = None
        """The kind, depth and section of an item whose list below is read its own way (`_list_lead`)."""
        for section, _label, depth, item_text, item_start in iter_items(text):
            if donors and any(start <= item_start < end for start, end in donors):
                continue  # the donor's criteria, not the patient's
            if lead is not None and (depth <= lead[1] or section != lead[2]):
                lead = None
            if item_text.endswith(":") or section != header_section:
                header_measures = _header_measures(item_text) if item_text.endswith(":") else ()
                header_section = section
                if lead is None and item_text.endswith(":"):
                    kind = _list_lead(item_text, section)
                    lead = (kind, depth, section) if kind else None
            if lead is not None and depth > lead[1]:
                if lead[0] == "definition":
                    continue  # what defines a disease phase, not a requirement
                section = "exclusion"  # values that exclude, written under the inclusion heading
            index = bisect_left(hint_starts, item_start)
            if index == len(hint_starts) or hint_starts[index] >= item_start + len(item_text):
                continue  # no number in the item
            self.header_measures = header_measures
            self.clause_measures = ()
            self.item_first = len(self.out)
            position = 0
            for boundary in _SENTENCE_END.finditer(item_text):
                if boundary.end() > position:
                    cut = boundary.start(boundary.lastgroup or 0)  # after the mark when it ends in spaces
                    self._sentence(item_text[position:cut], item_start + position, section)
                    position = boundary.end()
            if position < len(item_text):
                self._sentence(item_text[position:], item_start + position, section)
        return self.out

    def _hints_in(self, start: int, end: int) -> list[tuple[int, int]]:
        """The number spans inside text[start:end], relative to `start`."""
        first = bisect_left(self.hint_starts, start)
        return [(hint_start - start, hint_end - start)
                for hint_start, hint_end in self.hints[first : bisect_left(self.hint_starts, end, first)]]

    def _group_id(self, members: list[Threshold]) -> str:
        categories = {MEASURES[t.measure].category for t in members if t.measure in MEASURES}
        if len(categories) == 1:
            category = next(iter(categories))
            name = {"kidney": "renal", "liver": "hepatic"}.get(category, category)
        else:
            name = "-".join(sorted(categories))
        count = self.group_names.get(name, 0) + 1
        self.group_names[name] = count
        return name if count == 1 else f"{name}-{count}"

    def _sentence(self, sentence: str, offset: int, section: str) -> None:
        hints = self._hints_in(offset, offset + len(sentence))
        if not hints:
            return
        lowered = self.lowered[offset : offset + len(sentence)]
        states_age = _may_state_age(lowered)
        mentions = _mentions(sentence, offset, self.names, self.name_starts, hints)
        if mentions:
            mentions = [m for m in mentions
                        if not _age_not_a_limit(sentence, m) and not _erectile_function(sentence, lowered, m)]
        if not mentions:
            mentions = self._carried_mentions(sentence, lowered)
            if not mentions and not states_age:
                return  # no name to read, nor an age written without one
        inverted = section == "exclusion" or (
            _may_cue_exclusion(lowered) and _EXCLUSION_CUES.search(sentence, lowered) is not None)
        effective_section = "exclusion" if section == "exclusion" else "inclusion"
        clauses: list[_Clause] = []
        consumed: list[tuple[int, int]] = []
        self.read_spans = consumed
        self.read_clauses = clauses
        self.age_parens = _age_parentheticals(sentence, mentions) if mentions and "(" in sentence else []
        if self.age_parens:
            # An age inside such a bracket is a condition of the limit, not an age limit.
            mentions = [m for m in mentions if "age" not in m.measures
                        or not any(s <= m.start < e for s, e, _ in self.age_parens)]
            consumed.extend((s, e) for s, e, _ in self.age_parens)
            self.condition_spans.extend((offset + s, offset + e) for s, e, _ in self.age_parens)
        index = previous_end = 0
        while index < len(mentions):
            group = [mentions[index]]
            group[-1].condition = self._mention_age_condition(sentence, group[-1])
            while index + 1 < len(mentions):
                following = mentions[index + 1]
                gap = sentence[group[-1].end : following.start]
                # A name outside the vocabulary can sit in a list ("SGOT and alkaline phosphatase
                # no greater than 3 times normal"): it shares the value and adds no measure.
                joinable = group[-1].measures and (
                    ("age" in following.measures) == ("age" in group[-1].measures)
                )
                if joinable and _LIST_GAP.match(_strip_age_condition(gap)):
                    index += 1
                    group.append(following)
                    following.condition = self._mention_age_condition(sentence, following)
                else:
                    break
            index += 1
            limit = mentions[index].start if index < len(mentions) else len(sentence)
            # Text before the names that no earlier name or clause owns: a value written first.
            free_from = max([previous_end, *(end for _, end in consumed)])
            previous_end = group[-1].end
            # "No SGOT greater than 2 × ULN" as an inclusion item: a negated limit, read as an exclusion.
            negated = inverted or (free_from == 0 and _NO_LEAD.fullmatch(sentence, 0, group[0].start) is not None)
            clause = (self._value_before(sentence, lowered, offset, group, free_from, inverted, effective_section, section)
                      or self._read_list(sentence, lowered, offset, group, limit, negated, effective_section, section)
                      or self._read_normal(sentence, offset, group, limit, negated, effective_section))
            if clause:
                consumed.append((clause.start, clause.end))
                clauses.append(clause)
        if states_age:
            self._ages_without_name(sentence, lowered, offset, consumed, inverted, effective_section, clauses)
        if clauses and ("if" in lowered or "when" in lowered or "case" in lowered):
            clauses = _value_conditions(sentence, clauses)
        if len(clauses) > 1:
            _share_final_condition(sentence, clauses)
            if "(" in sentence:
                clauses = _without_bracketed_subgroups(sentence, clauses)
        if clauses and _OR_OPENING.match(lowered):
            earlier = [t for t in self.out[self.item_first :] if t.condition is None]
            for clause in clauses:
                clause.thresholds = [t for t in clause.thresholds if not any(_contradicts(t, e) for e in earlier)]
            clauses = [clause for clause in clauses if clause.thresholds]
        self._or_groups(sentence, clauses, inverted)
        for clause in clauses:
            self.out.extend(clause.thresholds)
        if clauses:
            last = max(clauses, key=lambda c: c.start)
            self.clause_measures = tuple(dict.fromkeys(t.measure for t in last.thresholds))

    def _carried_mentions(self, sentence: str, lowered: str) -> list[_Mention]:
        """Names for a clause that has values but no measure name of its own: the previous clause's
        measures when this one names a known condition ("AST ≤ 2.5 × ULN; if liver metastases are
        present, then ≤ 5 × ULN"), else those of a sub-header above ("Life expectancy:" / "At least
        2 months")."""
        if self.clause_measures:
            condition = _leading_condition(sentence, lowered)
            if condition:
                return [_Mention(self.clause_measures, 0, 0, condition)]
        if self.header_measures:
            return [_Mention(self.header_measures, 0, 0)]
        return []

    def _mention_age_condition(self, sentence: str, mention: _Mention) -> str | None:
        if mention.condition or "age" in mention.measures or not self.age_parens:
            return mention.condition
        return _age_paren_at(mention.end, sentence, self.age_parens)

    def _value_before(self, sentence: str, lowered: str, offset: int, group: list[_Mention], free_from: int,
                      inverted: bool, section: Section, raw_section: str) -> _Clause | None:
        """A value written before the names it limits (">2x normal AST or ALT", "≥ 1,500/mm3
        neutrophils"): only with a comparator and a unit, right before the names."""
        start = group[0].start
        if start - free_from < 3 or any("age" in mention.measures for mention in group):
            return None
        window, lowered_window = sentence[free_from:start], lowered[free_from:start]
        # The last value must begin with a comparator, which `_COMP_ALONE` finds at its start: most
        # windows have none, which this scan finds quicker than the value scan below.
        if _COMPARATORS_ANYWHERE.exact_search(window, lowered_window) is None:
            return None
        match = None
        for candidate in _EXPRESSIONS.finditer(window, lowered_window):
            match = candidate
        if match is None or not match.group("comp") or not (match.group("cunit") or match.group("culn")):
            return None
        if not _NAME_AFTER_VALUE.fullmatch(sentence, free_from + match.end(), start) and not (
            all(mention.measures == ("life_expectancy",) for mention in group)
            and _OF_BEFORE_NAME.fullmatch(sentence, free_from + match.end(), start)
        ):
            return None
        thresholds: list[Threshold] = []
        uncertain_section = "section not stated; read as inclusion" if raw_section == "other" else None
        for mention in group:
            for measure in mention.measures:
                before = sentence[max(free_from, free_from + match.start() - 12) : free_from + match.start()]
                result = _read_expression(measure, match, before)
                if result is None:
                    continue
                reading, target = result
                thresholds.extend(self._make(target, reading, mention.condition, inverted, section, sentence,
                                             offset, free_from + match.start(), free_from, uncertain_section))
        if not thresholds:
            return None
        for threshold in thresholds:
            threshold.end = offset + group[-1].end
            threshold.raw = sentence[free_from + match.start() : group[-1].end].strip()
        return _Clause(thresholds, free_from + match.start(), group[-1].end)

    def _read_list(self, sentence: str, lowered: str, offset: int, group: list[_Mention], limit: int,
                   inverted: bool, section: Section, raw_section: str) -> _Clause | None:
        measures: list[str] = []
        conditions: dict[str, str | None] = {}
        for mention in group:
            for measure in mention.measures:
                if measure not in measures:
                    measures.append(measure)
                    conditions[measure] = mention.condition
        if not measures:
            return None
        if "performance" in measures and len(measures) > 1:
            measures.remove("performance")
        start = group[0].start
        window_start = group[-1].end
        window = sentence[window_start:limit]
        same_measure = tuple(clause.start for clause in self.read_clauses
                             if any(t.measure in measures for t in clause.thresholds))
        leading = _leading_condition(sentence[:start], lowered[:start], self.read_spans, same_measure)
        # Only "minimum", "maximum" or "least" can start that search's match: ASCII text without them
        # (lowercasing ASCII is exact) is skipped unscanned.
        before = lowered[:start]
        comparator_before = (_COMPARATOR_BEFORE.search(sentence[:start])
                             if "imum" in before or "least" in before or not sentence.isascii() else None)
        change_before = _CHANGE_BEFORE.search(sentence, max(0, start - 40), start)
        uncertain_section = "section not stated; read as inclusion" if raw_section == "other" else None
        thresholds: list[Threshold] = []
        first: tuple[_Reading, dict[str, str | None]] | None = None
        """The last expression read, and the condition of each measure's first one."""
        end = window_start
        for match in _EXPRESSIONS.finditer(window, lowered[window_start:limit]):
            gap_before = window[: match.start()] if first is None else window[first[0].end : match.start()]
            if first is None and len(gap_before) > _MAX_GAP and len(_PARENTHETICAL.sub("", gap_before)) > _MAX_GAP:
                break
            if first is None and (change_before or _CHANGE_AFTER.search(gap_before)) and not _CHANGE_TO.match(gap_before):
                break  # "a decrease in LVEF of ≥ 15 points" is a change, not a level
            if _OVER_REFERENCE.match(sentence, window_start + match.end()):
                break  # "more than 45 kg (100 lbs.) over ideal body weight": an excess, not a weight
            readings: dict[str, tuple[_Reading, str]] = {}
            for measure in measures:
                result = _read_expression(measure, match, window[max(0, match.start() - 12) : match.start()])
                if result is not None:
                    readings[measure] = result
            if not readings:
                continue
            reading_any = next(iter(readings.values()))[0]
            if first is None and comparator_before:
                for reading, _target in readings.values():
                    if not reading.has_comparator and len(reading.bounds) == 1:
                        sense = _COMP_SENSE[_COMP_ALONE.search(comparator_before.group(1) + " ").lastgroup]
                        reading.bounds = [(sense[0], sense[1], reading.bounds[0][2])]
                        reading.has_comparator = True
            if first is None:
                condition_after = (_age_paren_at(window_start + match.end(), sentence, self.age_parens)
                                   or _trailing_condition(window[match.end() :], tuple(measures), sentence[limit:]))
                first = (reading_any, {})
                for measure, (reading, target) in readings.items():
                    condition = conditions.get(measure) or condition_after or leading
                    first[1][measure] = condition
                    thresholds.extend(self._make(target, reading, condition, inverted, section, sentence,
                                                 offset, start, window_start, uncertain_section))
                end = window_start + match.end()
                continue
            # A further expression for the same measures: it needs its own condition, or an
            # explicit comparator after "or" (an alternative limit), to count.
            between = window[first[0].end : match.start()]
            other_side = _other_side(first[0], reading_any, between, inverted)
            condition = None
            if not other_side:
                condition = (_trailing_condition(window[match.end() :], tuple(measures), sentence[limit:])
                             or _condition_name(between, free_text=False))
                if condition is None:
                    lead_in = _TRAILING_CONDITION.match(between.strip(" ()") and " " + between.strip(" (") or "")
                    condition = _condition_name(lead_in.group("text"), True) if lead_in else None
                if condition is None:
                    break
            for measure, (reading, target) in readings.items():
                if not reading.has_comparator:
                    base = first[0]
                    reading.bounds = [(base.bounds[0][0], base.bounds[0][1], reading.bounds[0][2])]
                thresholds.extend(self._make(target, reading, first[1].get(measure) if other_side else condition,
                                             inverted, section, sentence, offset, window_start + match.start(),
                                             window_start, uncertain_section))
            first = (reading_any, first[1] if other_side else {})
            end = window_start + match.end()
        if not thresholds:
            return None
        return _Clause(thresholds, start, end)

    def _read_normal(self, sentence: str, offset: int, group: list[_Mention], limit: int, inverted: bool,
                     section: Section) -> _Clause | None:
        """A lab said to lie within its normal range ("creatinine within normal limits", "bilirubin
        WNL"; under an exclusion "outside the normal range"): at most 1 × ULN, for the measures whose
        limits are written against the ULN. A bare "Bilirubin normal" is left unread: the gold sets
        disagree on it."""
        start, end = group[0].start, group[-1].end
        after = _NORMAL_AFTER.match(sentence, end, limit)
        if after is None or (after.group("outside") is not None) != inverted:
            return None  # "within normal limits" under an exclusion, or "outside" as a requirement
        thresholds = [
            Threshold(_ULN_MEASURES[measure], "upper", True, 1.0, "xULN", section, condition=mention.condition,
                      raw=sentence[start : after.end()].strip(), start=offset + start, end=offset + after.end())
            for mention in group for measure in mention.measures if measure in _ULN_MEASURES
        ]
        return _Clause(thresholds, start, after.end()) if thresholds else None

    def _make(self, measure: str, reading: _Reading, condition: str | None, inverted: bool, section: Section,
              sentence: str, offset: int, raw_start: int, window_start: int,
              uncertain_section: str | None) -> list[Threshold]:
        made = []
        raw_end = window_start + reading.end
        raw = sentence[raw_start:raw_end].strip()
        for stated, inclusive, value in reading.bounds:
            if len(reading.bounds) > 1 and inverted:
                # An excluded range ("ECOG 3-4" under exclusions) leaves the side the measure allows.
                natural = _direction(measure, value)
                if natural is None or (natural == "upper") != (stated == "lower"):
                    continue
            effective = _effective(measure, stated, inclusive, value, inverted, section)
            if effective is None:
                continue
            bound, is_inclusive, reason = effective
            made.append(Threshold(
                measure=measure, bound=bound, inclusive=is_inclusive, value=value, unit=reading.unit,
                section=section, condition=condition, raw=raw, start=offset + raw_start,
                end=offset + raw_end, uncertain=reading.uncertain or reason or uncertain_section,
            ))
        return made

    def _ages_without_name(self, sentence: str, lowered: str, offset: int, consumed: list[tuple[int, int]],
                           inverted: bool, section: Section, clauses: list[_Clause]) -> None:
        """Ages written without the word "age": "18 years or older", "adults ≥ 18 years"."""
        searched_to = 0
        for anchor in _AGE_ANCHORS.exact_finditer(sentence, lowered):
            if anchor.start() < searched_to:
                continue
            match = _AGE_PHRASES.exact_search(sentence, lowered, max(searched_to, anchor.start() - 45), anchor.end() + 40)
            if match is None:
                continue
            searched_to = match.end()
            if any(s <= match.start() < e or s < match.end() <= e for s, e in consumed):
                continue
            before = sentence[max(0, match.start() - 30) : match.start()]
            if _AGE_CONDITION_LEAD.search(before):
                continue
            reading = self._age_reading(match)
            if reading is None:
                continue
            made = self._make("age", reading, None, inverted, section, sentence, offset, match.start(), 0, None)
            if made:
                clauses.append(_Clause(made, match.start(), match.end()))
                consumed.append((match.start(), match.end()))

    @staticmethod
    def _age_reading(match: re.Match[str]) -> _Reading | None:
        unit = match.group("unit")
        factor = to_canonical("age", 1.0, unit)
        if factor is None:
            return None
        first = _number_readings(match.group("v1"), False)
        if not first:
            return None
        low = round(first[0] * factor[0], 4)
        if match.group("v2"):
            high = round(_number_readings(match.group("v2"), False)[0] * factor[0], 4)
            if high <= low:
                return None
            return _Reading([("lower", True, low), ("upper", True, high)], "years", None, match.start(), match.end(), True)
        words = " ".join(filter(None, (match.group("comp"), match.group("tail"), match.group("post"))))
        comp = _COMP_ALONE.search(match.group("comp") or "")
        if comp:
            bound, inclusive = _COMP_SENSE[comp.lastgroup]
        elif re.search(r"older|over|above|more|greater|\+", words, re.I):
            bound, inclusive = "lower", True
        elif re.search(r"younger|under|below|less", words, re.I):
            bound, inclusive = "upper", True
        else:
            return None
        return _Reading([(bound, inclusive, low)], "years", None, match.start(), match.end(), True)

    def _or_groups(self, sentence: str, clauses: list[_Clause], inverted: bool) -> None:
        """Thresholds of different measures joined by "or" are alternatives: any one is enough.
        Under an exclusion, "or" joins reasons to exclude, so each limit applies on its own."""
        if inverted or len(clauses) < 2:
            return
        clauses.sort(key=lambda c: c.start)
        run: list[_Clause] = [clauses[0]]
        for clause in clauses[1:]:
            gap = sentence[run[-1].end : clause.start]
            if _OR_GAP.search(gap) and len(gap) < 60 and clause.thresholds[0].condition is None:
                run.append(clause)
                continue
            self._assign_group(run)
            run = [clause]
        self._assign_group(run)

    def _assign_group(self, run: list[_Clause]) -> None:
        measures = {t.measure for clause in run for t in clause.thresholds}
        if len(run) < 2 or len(measures) < 2:
            return
        members = [t for clause in run for t in clause.thresholds if t.condition is None]
        group = self._group_id(members)
        for threshold in members:
            threshold.group = group


_NO_LEAD = re.compile(r"\W*no\s+(?:(?:serum|plasma|blood)\s+)?", re.IGNORECASE)
_ULN_MEASURES = {m.id: m.uln_as for m in MEASURES.values() if m.uln_as}
"""Measures whose normal range a criterion can name instead of a number, and the measure each is
reported as (a prothrombin time against its normal range is the PT ratio)."""
_NORMAL_QUALIFIER = r"(?:institutional|institution's|local|laboratory|lab|site|reference|normal|age[- ]adjusted)\s+"
_NORMAL_RANGE = (
    rf"(?:the\s+)?(?:{_NORMAL_QUALIFIER})*(?:normal|reference)\s+(?:{_NORMAL_QUALIFIER})*(?:limits?|ranges?|values?)"
    rf"|(?:the\s+)?(?:{_NORMAL_QUALIFIER})*(?:upper\s+)?limits?\s+of\s+normal"
)
_NORMAL_AFTER = re.compile(
    rf"""[\s:=-]*(?:(?:levels?|values?|counts?|tests?)\s+)?(?:(?:is|are|must\s+be|should\s+be|to\s+be|be|falling|that\s+(?:is|are|fall))\s+)?
    (?:(?:within|in)\s+(?:{_NORMAL_RANGE})|(?-i:WNL)|(?P<outside>outside\s+(?:of\s+)?(?:{_NORMAL_RANGE})))(?![\w-])""",
    re.IGNORECASE | re.VERBOSE,
)
"""What says, after the names, that a lab lies within (or outside) its normal range."""

_RANGE_JOIN = re.compile(r"\s*,?\s*(?:and|to|but|&|-|–|—)?\s*", re.IGNORECASE)
_EXCLUDED_RANGE_JOIN = re.compile(r"\s*,?\s*(?:or|and/or)\s*", re.IGNORECASE)


def _other_side(first: _Reading, second: _Reading, between: str, inverted: bool) -> bool:
    """A second comparator that closes a range ("Age ≥ 18 and ≤ 65", "aged ≥18 to ≤75 years"; under
    an exclusion also "BMI < 18 or > 35"): the opposite bound, beyond the first value."""
    if len(first.bounds) != 1 or len(second.bounds) != 1 or not second.has_comparator or first.unit != second.unit:
        return False
    (bound_a, _, value_a), (bound_b, _, value_b) = first.bounds[0], second.bounds[0]
    if not bound_a or not bound_b or bound_a == bound_b:
        return False
    if value_a == value_b:
        return False
    if _RANGE_JOIN.fullmatch(between):
        return (value_a < value_b) == (bound_a == "lower")
    # "< 18 or > 35" excludes both ends: what is left lies between them.
    return inverted and _EXCLUDED_RANGE_JOIN.fullmatch(between) is not None and (value_a < value_b) == (bound_a == "upper")


_OVER_REFERENCE = re.compile(
    r"\s*(?:\([^()]*\)\s*)?(?:over|above|below|under|(?:more|greater|less)\s+than|in\s+excess\s+of)\s+"
    r"(?:the\s+|their\s+|his\s+|her\s+)?(?:ideal|predicted|expected|normal|desirable|lean|adjusted)\s+(?:body\s+)?weight",
    re.IGNORECASE)
"""After a value: it is counted from a reference weight, not a limit on the weight itself."""
_CHANGE_WORDS = r"(?:decrease|decline|drop|fall|reduction|depression|increase|rise|change|loss)s?"
_CHANGE_BEFORE = re.compile(
    rf"\b{_CHANGE_WORDS}\s+(?:in|of)\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:(?:serum|plasma|blood|absolute|body)\s+)?$",
    re.IGNORECASE)
"""A change named before the measure ("absolute decrease in LVEF of ≥ 15 points")."""
_CHANGE_AFTER = re.compile(rf"\b{_CHANGE_WORDS}\b", re.IGNORECASE)
_CHANGE_TO = re.compile(r"\W*(?:levels?\s+|counts?\s+)?(?:to|below|under)\b", re.IGNORECASE)
"""A change down to a level ("depression of neutrophils to < 500 cells/mm3") states that level."""
_COMPARATOR_BEFORE = re.compile(r"\b((?:a\s+)?(?:minimum|maximum)|at\s+least)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_OR_GAP = re.compile(r"\bor\b|\bor\s*$", re.IGNORECASE)
_AGE_CONDITION_LEAD = re.compile(
    r"(?:\bfor|\bin|\bif)\s+(?:patients|subjects|participants|children|those|pts)?\s*(?:aged?)?\s*$", re.IGNORECASE)


def _may_state_age(lowered: str) -> bool:
    """Whether `_ages_without_name` reads a sentence for an age written without the word "age": only
    one with "year", "month" or "yr" in it, in any case as the age patterns read them ("18 YEARS OR
    OLDER"), as every `_AGE_ANCHOR` has one ("clear", "early" and "near" have none). `lowered` is the
    sentence as `lowered_text` gives it: under re.IGNORECASE a text character matches one of these
    letters exactly when it lowercases to it (only "i" and "s" have other partners, "ı", "İ" and "ſ"),
    so plain substring tests find what a case-insensitive search would."""
    return "year" in lowered or "month" in lowered or "yr" in lowered


_ERECTILE_WORDS = ("erectile", "iief", "domain")


def _erectile_function(sentence: str, lowered: str, mention: _Mention) -> bool:
    """A bare "EF" in a sentence about erectile function ("IIEF Erectile Function (EF) domain score
    ≤ 25", "EF is defined as a score of ≥ 26 on the EF domain of the IIEF"): the IIEF's domain
    score, not an ejection fraction."""
    if mention.measures != ("lvef",) or sentence[mention.start : mention.end] != "EF":
        return False
    return any(word in lowered for word in _ERECTILE_WORDS)


_AGE_TAIL = re.compile(r"(?:years?|yrs?|months?|weeks?|days?)\s+of\s+$", re.IGNORECASE)
"""Before the word "age" when it ends an age phrase ("18 years of age") and starts no limit."""
_AGE_PATH = re.compile(r"\W*(?:for|if|when)\s+(?:the\s+)?", re.IGNORECASE)
"""All that comes before "age" in a sentence that opens with a condition ("For age > 60: ..."): a
path of the criteria rather than a bound."""
_WORDS_IN_BRACKET = re.compile(r"\([^()\d]*$")


def _age_not_a_limit(sentence: str, mention: _Mention) -> bool:
    """An "age" that no value after it limits: the tail of an age phrase, a condition word's object,
    or inside a bracket without numbers ("Karnofsky or Lansky (depending on the patient's age) ≥ 50")."""
    if mention.measures != ("age",):
        return False
    before = sentence[max(0, mention.start - 20) : mention.start]
    if _AGE_TAIL.search(before) or _AGE_PATH.fullmatch(sentence, 0, mention.start):
        return True
    opening = _WORDS_IN_BRACKET.search(sentence, max(0, mention.start - 60), mention.start)
    if opening is None:
        return False
    close = sentence.find(")", mention.end)
    return close >= 0 and not any(ch.isdigit() for ch in sentence[mention.end : close])


_AGE_PAREN = re.compile(r"\((?P<body>[^()]{1,90})\)")
_AGE_PAREN_WORDS = re.compile(r"\b(?:ages?|aged|years?|yrs?)\b", re.IGNORECASE)
_NOT_AN_AGE = re.compile(r"\b(?:since|after|prior|ago|before|within|diagnos\w*|treatment|therapy|follow)\b", re.IGNORECASE)
_AGE_AND_OVER = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*(?:years?|yrs?)?(?:\s+of\s+age)?\s+(?:and|or)\s+"
    r"(?P<dir>older|over|above|more|younger|under|below|less)", re.IGNORECASE)
_COMPARATOR_AGE = re.compile(rf"{_COMP_HERE}(?P<comp>{_COMP})\s*ages?\s*(?P<value>\d+(?:\.\d+)?)", re.IGNORECASE)
_AGE_PAREN_REACH = 40
"""How far after a measure name or its value an age bracket can be and still be its condition."""


def _age_paren_condition(body: str) -> str | None:
    """The condition an age bracket states ("over 10 years of age" → "age > 10"), or None when the
    bracket is not about the patient's age ("within 1 year")."""
    if not _AGE_PAREN_WORDS.search(body) or not any(ch.isdigit() for ch in body) or _NOT_AN_AGE.search(body):
        return None
    found = _age_condition(body)
    if found:
        return found[0]
    match = _AGE_AND_OVER.search(body)
    if match:
        operator = ">=" if match.group("dir").lower() in ("older", "over", "above", "more") else "<="
        return f"age {operator} {float(match.group('value')):g}"
    match = _COMPARATOR_AGE.search(body)
    if match:
        bound, inclusive = _COMP_SENSE[_COMP_ALONE.match(match.group("comp")).lastgroup]
        operator = (">=" if inclusive else ">") if bound == "lower" else ("<=" if inclusive else "<")
        return f"age {operator} {float(match.group('value')):g}"
    if re.search(r"\bage", body, re.IGNORECASE):
        return re.split(r"\s+at\s+the\s+time|;|,", body.strip(), maxsplit=1)[0]
    return None


def _age_parentheticals(sentence: str, mentions: list[_Mention]) -> list[tuple[int, int, str]]:
    """Brackets that give the age a limit applies at ("Karnofsky (age ≥ 16 years) or Lansky (age
    < 16 years) ≥ 50", "Karnofsky 50-100% (over 10 years of age)"): (start, end, condition).
    Only brackets close after another measure's name or value count; "Adults (age ≥ 18 years)"
    states an age limit."""
    found = []
    for match in _AGE_PAREN.finditer(sentence):
        owner = None
        for mention in mentions:
            if mention.end > match.start():
                break
            if mention.measures and "age" not in mention.measures:
                owner = mention
        if owner is None or match.start() - owner.end > _AGE_PAREN_REACH:
            continue
        condition = _age_paren_condition(match.group("body"))
        if condition:
            found.append((match.start(), match.end(), condition))
    return found


def _age_paren_at(text_start: int, sentence: str, parens: list[tuple[int, int, str]]) -> str | None:
    """The condition of an age bracket that starts right at `text_start` (spaces aside)."""
    for start, _end, condition in parens:
        if start >= text_start and not sentence[text_start:start].strip():
            return condition
    return None


_BRACKETED = re.compile(r"\([^()]*\)")


def _strip_age_condition(gap: str) -> str:
    return _BRACKETED.sub("", gap) if "(" in gap else gap


_CONDITION_WORD_BEFORE = re.compile(r"\b(?:for|in|if|when)\s+$", re.IGNORECASE)
_AGE_ANCHOR = re.compile(
    r"(?:years?|yrs?|months?)[\s-]*(?:of\s+age|old|(?:or|and)\s+(?:older|over|above|younger|under|below|more|greater|less))",
    re.IGNORECASE,
)
_PERSON = (r"(?:patients?|subjects?|participants?|adults?|children|child|adolescents?|men|women|males?|females?"
           r"|individuals?|persons?|people|volunteers?|boys|girls|infants|youths?|pts)")
_AGE_PHRASE = re.compile(
    rf"""
    (?:
        (?:{_COMP_HERE}(?P<comp>{_COMP})\s*)?(?:(?:between|from)\s+)?
        (?P<v1>\d{{1,3}}(?:\.\d)?)(?:\s*(?:years?|yrs?))?(?:\s*\([^()]{{1,30}}\))?(?:\s*(?:-|–|to|and)\s*(?P<v2>\d{{1,3}}))?\s*
        (?P<unit>years?|yrs?|months?)[\s-]*(?P<tail>of\s+age|old|of\s+older|(?:or|and)\s+(?:older|over|above|younger|under|below|more|greater|less))
        (?:\s+(?P<post>or\s+(?:older|over|above|younger|less|more|greater)|and\s+(?:older|over|above|younger|under)))?
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PERSON_AGE = re.compile(
    rf"\b{_PERSON}\s+(?:aged?\s+)?(?:{_COMP_HERE}(?P<comp>{_COMP})\s*)?(?:(?:between|from)\s+)?(?P<v1>\d{{1,3}})(?:\s*(?:-|–|to|and)\s*(?P<v2>\d{{1,3}}))?\s*(?P<unit>years?|yrs?)(?![\w-])(?!\s+(?:of\s+(?:treatment|follow|experience|history|education|smoking|disease)|since|after|ago|prior|before|from))",
    re.IGNORECASE,
)
_AGE_ANCHORS = Prefiltered(_AGE_ANCHOR)
_AGE_PHRASES = Prefiltered(_AGE_PHRASE)
_PERSON_AGES = Prefiltered(_PERSON_AGE)


def extract_text_thresholds(criteria: str) -> list[Threshold]:
    """Every threshold in a criteria text, duplicates removed, in text order."""
    extractor = _Extractor(criteria)
    found = extractor.run()
    for threshold in _person_ages(criteria, extractor.lowered, found, extractor.condition_spans):
        found.append(threshold)
    found.extend(_bare_age_ranges(criteria, found))
    found.sort(key=lambda t: (t.start if t.start is not None else -1))
    alternative_items = alternative_spans(iter_items(criteria)) if "following" in criteria or ":" in criteria else []
    found = [t for t in found if not not_participant_age(t, criteria) and not _in_alternatives(t, alternative_items)]
    if "unless" in criteria or "Unless" in criteria:
        found = _without_exception_limits(criteria, found)
    for threshold in found:
        if age_at_diagnosis(threshold, criteria):
            threshold.condition = "age at diagnosis"
    alternatives = alternative_ages(found)
    unique: dict[tuple, Threshold] = {}
    for threshold in found:
        if id(threshold) in alternatives:
            continue
        key = (threshold.measure, threshold.bound, round(threshold.value, 3), threshold.unit, threshold.condition)
        unique.setdefault(key, threshold)
    return [t for t in unique.values() if not _restated_age(t, unique)]


_UNLESS = re.compile(r"\bunless\b", re.IGNORECASE)


def _without_exception_limits(criteria: str, found: list[Threshold]) -> list[Threshold]:
    """Drop a limit that only describes the exception to an exclusion stated without numbers
    ("Active second cancer unless in remission with life expectancy > 2 years"): it spares some
    patients from that exclusion and requires nothing of the others. A limit after "unless" in an
    item whose own exclusion is a limit ("AST > 2.5 × ULN unless liver metastases, then > 5 × ULN")
    is that limit's relaxed form and stays."""
    dropped: set[int] = set()
    lowered = lowered_text(criteria)
    exact = case_exact(lowered)
    for section, _label, _depth, item_text, item_start in iter_items(criteria):
        if section != "exclusion" or (exact and "unless" not in lowered[item_start : item_start + len(item_text)]):
            continue  # where the lowercased text has no "unless", `_UNLESS` finds none (`case_exact`)
        unless = _UNLESS.search(item_text)
        if unless is None:
            continue
        cut = item_start + unless.start()
        inside = [t for t in found if t.start is not None and item_start <= t.start < item_start + len(item_text)]
        if any(t.start < cut for t in inside):
            continue
        dropped.update(id(t) for t in inside if t.condition is None)
    return [t for t in found if id(t) not in dropped] if dropped else found


def _in_alternatives(threshold: Threshold, spans: list[tuple[int, int, bool]]) -> bool:
    """A limit in an "any of the following" list that also offers non-numeric choices, or an age in
    a list of cohorts (`spans` from `alternative_spans`): not a requirement on every participant."""
    if threshold.start is None:
        return False
    for start, end, ages_only in spans:
        if start <= threshold.start < end and (threshold.measure == "age" or not ages_only):
            return True
    return False


def _restated_age(threshold: Threshold, unique: dict[tuple, Threshold]) -> bool:
    """An exclusive age limit that an inclusive one already states in whole years ("≤ 65 years
    (i.e. < 66 years)")."""
    value = threshold.value
    if threshold.measure != "age" or threshold.inclusive or value != int(value):
        return False
    whole = value - 1 if threshold.bound == "upper" else value + 1
    same = unique.get(("age", threshold.bound, round(whole, 3), threshold.unit, threshold.condition))
    return same is not None and same.inclusive


def _items_with(items: tuple[Item, ...], lowered: str, words: tuple[str, ...]) -> list[Item]:
    """The items (`iter_items` of a text: in text order, apart) with one of `words` inside them, in
    `lowered` (the text as `lowered_text` gives it): found from the few places the words stand rather
    than by searching every item."""
    places = []
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            places.append((at, at + len(word)))
            at = lowered.find(word, at + 1)
    starts = [item[4] for item in items]
    chosen = set()
    for start, end in places:
        index = bisect_right(starts, start) - 1
        if index >= 0 and end <= starts[index] + len(items[index][3]):
            chosen.add(index)
    return [items[index] for index in sorted(chosen)]


def _person_ages(criteria: str, lowered: str, found: list[Threshold],
                 condition_spans: list[tuple[int, int]]) -> list[Threshold]:
    """Ages after a person noun ("adults ≥ 18 years", "children 2-16 years"), where not read already
    and not inside an age bracket that conditions another limit (`condition_spans`). Only items with
    "year" or "yr" in `lowered` (`criteria` as `lowered_text` gives it) are searched: `_PERSON_AGE`'s
    units, in any case as it reads them (see `_may_state_age`)."""
    if "year" not in lowered and "yr" not in lowered:
        return []
    spans = [(t.start, t.end) for t in found if t.start is not None] + condition_spans
    extra: list[Threshold] = []
    donors = donor_ranges(criteria)
    for section, _label, _depth, item_text, item_start in _items_with(iter_items(criteria), lowered, ("year", "yr")):
        if donors and any(start <= item_start < end for start, end in donors):
            continue
        for match in _PERSON_AGES.exact_finditer(item_text, lowered[item_start : item_start + len(item_text)]):
            start, end = item_start + match.start("v1"), item_start + match.end()
            if any(s <= start < e or s < end <= e for s, e in spans):
                continue
            if _CONDITION_WORD_BEFORE.search(item_text, max(0, match.start() - 8), match.start()):
                continue  # "for patients ≥ 16 years": the condition of another limit, not an age limit
            reading = _age_reading_person(match)
            if reading is None:
                continue
            inverted = section == "exclusion"
            for stated, inclusive, value in reading:
                effective = _effective("age", stated, inclusive, value, inverted, section)
                if effective is None:
                    continue
                bound, is_inclusive, _ = effective
                extra.append(Threshold("age", bound, is_inclusive, value, "years",
                                       "exclusion" if inverted else "inclusion",
                                       raw=item_text[match.start() : match.end()], start=item_start + match.start(),
                                       end=end))
    return extra


_BARE_AGE_RANGE = re.compile(
    r"\W*(?:between\s+)?(?P<v1>\d{1,3})\s*(?:years?|yrs?)?\s*(?:-|–|to|and)\s*(?P<v2>\d{1,3})\s*(?:years?|yrs?)"
    r"(?:\s*\(?\s*(?:inclusive|both\s+inclusive)\s*\)?)?\W*", re.IGNORECASE)
"""An inclusion item that is nothing but a range of years ("18 years to 65 years (inclusive)"): in a
list of requirements, only the age can be meant."""


def _bare_age_ranges(criteria: str, found: list[Threshold]) -> list[Threshold]:
    if "year" not in criteria and "Year" not in criteria:
        return []
    spans = [(t.start, t.end) for t in found if t.start is not None]
    extra: list[Threshold] = []
    for section, _label, _depth, item_text, item_start in iter_items(criteria):
        if section != "inclusion" or len(item_text) > 40:
            continue
        match = _BARE_AGE_RANGE.fullmatch(item_text)
        if match is None or any(s <= item_start < e for s, e in spans):
            continue
        low, high = float(match.group("v1")), float(match.group("v2"))
        if not low < high <= 120:
            continue
        end = item_start + len(item_text.rstrip())
        raw = item_text.strip()
        extra.extend(Threshold("age", bound, True, value, "years", "inclusion", raw=raw, start=item_start, end=end)
                     for bound, value in (("lower", low), ("upper", high)))
    return extra


def _age_reading_person(match: re.Match[str]) -> list[tuple[str, bool, float]] | None:
    low = float(match.group("v1"))
    if match.group("v2"):
        high = float(match.group("v2"))
        return [("lower", True, low), ("upper", True, high)] if high > low else None
    comp = _COMP_ALONE.search(match.group("comp") or "")
    if not comp:
        return None
    bound, inclusive = _COMP_SENSE[comp.lastgroup]
    return [(bound, inclusive, low)]



def _structured_ages(trial: Trial, found: list[Threshold]) -> list[Threshold]:
    """The registry's minimum / maximum age, unless the text already states the same limit."""
    extra = []
    for bound, text in (("lower", trial.eligibility.minimum_age), ("upper", trial.eligibility.maximum_age)):
        years = age_in_years(text)
        if years is None or (bound == "lower" and years <= 0):
            continue
        same = any(
            t.measure == "age" and t.bound == bound and t.condition is None and abs(t.value - years) <= 0.02 * max(years, 1)
            for t in found
        )
        if not same:
            extra.append(Threshold("age", bound, True, round(years, 4), "years", "structured", raw=text.strip()))
    return extra


def extract_thresholds(trial: Trial) -> list[Threshold]:
    """Every numeric eligibility threshold of a trial, each requirement once."""
    found = extract_text_thresholds(trial.eligibility.criteria)
    structured = _structured_ages(trial, found)
    return structured + [t for t in found if not _restates_registry_age(t, structured)]


def _restates_registry_age(threshold: Threshold, structured: list[Threshold]) -> bool:
    """An age at diagnosis with the registry's own value ("Age 18 years or older at diagnosis" beside
    a minimum age of 18 years): one requirement, which the registry's age already reports."""
    return threshold.condition == "age at diagnosis" and any(
        s.bound == threshold.bound and abs(s.value - threshold.value) <= 0.02 * max(s.value, 1) for s in structured)

