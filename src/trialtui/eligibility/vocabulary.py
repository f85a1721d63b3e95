"""The measures trialtui reads from criteria: how registries spell them and what values make sense.

Each measure has the spellings seen in real ClinicalTrials.gov criteria, the direction a clinician
expects its limit to point (a platelet count is a minimum, a bilirubin a maximum), and the range
of values that can be a real limit in its canonical unit. The direction lets the extractor notice
when an exclusion item states a requirement ("Insufficient bone marrow function: platelets >
50,000/µL") instead of a cut-off; the range rejects numbers that are not limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from trialtui.eligibility.prefilter import starts_lookahead


@dataclass(slots=True, frozen=True)
class Measure:
    id: str
    category: str
    """Body system, used for the diff's row order and to name OR-groups."""
    direction: str | None
    """"lower" when the limit is normally a minimum, "upper" when a maximum, None when both occur."""
    direction_below: float | None = None
    """When set, `direction` holds only for canonical values below this (WBC < 10 is a minimum,
    WBC ≥ 100 a leukostasis maximum)."""


MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure("age", "demographic", None),
        Measure("weight", "demographic", None),
        Measure("bmi", "demographic", None),
        Measure("life_expectancy", "performance", "lower"),
        Measure("ecog", "performance", "upper"),
        Measure("karnofsky", "performance", "lower"),
        Measure("lansky", "performance", "lower"),
        Measure("anc", "blood", "lower"),
        Measure("platelets", "blood", "lower", 400),
        Measure("hemoglobin", "blood", "lower", 14),
        Measure("wbc", "blood", "lower", 15),
        Measure("alc", "blood", "lower", 4),
        Measure("lymphocyte_pct", "blood", "lower"),
        Measure("total_bilirubin", "liver", "upper"),
        Measure("direct_bilirubin", "liver", "upper"),
        Measure("ast", "liver", "upper"),
        Measure("alt", "liver", "upper"),
        Measure("albumin", "liver", "lower"),
        Measure("inr", "coagulation", "upper"),
        Measure("pt", "coagulation", "upper"),
        Measure("aptt", "coagulation", "upper"),
        Measure("creatinine", "kidney", "upper"),
        Measure("gfr", "kidney", "lower"),
        Measure("lipase", "pancreas", "upper"),
        Measure("amylase", "pancreas", "upper"),
        Measure("lvef", "heart", "lower"),
        Measure("shortening_fraction", "heart", "lower"),
        Measure("spo2", "lungs", "lower"),
    )
}

CATEGORY_ORDER = (
    "demographic", "performance", "blood", "liver", "coagulation", "kidney", "pancreas", "heart",
    "lungs",
)
"""The order a clinician reads a threshold table in."""

MEASURE_ORDER = {measure_id: index for index, measure_id in enumerate(MEASURES)}

