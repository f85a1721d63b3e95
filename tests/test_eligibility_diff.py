"""The side-by-side diff: verdicts per measure, on the two neuroblastoma seeds and small cases."""

import json
import subprocess
import sys
from pathlib import Path

from trialtui.eligibility.diff import diff_json, diff_thresholds
from trialtui.eligibility.extract import Threshold

ROOT = Path(__file__).resolve().parent.parent


def limit(measure, bound, value, unit, inclusive=True, condition=None):
    return Threshold(measure, bound, inclusive, value, unit, "inclusion", condition=condition)


def verdicts(a, b):
    return {row.measure: row.verdict for row in diff_thresholds(a, b)}


def test_verdicts():
    a = [limit("platelets", "lower", 75, "10^9/L"), limit("total_bilirubin", "upper", 3, "xULN"),
         limit("lvef", "lower", 50, "%"), limit("weight", "lower", 10, "kg"),
         limit("creatinine", "upper", 1.5, "mg/dL"), limit("age", "lower", 1, "years"),
         limit("age", "upper", 12, "years")]
    b = [limit("platelets", "lower", 50, "10^9/L", inclusive=False), limit("total_bilirubin", "upper", 1.5, "xULN"),
         limit("lvef", "lower", 50, "%"), limit("shortening_fraction", "lower", 27, "%"),
         limit("creatinine", "upper", 1.5, "xULN"), limit("age", "lower", 2, "years"),
         limit("age", "upper", 16, "years")]
    assert verdicts(a, b) == {
        "platelets": "a_stricter", "total_bilirubin": "b_stricter", "lvef": "same", "weight": "only_a",
        "shortening_fraction": "only_b", "creatinine": "incomparable", "age": "mixed",
    }


def test_exclusive_bound_is_stricter_at_the_same_value_and_conditions_compare_alike():
    assert verdicts([limit("spo2", "lower", 92, "%", inclusive=False)], [limit("spo2", "lower", 92, "%")]) == {
        "spo2": "a_stricter"}
    a = [limit("anc", "lower", 1.0, "10^9/L"), limit("anc", "lower", 0.5, "10^9/L", condition="bone marrow involvement")]
    b = [limit("anc", "lower", 1.0, "10^9/L"), limit("anc", "lower", 0.75, "10^9/L", condition="bone marrow involvement")]
    assert verdicts(a, b) == {"anc": "b_stricter"}


def test_rows_in_clinical_order_and_json_shape():
    rows = diff_thresholds([limit("spo2", "lower", 92, "%"), limit("anc", "lower", 1, "10^9/L")],
                           [limit("age", "lower", 18, "years")])
    assert [r.measure for r in rows] == ["age", "anc", "spo2"]
    data = diff_json("A", "B", rows)
    assert data["a"] == "A" and data["rows"][0]["b"][0]["measure"] == "age"
    assert set(data["rows"][0]) == {"measure", "a", "b", "verdict"}


def test_seed_neuroblastoma_trials_give_clinician_verdicts():
    out = subprocess.run(
        [sys.executable, "-m", "trialtui", "diff", "NCT06751134", "NCT06674265", "--json"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    found = {row["measure"]: row["verdict"] for row in json.loads(out.stdout)["rows"]}
    assert found["platelets"] == found["anc"] == "a_stricter"
    assert found["total_bilirubin"] == found["spo2"] == "b_stricter"
    assert found["lvef"] == "same"
    assert found["weight"] == "only_a" and found["shortening_fraction"] == "only_b"
