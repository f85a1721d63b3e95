"""The measures trialtui reads from criteria: one entry per measure holds all it knows of it.

Adding a measure, a spelling or a unit is a change to its entry here. Each entry says how
registries spell the measure (a regex fragment that `vocabulary` joins into one alternation), its
canonical unit (thresholds.md), the written units it accepts with their factors to that unit, the
values that can be a real limit (which also decide a unit left unwritten), whether it can be
stated as a multiple of the upper limit of normal, how a value written without a unit is read,
and the direction a clinician expects its limit to point (a platelet count is a minimum, a
bilirubin a maximum), which lets the extractor notice an exclusion item that states a
requirement ("Insufficient bone marrow function: platelets > 50,000/µL").

Unit kinds (`units.unit_kind`): "count" is ×10⁹/L, "time" is days, concentrations are "g/dL",
"mg/dL", "umol/L", "mmol/L", "U/L"; the others are "mL/min", "kg/m2", "%", "kg", "seconds".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Bound = Literal["lower", "upper"]
""""lower": the patient's value must be at or above the limit; "upper": at or below."""


@dataclass(slots=True, frozen=True)
class NoUnit:
    """How a value written without a unit is read.

    "assumed": it is in the canonical unit (said to be a guess unless `silent`); "by_magnitude":
    from `switch` on, it is in a unit `divisor` times smaller (ANC 1500 is per µL, ANC 1.5 is
    ×10⁹/L); "uln_or_absolute": up to `switch` it is a multiple of the ULN, above it absolute.
    """

    how: Literal["assumed", "by_magnitude", "uln_or_absolute"]
    silent: bool = False
    switch: float = 0.0
    divisor: float = 1.0


@dataclass(slots=True, frozen=True)
class Measure:
    id: str
    category: str
    """Body system, used for the diff's row order and to name OR-groups."""
    unit: str
    """The canonical absolute unit (thresholds.md)."""
    plausible: tuple[float, float]
    """The values, in `unit`, that can be a real limit: others are not read as this measure."""
    spellings: str | None
    """How criteria name it, as a regex fragment; (?-i:...) marks abbreviations that are only the
    measure in capitals ("ALT", "PT", "EF"). None when only another measure's reading leads here."""
    units: tuple[tuple[str, float], ...] = ()
    """Written unit kinds accepted, with the factor from the kind's base unit to `unit`; in the
    order a concentration is tried when the written one does not fit the value."""
    no_unit: NoUnit | None = None
    """How a value written without a unit is read; None: it is not read."""
    uln_as: str | None = None
    """When a limit can be a multiple of the ULN, the measure such a limit is reported as."""
    direction: Bound | None = None
    """The way its limit normally points; None when both occur."""
    direction_below: float | None = None
    """When set, `direction` holds only for canonical values below this (WBC < 10 is a minimum,
    WBC ≥ 100 a leukostasis maximum)."""
    scale: tuple[int, int] | None = None
    """The ends of a score scale: a range reaching an end bounds only the other side."""
    label: str | None = None
    """How people name it, when its id does not read well."""


ULN_RANGE = (0.5, 30)
"""The multiples of the ULN that can be a real limit, for every measure."""

_COUNT = (("count", 1.0),)
_SILENT = NoUnit("assumed", silent=True)
_ASSUMED = NoUnit("assumed")
_ULN_OR_ABSOLUTE = NoUnit("uln_or_absolute", switch=10)
_BILIRUBIN = (("mg/dL", 1.0), ("umol/L", 1 / 17.1))