# Spellings, as regex fragments. (?-i:...) marks abbreviations that are only measures in capitals
# ("ALT", "PT", "EF"). Inside one alternation the leftmost match wins and, at one position, the
# earlier alternative: specific names ("direct bilirubin", "creatinine clearance") come first.
# Measures named "ignore" are things that look like a measure and are not ("HbA1c",
# "creatine kinase", "weight loss"); they stop a window without producing a threshold.
_ALIASES: list[tuple[str, str]] = [
    ("ignore", r"glyc(?:ated|osylated)\s+h(?:a)?emoglobin|h(?:a)?emoglobin\s*A1c|(?-i:HbA1c|HBA1C|A1[cC])"
               r"|molecular[\s-]+weight|weight[\s-]+(?:loss|gain|bearing|based|adjusted|change|reduction|management)"
               r"|(?:child[\s-]?bearing|reproductive|gestational|bone|mental|corrected|post[\s-]?menstrual|post[\s-]?conception(?:al)?)\s+ages?"
               r"|age[\s-]+(?:related|appropriate|adjusted|matched|specific|group)"
               r"|(?:urine|urinary|micro)\s*albumin|albumin[\s-]+(?:to|/)[\s-]*creatinine|albuminuria|creatinine[\s-]+ratio"
               r"|platelet[\s-]+(?:transfusions?|aggregation|inhibitors?|function|rich)"
               r"|(?:neutrophil|platelet)\s+engraftment|creatine\s+(?:phospho)?kinase|(?-i:CPK|CK)"
               r"|(?-i:Hb\s?S|HbSC|HbSS|IIEF(?:-EF)?|EF\s+domain)|erectile\s+function|age\s+of\s+(?:majority|consent|onset|diagnosis)"
               # Labs outside the vocabulary: named so that their values end the previous measure's reach.
               r"|alkaline\s+phosphatase|gamma[\s-]*glutamyl\s*transferase|lactate\s+dehydrogenase|(?-i:ALP|ALKP|GGT|LDH|PSA|TSH|BNP)"),
    ("ast_alt", r"(?:serum\s+|liver\s+)?(?:trans\s?aminases?|aminotransferases|transaminase\s+levels?)"
                r"|(?-i:SGOT\s*/\s*SGPT|AST\s*/\s*ALT|ALT\s*/\s*AST|SGPT\s*/\s*SGOT|ASAT\s*/\s*ALAT|ALAT\s*/\s*ASAT|LFTs)"),
    ("direct_bilirubin", r"(?:serum\s+)?(?:direct|conjugated)\s+(?:serum\s+)?bilirubin|(?-i:D\.?[Bb]ili|DBIL|DBili)"),
    ("ignore", r"indirect\s+bilirubin|unconjugated\s+bilirubin"),
    ("total_bilirubin", r"(?:(?:total\s+serum|serum\s+total|total|serum|plasma|blood)\s*)?bilirubin(?:emia)?|(?-i:T\.?[Bb]ili|TBIL|TBil|TB[Ii][Ll]|T-bil|TBR|TBL)"),
    ("ast", r"aspartate\s+(?:amino\s?)?transaminase|aspartate\s+aminotransferase|(?:serum\s+)?glutam(?:ic|ate)[\s-]+oxal(?:o)?acet(?:ic|ate)\s+transaminase|(?-i:AST|SGOT|ASAT|GOT)"),
    ("alt", r"alanine\s+(?:amino\s?)?transaminase|alanine\s+aminotransferase|(?:serum\s+)?glutam(?:ic|ate)[\s-]+pyruv(?:ic|ate)\s+transaminase|(?-i:ALT|SGPT|ALAT|GPT)"),
    ("gfr", r"(?:calculated\s+|measured\s+|estimated\s+)?creatinine\s+clearance(?:\s+rate)?|e?crcl|(?-i:CLcr|CLCR|CCr|CCR)"
            r"|(?:estimated\s+|measured\s+|calculated\s+)?(?:radioisotope\s+)?glomerular\s+filtration\s+rate|(?-i:e?GFR|eGFR|GFR|mGFR)"),
    ("creatinine", r"(?:(?:serum|plasma|blood)\s*)?creatinine(?!\s+(?:clearance|kinase))|(?-i:S?Cr|sCr|SCr|Creat)(?![A-Za-z])"),
    ("anc", r"absolute\s+(?:neutrophils?|neutrophilic|granulocytes?|granulocyte)(?:\s+counts?)?|(?:segmented\s+)?neutrophils?(?:\s+counts?)?"
            r"|(?:polymorpho)?nuclear\s+neutrophils|granulocytes?(?:\s+counts?)?|(?-i:ANC|AGC|ANC/AGC|PMN|NEUT)"),
    ("alc", r"absolute\s+lymphocytes?(?:\s+counts?)?|lymphocytes?(?:\s+counts?)?|(?-i:ALC|LY|LYM|LYMPH)(?![a-z])"),
    ("wbc", r"(?:total\s+)?(?:white\s+(?:blood\s+)?(?:cells?|corpuscles?)|leu[ck]ocytes?)(?:\s+counts?)?|white\s+(?:blood\s+)?count|(?-i:WBCs?|TLC|WCC)"),
    ("platelets", r"(?:blood\s+)?platelets?(?:\s+counts?)?|thrombocytes?(?:\s+counts?)?|(?-i:PLTs?|Plts?|PLT)"),
    ("hemoglobin", r"h(?:a)?emoglobin(?:\s+(?:level|concentration|count))?|(?-i:Hgb|HGB|Hb|HB)(?![A-Za-z0-9])"),
    ("albumin", r"(?:serum\s+|plasma\s+)?albumin|(?-i:Alb|ALB)(?![a-z])"),
    ("lipase", r"(?:serum\s+)?lipase"),
    ("amylase", r"(?:serum\s+)?(?:pancreatic\s+)?amylase"),
    ("shortening_fraction", r"(?:left\s+ventricular\s+|LV\s+)?(?:fractional\s+shortening|shortening\s+fraction|fraction(?:al)?\s+of\s+shortening)|(?-i:LVSF|LVFS|SF|FS)(?![A-Za-z])"),
    ("lvef", r"(?:left\s+ventricular\s+|LV\s+|cardiac\s+)?ejection\s+fraction|(?-i:LVEF|LV\s?EF|EF)(?![A-Za-z])"),
    ("spo2", r"(?:peripheral\s+|arterial\s+|capillary\s+|blood\s+)?(?:oxygen|O2)\s+saturation|pulse[\s-]+oximetry|(?-i:SpO2|SpO₂|SaO2|SPO2|O2\s?sat)"),
    ("inr", r"(?:international\s+normali[sz]ed\s+ratio)|(?-i:INR|PT/INR|PT-INR|PT\s*\(INR\))"),
    ("aptt", r"(?:activated\s+)?partial\s+(?:thromboplastin|prothrombin|thrombin)\s+time|(?-i:a?PTT|APTT|aPTT)"),
    ("pt", r"prothrombin\s+time|(?-i:PT)(?![A-Za-z])"),
    ("lansky", r"lansky(?:\s+play)?(?:[\s-]+performance)?(?:\s+(?:status|score|scale))*|(?-i:LPS)(?![A-Za-z])"),
    ("karnofsky", r"karnofsky(?:\s+performance)?(?:\s+(?:status|score|scale|index))*|(?-i:KPS)(?![A-Za-z])"),
    # The Gynecologic Oncology Group's performance status is the ECOG scale; "GOG" alone is often a
    # protocol number ("GOG-0218"), so only before "performance", "PS" or a score list.
    ("ecog", r"(?:eastern\s+cooperative\s+oncology\s+group|(?-i:ECOG)|zubrod|(?-i:GOG)(?=\s+(?:performance|PS\b|[0-4]\s*(?:-|–|to|or|,))))"
             r"(?:\s*\((?:ECOG)\))?(?:[\s-]+performance)?(?:\s+(?:status|score|scale|grade))*(?:\s*\((?:ECOG\s*)?(?:PS)\))?"
             r"|(?:world\s+health\s+organi[sz]ation|(?-i:WHO))(?:\s*\(WHO\))?(?:[\s-]+performance(?:\s+(?:status|score|scale))?|\s+(?-i:PS))(?:\s*\((?:WHO\s*)?PS\))?"),
    ("performance", r"performance\s+(?:status|score)|(?-i:PS)(?![A-Za-z])"),
    ("life_expectancy", r"life[\s-]+expectancy|(?:expect(?:ed|ing)?|estimated|anticipated|predicted)\s+(?:(?:time|duration)\s+of\s+)?(?:overall\s+)?(?:surviv(?:al|e)|life\s*span)(?:\s+time)?|survival\s+expectancy|expected\s+to\s+(?:live|survive)"),
    ("bmi", r"body\s+mass\s+index|(?-i:BMI)"),
    ("weight", r"(?:body\s+)?weight|weighs?|weighing|(?-i:BW)(?![A-Za-z])"),
    ("age", r"age[sd]?"),
]

MENTION = re.compile(
    "(?<![A-Za-z0-9])(?=[A-Za-z])(?:"
    + "|".join(f"(?P<{name}_{index}>(?:{pattern})(?![A-Za-z0-9]))" for index, (name, pattern) in enumerate(_ALIASES))
    + ")",
    re.IGNORECASE,
)
"""One pass finds every measure name in a sentence; `mention_measures` maps the group to ids."""

_GROUP_MEASURES = {
    f"{name}_{index}": (("ast", "alt") if name == "ast_alt" else () if name == "ignore" else (name,))
    for index, (name, _) in enumerate(_ALIASES)
}


MENTION_START = re.compile("(?<![a-z0-9])" + starts_lookahead((pattern for _, pattern in _ALIASES), re.IGNORECASE, 8))
"""Word starts, in lowercased text, where some measure spelling may begin: MENTION runs only there.
Eight characters rather than three: "pat", "pla", "per" begin far more words than measures."""


def mention_measures(match: re.Match[str]) -> tuple[str, ...]:
    """The measure ids a MENTION match names: usually one, two for "transaminases", none for noise."""
    return _GROUP_MEASURES[match.lastgroup or ""]
