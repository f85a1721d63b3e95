"""The read-side commands as scripts use them: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, unreadable_inputs
from trialtui.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_json_has_the_five_seeds_in_the_contract_shape(capsys):
    status, out, err = run(capsys, "list", "--json")
    assert status == 0, err
    trials = json.loads(out)
    assert len(trials) == 5
    first = next(t for t in trials if t["trial_id"] == "NCT06751134")
    assert set(first) >= {"trial_id", "title", "status", "phase", "conditions", "source"}
    assert first["title"] == "Chimeric Natural Killer Receptor-Universal T Cells for Relapsed or Refractory Neuroblastoma"
    assert first["status"] == "RECRUITING"
    assert first["phase"] == "Phase 1"
    assert first["conditions"] == ["Neuroblastoma, Recurrent, Refractory"]
    both = next(t for t in trials if t["trial_id"] == "NCT06836505")
    assert both["phase"] == "Phase 1/Phase 2"


def test_data_flag_works_before_and_after_the_command(capsys):
    seed = str(SEEDS / "001_d252ee36f4b6eea2.txt")
    for argv in (("--data", seed, "list", "--json"), ("list", "--json", "--data", seed)):
        status, out, _ = run(capsys, *argv)
        assert status == 0
        assert [t["trial_id"] for t in json.loads(out)] == ["NCT06674265"]


def test_show_prints_every_section_and_json_is_the_full_record(capsys):
    status, out, _ = run(capsys, "show", "nct06674265")
    assert status == 0
    assert "== Eligibility ==" in out and "== Locations ==" in out
    assert "Rasoul Akram Hospital — Tehran, Iran" in out
    assert "== Outcomes ==\nNot given in this record." in out
    status, out, _ = run(capsys, "show", "NCT06674265", "--json")
    record = json.loads(out)
    assert record["eligibility"]["minimum_age"] == "2 Years"
    assert record["enrollment"] == 10
    assert record["eligibility"]["items"][0]["section"] == "inclusion"


def test_unknown_trial_is_a_usage_error_with_one_line(capsys):
    status, out, err = run(capsys, "show", "NCT00000000")
    assert status == 2
    assert err.strip() == "trialtui: NCT00000000: no such trial (try `trialtui list`)"


def test_a_bad_input_is_one_line_and_the_rest_still_load(capsys, tmp_path):
    (tmp_path / "broken.json").write_text('{"protocolSection": {"identificationModule": ')
    good = tmp_path / "good.txt"
    good.write_text((SEEDS / "000_efbe361d948e42a7.txt").read_text())
    status, out, err = run(capsys, "list", "--json", "--data", str(tmp_path))
    assert status == 1
    assert [t["trial_id"] for t in json.loads(out)] == ["NCT06751134"]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"trialtui: {tmp_path / 'broken.json'}: ")


def test_nothing_loadable_exits_2(capsys, tmp_path):
    (tmp_path / "noise.bin").write_bytes(bytes(range(256)) * 4)
    status, _, err = run(capsys, "list", "--data", str(tmp_path))
    assert status == 2
    assert "noise.bin" in err


def test_import_adds_then_updates_and_list_shows_library_trials(capsys, shared_data):
    page = shared_data / "ctgov-v2" / "api-page-boston.json"
    status, out, _ = run(capsys, "import", str(page))
    assert status == 0
    assert out.strip() == "45 added, 0 updated, 0 unchanged, 0 skipped"
    status, out, _ = run(capsys, "import", str(page))
    assert out.strip() == "0 added, 0 updated, 45 unchanged, 0 skipped"
    status, out, _ = run(capsys, "list", "--json")
    assert len(json.loads(out)) == 50


def test_diff_json_gives_the_clinicians_verdicts(capsys):
    status, out, _ = run(capsys, "diff", "NCT06751134", "NCT06674265", "--json")
    assert status == 0
    diff = json.loads(out)
    assert diff["a"] == "NCT06751134" and diff["b"] == "NCT06674265"
    verdicts = {row["measure"]: row["verdict"] for row in diff["rows"]}
    assert verdicts["platelets"] == "a_stricter"
    assert verdicts["anc"] == "a_stricter"
    assert verdicts["total_bilirubin"] == "b_stricter"
    assert verdicts["spo2"] == "b_stricter"
    assert verdicts["lvef"] == "same"
    assert verdicts["weight"] == "only_a"
    assert verdicts["shortening_fraction"] == "only_b"


def test_search_json_and_batch_queries(capsys, tmp_path):
    status, out, _ = run(capsys, "search", "CNK-UT", "--json")
    hits = json.loads(out)
    assert hits[0]["trial_id"] == "NCT06751134"
    assert 0 <= hits[0]["score"] <= 100 and hits[0]["matched"]
    queries = tmp_path / "queries.txt"
    queries.write_text("Sun Yat-sen\nneuroblastma\n")
    status, out, _ = run(capsys, "search", "--queries", str(queries), "--limit", "3")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["Sun Yat-sen", "neuroblastma"]
    assert lines[0]["hits"][0]["trial_id"] in {"TT-6105b303ddf7", "NCT06836505"}
    assert all(isinstance(line["ms"], float) for line in lines)
    assert len(lines[1]["hits"]) == 3


def test_search_says_when_its_limit_leaves_matches_out_and_how_many_there_are(capsys, shared_data):
    studies = str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")
    status, out, err = run(capsys, "list", "--query", "prostate cancer", "--data", studies, "--json")
    every = [row["trial_id"] for row in json.loads(out)]
    assert len(every) > 20
    status, out, err = run(capsys, "search", "prostate cancer", "--data", studies, "--json")
    assert status == 0
    assert [hit["trial_id"] for hit in json.loads(out)] == every[:20]
    assert err == (f"trialtui: the best 20 of {len(every)} matches; --limit {len(every)} lists them all, "
                   "as does trialtui list --query 'prostate cancer'\n")
    status, out, err = run(capsys, "search", "prostate cancer", "--data", studies, "--limit", str(len(every)))
    assert len(out.splitlines()) == len(every) and err == ""


def test_version_from_the_installed_command():
    out = subprocess.run([sys.executable, "-m", "trialtui", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("trialtui ")


def test_a_bundled_seed_is_named_as_such_not_by_where_the_package_is_installed(capsys):
    assert main(["show", "NCT06751134"]) == 0
    out = capsys.readouterr().out
    assert "File: bundled seed 000_efbe361d948e42a7.txt" in out
    assert str(ROOT) not in out


def test_search_queries_reads_no_device_nothing_over_64_mb_and_only_utf_8(capsys, tmp_path):
    device, huge, latin = unreadable_inputs(tmp_path, ".txt", b"neuroblastoma\na\xffb\n")
    for path in (device, huge, latin):
        status, out, err = run(capsys, "search", "--queries", str(path))
        assert (status, out) == (2, "")
        assert err == {
            "/dev/zero": "trialtui: /dev/zero: a device, not a file of queries\n",
            str(huge): f"trialtui: {huge}: larger than 64 MB, too large for a file of queries\n",
            str(latin): f"trialtui: {latin}: not UTF-8 text (byte 16), not a file of queries\n",
        }[str(path)]


def test_a_usage_error_repeats_what_was_typed_with_visible_escapes(capsys, tmp_path):
    hostile = f"{tmp_path}/x\x1b]0;TITLE\x07\x1b[2Jy.jsonl"  # a second file a glob gave --data
    for argv in (["list", "--data", str(tmp_path / "a.json"), hostile], ["annotations", "import", "a.json", hostile]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"trialtui: error: unrecognized arguments: {tmp_path}/x\\x1b]0;TITLE\\x07\\x1b[2Jy.jsonl"
        )