TABLE: tuple[Measure, ...] = (
    Measure("age", "demographic", "years", (0, 120), r"age[sd]?",
            units=(("time", 1 / 365.25),), no_unit=_SILENT),
    Measure("weight", "demographic", "kg", (0.3, 400),
            r"(?:body\s+)?weight|weighs?|weighing|(?-i:BW)(?![A-Za-z])",
            units=(("kg", 1.0),), no_unit=_ASSUMED),
    Measure("bmi", "demographic", "kg/m2", (10, 80), r"body\s+mass\s+index|(?-i:BMI)",
            units=(("kg/m2", 1.0),), no_unit=_ASSUMED),
    Measure("life_expectancy", "performance", "days", (7, 3700),
            r"life[\s-]+expectancy|(?:expect(?:ed|ing)?|estimated|anticipated|predicted)\s+(?:(?:time|duration)\s+of\s+)?"
            r"(?:overall\s+)?(?:surviv(?:al|e)|life\s*span)(?:\s+time)?|survival\s+expectancy|expected\s+to\s+(?:live|survive)",
            units=(("time", 1.0),), direction="lower", label="life expectancy"),
    # The Gynecologic Oncology Group's performance status is the ECOG scale; "GOG" alone is often a
    # protocol number ("GOG-0218"), so only before "performance", "PS" or a score list.
    Measure("ecog", "performance", "score", (0, 5),
            r"(?:eastern\s+cooperative\s+oncology\s+group|(?-i:ECOG)|zubrod|(?-i:GOG)(?=\s+(?:performance|PS\b|[0-4]\s*(?:-|–|to|or|,))))"
            r"(?:\s*\((?:ECOG)\))?(?:[\s-]+performance)?(?:\s+(?:status|score|scale|grade))*(?:\s*\((?:ECOG\s*)?(?:PS)\))?"
            r"|(?:world\s+health\s+organi[sz]ation|(?-i:WHO))(?:\s*\(WHO\))?(?:[\s-]+performance(?:\s+(?:status|score|scale))?|\s+(?-i:PS))(?:\s*\((?:WHO\s*)?PS\))?",
            no_unit=_SILENT, direction="upper", scale=(0, 5)),
    Measure("karnofsky", "performance", "score", (10, 100),
            r"karnofsky(?:\s+performance)?(?:\s+(?:status|score|scale|index))*|(?-i:KPS)(?![A-Za-z])",
            units=(("%", 1.0),), no_unit=_SILENT, direction="lower", scale=(0, 100)),
    Measure("lansky", "performance", "score", (10, 100),
            r"lansky(?:\s+play)?(?:[\s-]+performance)?(?:\s+(?:status|score|scale))*|(?-i:LPS)(?![A-Za-z])",
            units=(("%", 1.0),), no_unit=_SILENT, direction="lower", scale=(0, 100)),
    Measure("anc", "blood", "10^9/L", (0.05, 30),
            r"absolute\s+(?:neutrophils?|neutrophilic|granulocytes?|granulocyte)(?:\s+counts?)?|(?:segmented\s+)?neutrophils?(?:\s+counts?)?"
            r"|(?:polymorpho)?nuclear\s+neutrophils|granulocytes?(?:\s+counts?)?|(?-i:ANC|AGC|ANC/AGC|PMN|NEUT)",
            units=_COUNT, no_unit=NoUnit("by_magnitude", switch=100, divisor=1000), direction="lower"),
    Measure("platelets", "blood", "10^9/L", (5, 2000),
            r"(?:blood\s+)?platelets?(?:\s+counts?)?|thrombocytes?(?:\s+counts?)?|(?-i:PLTs?|Plts?|PLT)",
            units=_COUNT, no_unit=NoUnit("by_magnitude", switch=2000, divisor=1000), direction="lower",
            direction_below=400),
    Measure("hemoglobin", "blood", "g/dL", (4, 25),
            r"h(?:a)?emoglobin(?:\s+(?:level|concentration|count))?|(?-i:Hgb|HGB|Hb|HB)(?![A-Za-z0-9])",
            units=(("g/dL", 1.0), ("mmol/L", 1.611), ("mg/dL", 0.001)),
            no_unit=NoUnit("by_magnitude", switch=40, divisor=10), direction="lower", direction_below=14),
    Measure("wbc", "blood", "10^9/L", (0.5, 500),
            r"(?:total\s+)?(?:white\s+(?:blood\s+)?(?:cells?|corpuscles?)|leu[ck]ocytes?)(?:\s+counts?)?|white\s+(?:blood\s+)?count"
            r"|(?-i:WBCs?|TLC|WCC)",
            units=_COUNT, no_unit=NoUnit("by_magnitude", switch=100, divisor=1000), direction="lower",
            direction_below=15),
    Measure("alc", "blood", "10^9/L", (0.05, 100),
            r"absolute\s+lymphocytes?(?:\s+counts?)?|lymphocytes?(?:\s+counts?)?|(?-i:ALC|LY|LYM|LYMPH)(?![a-z])",
            units=_COUNT, no_unit=NoUnit("by_magnitude", switch=100, divisor=1000), direction="lower",
            direction_below=4),
    # Named as lymphocytes and written in % ("LY ≥ 20%"): see `extract`.
    Measure("lymphocyte_pct", "blood", "%", (1, 100), None,
            units=(("%", 1.0),), no_unit=_ASSUMED, direction="lower", label="lymphocytes %"),
    Measure("total_bilirubin", "liver", "mg/dL", (0.1, 30),
            r"(?:(?:total\s+serum|serum\s+total|total|serum|plasma|blood)\s*)?bilirubin(?:emia)?"
            r"|(?-i:T\.?[Bb]ili|TBIL|TBil|TB[Ii][Ll]|T-bil|TBR|TBL)",
            units=_BILIRUBIN, no_unit=NoUnit("by_magnitude", switch=10, divisor=17.1), uln_as="total_bilirubin",
            direction="upper"),
    Measure("direct_bilirubin", "liver", "mg/dL", (0.05, 20),
            r"(?:serum\s+)?(?:direct|conjugated)\s+(?:serum\s+)?bilirubin|(?-i:D\.?[Bb]ili|DBIL|DBili)",
            units=_BILIRUBIN, no_unit=NoUnit("by_magnitude", switch=10, divisor=17.1), uln_as="direct_bilirubin",
            direction="upper"),
    Measure("ast", "liver", "U/L", (5, 2000),
            r"aspartate\s+(?:amino\s?)?transaminase|aspartate\s+aminotransferase"
            r"|(?:serum\s+)?glutam(?:ic|ate)[\s-]+oxal(?:o)?acet(?:ic|ate)\s+transaminase|(?-i:AST|SGOT|ASAT|GOT)",
            units=(("U/L", 1.0),), no_unit=_ULN_OR_ABSOLUTE, uln_as="ast", direction="upper"),
    Measure("alt", "liver", "U/L", (5, 2000),
            r"alanine\s+(?:amino\s?)?transaminase|alanine\s+aminotransferase"
            r"|(?:serum\s+)?glutam(?:ic|ate)[\s-]+pyruv(?:ic|ate)\s+transaminase|(?-i:ALT|SGPT|ALAT|GPT)",
            units=(("U/L", 1.0),), no_unit=_ULN_OR_ABSOLUTE, uln_as="alt", direction="upper"),
    Measure("albumin", "liver", "g/dL", (1.0, 6.0), r"(?:serum\s+|plasma\s+)?albumin|(?-i:Alb|ALB)(?![a-z])",
            units=(("g/dL", 1.0),), no_unit=NoUnit("by_magnitude", switch=15, divisor=10), direction="lower"),
    Measure("inr", "coagulation", "ratio", (0.5, 6),
            r"(?:international\s+normali[sz]ed\s+ratio)|(?-i:INR|PT/INR|PT-INR|PT\s*\(INR\))",
            no_unit=_SILENT, uln_as="inr", direction="upper"),
    # A prothrombin time against its normal range is the PT ratio (thresholds.md).
    Measure("pt", "coagulation", "seconds", (5, 60), r"prothrombin\s+time|(?-i:PT)(?![A-Za-z])",
            units=(("seconds", 1.0),), uln_as="inr", direction="upper"),
    Measure("aptt", "coagulation", "seconds", (15, 200),
            r"(?:activated\s+)?partial\s+(?:thromboplastin|prothrombin|thrombin)\s+time|(?-i:a?PTT|APTT|aPTT)",
            units=(("seconds", 1.0),), no_unit=_ULN_OR_ABSOLUTE, uln_as="aptt", direction="upper"),
    Measure("creatinine", "kidney", "mg/dL", (0.2, 15),
            r"(?:(?:serum|plasma|blood)\s*)?creatinine(?!\s+(?:clearance|kinase))|(?-i:S?Cr|sCr|SCr|Creat)(?![A-Za-z])",
            units=(("mg/dL", 1.0), ("umol/L", 1 / 88.4), ("mmol/L", 1000 / 88.4)),
            no_unit=NoUnit("by_magnitude", switch=20, divisor=88.4), uln_as="creatinine", direction="upper"),
    Measure("gfr", "kidney", "mL/min", (5, 200),
            r"(?:calculated\s+|measured\s+|estimated\s+)?creatinine\s+clearance(?:\s+rate)?|e?crcl|(?-i:CLcr|CLCR|CCr|CCR)"
            r"|(?:estimated\s+|measured\s+|calculated\s+)?(?:radioisotope\s+)?glomerular\s+filtration\s+rate|(?-i:e?GFR|eGFR|GFR|mGFR)",
            units=(("mL/min", 1.0),), no_unit=_ASSUMED, direction="lower"),
    Measure("lipase", "pancreas", "U/L", (5, 5000), r"(?:serum\s+)?lipase",
            units=(("U/L", 1.0),), no_unit=_ULN_OR_ABSOLUTE, uln_as="lipase", direction="upper"),
    Measure("amylase", "pancreas", "U/L", (5, 5000), r"(?:serum\s+)?(?:pancreatic\s+)?amylase",
            units=(("U/L", 1.0),), no_unit=_ULN_OR_ABSOLUTE, uln_as="amylase", direction="upper"),
    Measure("lvef", "heart", "%", (10, 90),
            r"(?:left\s+ventricular\s+|LV\s+|cardiac\s+)?ejection\s+fraction|(?-i:LVEF|LV\s?EF|EF)(?![A-Za-z])",
            units=(("%", 1.0),), no_unit=_ASSUMED, direction="lower"),
    Measure("shortening_fraction", "heart", "%", (10, 60),
            r"(?:left\s+ventricular\s+|LV\s+)?(?:fractional\s+shortening|shortening\s+fraction|fraction(?:al)?\s+of\s+shortening)"
            r"|(?-i:LVSF|LVFS|SF|FS)(?![A-Za-z])",
            units=(("%", 1.0),), no_unit=_ASSUMED, direction="lower"),
    Measure("spo2", "lungs", "%", (70, 100),
            r"(?:peripheral\s+|arterial\s+|capillary\s+|blood\s+)?(?:oxygen|O2)\s+saturation|pulse[\s-]+oximetry"
            r"|(?-i:SpO2|SpO₂|SaO2|SPO2|O2\s?sat)",
            units=(("%", 1.0),), no_unit=_ASSUMED, direction="lower", label="SpO₂"),
)
"""Every measure, in the order a threshold table lists them within a category."""

MEASURES: dict[str, Measure] = {m.id: m for m in TABLE}

CATEGORY_ORDER = (
    "demographic", "performance", "blood", "liver", "coagulation", "kidney", "pancreas", "heart",
    "lungs",
)
"""The order a clinician reads a threshold table in."""

MEASURE_ORDER = {measure_id: index for index, measure_id in enumerate(MEASURES)}
