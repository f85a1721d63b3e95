"""`trialtui diff` with three to twenty trials: the threshold matrix in the contract's JSON shape,
as a terminal table, as Markdown and as CSV, safe on hostile records."""

from __future__ import annotations

import csv
import io
import json

from markdown_it import MarkdownIt

from conftest import SEEDS
from hostile_records import NCT, RAW, VISIBLE, hostile_study
from trialtui.cli import main

FOUR = ("NCT06751134", "NCT06674265", "NCT06836505", "NCT06631040")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_matrix_json_has_the_contract_shape_and_the_seeds_ranking(capsys):
    status, out, err = run(capsys, "diff", *FOUR, "--json")
    assert status == 0, err
    matrix = json.loads(out)
    assert set(matrix) == {"trials", "rows"} and matrix["trials"] == list(FOUR)
    rows = {row["measure"]: row for row in matrix["rows"]}
    assert all(set(row) == {"measure", "values", "strictest", "loosest", "comparable", "spread"} for row in matrix["rows"])
    platelets = rows["platelets"]
    assert [t["value"] for t in platelets["values"]["NCT06751134"]] == [75.0]
    assert platelets["values"]["NCT06836505"] == []
    assert platelets["strictest"] == ["NCT06751134"] and platelets["loosest"] == ["NCT06631040"]
    assert rows["hemoglobin"]["strictest"] == ["NCT06674265"]
    assert rows["hemoglobin"]["loosest"] == ["NCT06751134", "NCT06631040"]
    assert rows["creatinine"]["comparable"] is False and rows["creatinine"]["strictest"] == []  # ×ULN vs mg/dL
    assert platelets["spread"] == "≥ 50 → ≥ 75 ×10^9/L" and rows["creatinine"]["spread"] == ""
    assert rows["age"]["comparable"] is False  # stricter on one bound, looser on the other
    assert set(platelets["values"]["NCT06751134"][0]) >= {"measure", "bound", "inclusive", "value", "unit", "raw"}


def test_two_ids_keep_the_two_trial_diff_and_more_than_twenty_is_a_usage_error(capsys):
    status, out, _ = run(capsys, "diff", *FOUR[:2], "--json")
    assert status == 0 and set(json.loads(out)) == {"a", "b", "rows"}
    status, out, err = run(capsys, "diff", *FOUR, *[f"NCT0000{i:04d}" for i in range(17)])
    assert status == 2 and out == "" and "2 to 20 trials, not 21" in err
    status, _, err = run(capsys, "diff", FOUR[0])
    assert status == 2 and "not 1" in err
    status, _, err = run(capsys, "diff", FOUR[0], FOUR[1], FOUR[0])
    assert status == 2 and "named twice" in err


def test_matrix_table_marks_strictest_and_loosest_and_says_how_many_state_a_row(capsys):
    status, out, err = run(capsys, "diff", *FOUR)
    assert status == 0, err
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("measure"))
    assert all(trial_id in header for trial_id in FOUR)
    platelets = next(line for line in lines if line.startswith("platelets"))
    assert "▲ ≥ 75 ×10^9/L" in platelets and "▼ ≥ 50 ×10^9/L" in platelets and "in 3 of 4" in platelets
    assert "spread" in header and "≥ 50 → ≥ 75 ×10^9/L" in platelets
    creatinine = next(line for line in lines if line.startswith("creatinine"))
    assert "not comparable" in creatinine and "▲" not in creatinine


def _with_hostile(tmp_path) -> list[str]:
    (tmp_path / "hostile.json").write_text(json.dumps(hostile_study()))
    return ["--data", str(SEEDS), "--data", str(tmp_path / "hostile.json")]


def test_matrix_outputs_show_hostile_record_text_as_text(tmp_path, capsys):
    data = _with_hostile(tmp_path)
    status, out, _ = run(capsys, "diff", *data, NCT, *FOUR[:2])
    assert status == 0
    assert not any(ch in out for ch in RAW) and VISIBLE[0] in out
    status, report, _ = run(capsys, "diff", *data, NCT, *FOUR[:2], "--format", "markdown")
    assert status == 0 and "\x1b" not in report
    tokens = MarkdownIt("commonmark").enable(["table"]).parse(report)
    assert sum(t.type == "table_open" for t in tokens) == 1
    assert not {t.type for t in tokens} & {"html_block", "code_block", "fence"}
    assert sum(t.type == "heading_open" for t in tokens) == 1
    rows = [line for line in report.splitlines() if line.startswith("| platelets")]
    assert len(rows) == 1 and "▲ ≥ 100 ×10^9/L" in rows[0]  # the hostile record's 100 beats 75 and > 50


def test_matrix_csv_has_a_column_per_trial_and_the_ranking(capsys):
    status, text, err = run(capsys, "diff", *FOUR, "--format", "csv")
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(text)))
    platelets = next(row for row in rows if row["measure"] == "platelets")
    assert platelets["NCT06751134"] == "≥ 75 ×10^9/L" and platelets["NCT06836505"] == "—"
    assert platelets["strictest"] == "NCT06751134" and platelets["loosest"] == "NCT06631040"
    assert platelets["stated_by"] == "3 of 4" and platelets["comparable"] == "yes"
    assert platelets["spread"] == "≥ 50 → ≥ 75 ×10^9/L"
    creatinine = next(row for row in rows if row["measure"] == "creatinine")
    assert creatinine["comparable"] == "no" and creatinine["spread"] == ""


def test_matrix_markdown_has_a_spread_column(capsys):
    status, report, err = run(capsys, "diff", *FOUR, "--format", "markdown")
    assert status == 0, err
    header = next(line for line in report.splitlines() if line.startswith("| Measure"))
    assert header.endswith("| Spread | Stated by | Ranked |")
    platelets = next(line for line in report.splitlines() if line.startswith("| platelets"))
    assert platelets.endswith("| ≥ 50 → ≥ 75 ×10^9/L | in 3 of 4 | yes |")


def test_diff_tag_and_shortlist_take_the_annotated_trials(capsys):
    for trial_id in FOUR[1:]:
        assert main(["annotate", trial_id, "--tag", "cart"]) == 0
    assert main(["annotate", FOUR[0], "--status", "shortlisted"]) == 0
    capsys.readouterr()
    status, out, err = run(capsys, "diff", "--data", str(SEEDS), "--tag", "cart", "--json")
    assert status == 0, err
    matrix = json.loads(out)
    assert sorted(matrix["trials"]) == sorted(FOUR[1:])
    platelets = next(row for row in matrix["rows"] if row["measure"] == "platelets")
    assert platelets["strictest"] == ["NCT06674265"] and platelets["spread"] == "≥ 50 → > 50 ×10^9/L"
    status, out, err = run(capsys, "diff", "--data", str(SEEDS), "--shortlist")
    assert status == 2 and out == "" and err == "trialtui: diff compares 2 to 20 trials; the shortlist holds 1\n"
    status, _, err = run(capsys, "diff", "--data", str(SEEDS), "--tag", "nothing-tagged")
    assert status == 2 and "tag 'nothing-tagged' holds 0" in err
    status, _, err = run(capsys, "diff", "--data", str(SEEDS), FOUR[0], "--tag", "cart")
    assert status == 2 and "not both" in err
