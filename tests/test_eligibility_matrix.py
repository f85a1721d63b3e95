"""The threshold matrix of many trials: it agrees with the two-trial diff on every pair, on the
seeds and on hundreds of combinations of real registry records."""

import random

import pytest

from trialtui.catalog import load_files
from trialtui.eligibility.diff import diff_thresholds
from trialtui.eligibility.extract import Threshold, extract_thresholds
from trialtui.eligibility.matrix import threshold_matrix

SEEDS = ("NCT06751134", "NCT06674265", "NCT06836505", "NCT06631040")


def limit(measure, bound, value, unit, inclusive=True, condition=None):
    return Threshold(measure, bound, inclusive, value, unit, "inclusion", condition=condition)


def pairwise(a: list, b: list) -> str:
    return diff_thresholds(a, b)[0].verdict


def assert_agrees_with_diff(matrix) -> None:
    for row in matrix.rows:
        present = row.present
        if not row.comparable:
            assert row.strictest == () and row.loosest == ()
            unranked_pair = any(pairwise(row.values[a], row.values[b]) in ("incomparable", "mixed")
                                for a in present for b in present if a != b)
            at_least_as_strict_as_all = any(all(pairwise(row.values[a], row.values[b]) in ("same", "a_stricter")
                                                for b in present if b != a) for a in present)
            at_least_as_loose_as_all = any(all(pairwise(row.values[a], row.values[b]) in ("same", "b_stricter")
                                               for b in present if b != a) for a in present)
            assert unranked_pair or not (at_least_as_strict_as_all and at_least_as_loose_as_all), row.measure
            continue
        if len(present) > 1:
            assert row.strictest and row.loosest, row.measure
        for strict in row.strictest:
            for other in present:
                if other != strict:
                    assert pairwise(row.values[strict], row.values[other]) in ("same", "a_stricter"), (row.measure, strict, other)
        for loose in row.loosest:
            for other in present:
                if other != loose:
                    assert pairwise(row.values[loose], row.values[other]) in ("same", "b_stricter"), (row.measure, loose, other)


def test_small_matrix_ranks_marks_presence_and_incomparable_rows():
    matrix = threshold_matrix({
        "A": [limit("platelets", "lower", 75, "10^9/L"), limit("ast", "upper", 2.5, "xULN"), limit("lvef", "lower", 50, "%")],
        "B": [limit("platelets", "lower", 100, "10^9/L"), limit("ast", "upper", 100, "U/L")],
        "C": [limit("platelets", "lower", 100, "10^9/L"), limit("ecog", "upper", 1, "score")],
    })
    rows = {row.measure: row for row in matrix.rows}
    assert rows["platelets"].strictest == ("B", "C") and rows["platelets"].loosest == ("A",)
    assert rows["platelets"].comparable and rows["platelets"].presence() == ""
    assert not rows["ast"].comparable and rows["ast"].strictest == () and rows["ast"].presence() == "in 2 of 3"
    assert rows["lvef"].presence() == "in 1 of 3" and rows["lvef"].strictest == ()
    data = matrix.to_json()
    assert data["trials"] == ["A", "B", "C"]
    platelets = rows["platelets"].values
    assert next(row for row in data["rows"] if row["measure"] == "platelets") == {
        "measure": "platelets", "values": {trial_id: [platelets[trial_id][0].to_json()] for trial_id in "ABC"},
        "strictest": ["B", "C"], "loosest": ["A"], "comparable": True, "spread": "≥ 75 → ≥ 100 ×10^9/L"}
    assert next(row for row in data["rows"] if row["measure"] == "lvef")["values"]["B"] == []


def test_age_range_stricter_on_one_bound_looser_on_the_other_is_not_comparable():
    matrix = threshold_matrix({
        "A": [limit("age", "lower", 18, "years"), limit("age", "upper", 75, "years")],
        "B": [limit("age", "lower", 21, "years"), limit("age", "upper", 80, "years")],
        "C": [limit("age", "lower", 18, "years")],
    })
    assert not matrix.rows[0].comparable


def test_seed_matrix_agrees_with_the_pairwise_diff():
    catalog = load_files([__import__("pathlib").Path(__file__).resolve().parent.parent / "seeds"])
    thresholds = {trial_id: extract_thresholds(catalog.trial(trial_id)) for trial_id in SEEDS}
    matrix = threshold_matrix(thresholds)
    assert_agrees_with_diff(matrix)
    rows = {row.measure: row for row in matrix.rows}
    assert rows["age"].presence() == ""
    assert any(row.comparable and row.strictest != row.loosest for row in matrix.rows)


def test_spread_runs_from_loosest_to_strictest_only_on_ranked_rows_with_distinct_limits():
    catalog = load_files([__import__("pathlib").Path(__file__).resolve().parent.parent / "seeds"])
    matrix = threshold_matrix({trial_id: extract_thresholds(catalog.trial(trial_id)) for trial_id in SEEDS})
    rows = {row.measure: row for row in matrix.rows}
    assert rows["platelets"].spread == "≥ 50 → ≥ 75 ×10^9/L"
    assert rows["life_expectancy"].spread == "≥ 12 weeks → ≥ 6 months"  # units differ: each side keeps its own
    assert rows["ast"].spread == ""  # stated alike by both trials
    assert rows["ecog"].spread == ""  # stated by one trial only
    assert not rows["creatinine"].comparable and rows["creatinine"].spread == ""
    assert matrix.to_json()["rows"][list(rows).index("platelets")]["spread"] == "≥ 50 → ≥ 75 ×10^9/L"


@pytest.fixture(scope="module")
def real_thresholds(api_trials) -> dict[str, list]:
    found = {trial.trial_id: extract_thresholds(trial) for trial in api_trials}
    return {trial_id: limits for trial_id, limits in found.items() if limits}


def test_strictest_and_loosest_agree_with_the_pairwise_diff_on_real_records(real_thresholds):
    picker = random.Random(20)
    ids = sorted(real_thresholds)
    ranked = unranked = 0
    for _ in range(300):
        chosen = picker.sample(ids, picker.randint(3, 20))
        matrix = threshold_matrix({trial_id: real_thresholds[trial_id] for trial_id in chosen})
        assert matrix.trials == tuple(chosen)
        assert_agrees_with_diff(matrix)
        ranked += sum(1 for row in matrix.rows if row.comparable and row.strictest != row.loosest)
        unranked += sum(1 for row in matrix.rows if not row.comparable)
    assert ranked > 300 and unranked > 50  # both kinds of row really occur in these combinations
