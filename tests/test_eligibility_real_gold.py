"""Extraction scored against hand-annotated gold for real CT.gov studies: real-gold.json (64 studies,
checked against the extractor's output, so optimistic), real-gold-2.json (30 fresh studies,
annotated from the criteria alone) and real-gold-3.json (110 studies annotated without the
extractor's output; their records are files in gold-3/records, read as the CLI reads them).

Matching follows ../shared/tools/score_thresholds.py: same trial, measure, bound and unit basis
(×ULN or absolute), values within 2 % (0.01 below 0.5); precision counts only vocabulary measures.
Run it as a script for per-measure figures and every miss:

    .venv/bin/python tests/test_eligibility_real_gold.py [--show-misses] [--set 2|3]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from trialtui.catalog import load_files
from trialtui.eligibility.extract import extract_thresholds
from trialtui.models import Eligibility, Trial

GOLDS = {
    "1": Path(__file__).parent / "data" / "eligibility" / "real-gold.json",
    "2": Path(__file__).parent / "data" / "eligibility" / "real-gold-2.json",
    "3": Path(__file__).parent / "data" / "eligibility" / "real-gold-3.json",
}
RECORDS = {"3": Path(__file__).parent / "data" / "eligibility" / "gold-3" / "records"}
VOCAB = {
    "age", "weight", "life_expectancy", "lansky", "karnofsky", "ecog", "anc", "alc", "wbc",
    "platelets", "hemoglobin", "lymphocyte_pct", "total_bilirubin", "direct_bilirubin", "ast",
    "alt", "creatinine", "gfr", "albumin", "lipase", "amylase", "lvef", "shortening_fraction",
    "spo2", "inr", "aptt",
}


def _basis(unit: str) -> str:
    return "xULN" if unit.strip().lower() in {"xuln", "×uln", "x uln"} else "absolute"


def _same_value(a: float, b: float) -> bool:
    if max(abs(a), abs(b)) < 0.5:
        return abs(a - b) <= 0.01
    return abs(a - b) <= 0.02 * max(abs(a), abs(b))


def _matches(pred: dict, gold: dict) -> bool:
    return (pred["measure"] == gold["measure"] and pred["bound"] == gold["bound"]
            and _basis(pred["unit"]) == _basis(gold["unit"]) and _same_value(pred["value"], gold["value"]))


def _trial(data: dict, name: str, gold_set: str) -> Trial:
    """The gold's trial: embedded in the gold file, or a record file (gold 3) loaded like the CLI's."""
    if gold_set in RECORDS:
        return next(load_files([RECORDS[gold_set] / name]).trials())
    record = data["records"][name]
    return Trial(trial_id=name, eligibility=Eligibility(
        criteria=record["criteria"], minimum_age=record["minimum_age"], maximum_age=record["maximum_age"]))


def score(show_misses: bool = False, gold_set: str = "1") -> tuple[float, float, Counter, Counter, Counter]:
    data = json.loads(GOLDS[gold_set].read_text())
    tp, fp, fn = Counter(), Counter(), Counter()
    for nct_id, gold in data["files"].items():
        trial = _trial(data, nct_id, gold_set)
        preds = [t.to_json() for t in extract_thresholds(trial) if t.measure in VOCAB]
        unmatched = list(range(len(preds)))
        for g in gold:
            hit = next((i for i in unmatched if _matches(preds[i], g)), None)
            if hit is None:
                fn[g["measure"]] += 1
                if show_misses:
                    print(f"  missed   {nct_id}: {g['measure']} {g['bound']} {g['value']} {g['unit']}")
                continue
            unmatched.remove(hit)
            tp[g["measure"]] += 1
        for i in unmatched:
            p = preds[i]
            fp[p["measure"]] += 1
            if show_misses:
                print(f"  spurious {nct_id}: {p['measure']} {p['bound']} {p['value']} {p['unit']}  <- {p['raw'][:80]!r}")
    t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return (t / (t + f_p) if t + f_p else 0.0), (t / (t + f_n) if t + f_n else 0.0), tp, fp, fn


def test_real_gold_precision_and_recall():
    precision, recall, *_ = score()
    assert precision >= 0.96 and recall >= 0.95, (precision, recall)


def test_fresh_gold_precision_and_recall():
    precision, recall, *_ = score(gold_set="2")
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)



def test_lab_rich_gold_precision_and_recall():
    precision, recall, tp, fp, fn = score(gold_set="3")
    assert precision >= 0.985 and recall >= 0.975, (precision, recall)
    # Ages were the largest source of spurious limits (dose-table brackets, relatives, definitions).
    assert fp["age"] <= 1 and fn["age"] <= 1, (fp["age"], fn["age"])


if __name__ == "__main__":
    chosen = sys.argv[sys.argv.index("--set") + 1] if "--set" in sys.argv else "1"
    p, r, tp, fp, fn = score("--show-misses" in sys.argv, chosen)
    for measure in sorted(set(tp) | set(fp) | set(fn)):
        print(f"{measure:20s} tp={tp[measure]:3d} fp={fp[measure]:3d} fn={fn[measure]:3d}")
    print(f"overall: precision {p:.3f} recall {r:.3f} ({sum(tp.values())} matched, "
          f"{sum(fp.values())} spurious, {sum(fn.values())} missed)")
