"""A record is kept under an NCT ID only: an id a file or a server made up (a path, ``..``, an
escape sequence, a query string, 10,000 characters, foreign digits) is one skipped record with one
line, since that id would become the trial's key, its default file name and its registry address."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from ctgov_server import FakeCtgov
from trialtui.cli import main
from trialtui.fetch.client import CtgovClient, RetryPolicy
from trialtui.fetch.params import QueryError

FAST = RetryPolicy(max_tries=2, base_delay=0.001, max_delay=1.0, min_interval=0.0, timeout=30.0)
MADE_UP = ["/tmp/abs_pwn/owned", "NCT00000001/../../x", "NCT00000002?x=1", "NCT\x1b]0;title\x07",
           "X" * 10_000, "NCT0000000\ud800", "NCT\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668", "NCT123456789"]
"""Ids no reader takes; the lone surrogate goes through the file as the JSON escape ``\\ud800``."""
NOT_AN_NCT_NUMBER = "is not an NCT number (NCT and 8 digits)"


def _study(nct_id: str, title: str = "A trial") -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id, "briefTitle": title},
                                "statusModule": {"overallStatus": "RECRUITING"}}}


def _listed(capsys) -> list[str]:
    assert main(["list", "--json"]) == 0
    return [row["trial_id"] for row in json.loads(capsys.readouterr().out) if row["source"] == "library"]


def test_import_skips_each_record_whose_id_is_not_an_nct_number_and_keeps_the_rest(tmp_path, capsys):
    path = tmp_path / "ids.jsonl"
    ids = ["NCT00000001", *MADE_UP, " nct90000012\n", "", MADE_UP[0]]
    path.write_text("".join(json.dumps(_study(nct_id)) + "\n" for nct_id in ids), encoding="utf-8")
    assert main(["import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "2 added, 0 updated, 0 unchanged, 10 skipped\n"
    assert err.splitlines() == [
        f"trialtui: {path}: lines 2-9 (8 records): trial id '/tmp/abs_pwn/owned' {NOT_AN_NCT_NUMBER}",
        f"trialtui: {path}: line 11: study has no \"identificationModule.nctId\"",
        f"trialtui: {path}: line 12: trial id '/tmp/abs_pwn/owned' {NOT_AN_NCT_NUMBER}",
        "trialtui: indexing the library for search (once)…",
    ]
    assert _listed(capsys) == ["NCT00000001", "NCT90000012"]


@pytest.mark.parametrize("made_up, shown", [
    (MADE_UP[3], "'NCT\\x1b]0;title\\x07'"),
    (MADE_UP[4], "'" + "X" * 59 + "…'"),
    (MADE_UP[5], "'NCT0000000\ufffd'"),  # read as U+FFFD, as every reader reads one
], ids=["escapes", "long", "surrogate"])
def test_a_made_up_id_is_named_quoted_escaped_and_short(tmp_path, capsys, made_up, shown):
    path = tmp_path / "one.json"
    path.write_text(json.dumps([_study("NCT00000001"), _study(made_up)]), encoding="utf-8")
    assert main(["--data", str(path), "list"]) == 1
    err = capsys.readouterr().err
    assert err == f"trialtui: {path}: study 2: trial id {shown} {NOT_AN_NCT_NUMBER}\n"


def test_legacy_xml_with_a_made_up_id_is_skipped(tmp_path, capsys):
    text = (ROOT / "tests" / "data" / "ingest" / "legacy-NCT00461773.xml").read_text()
    (tmp_path / "good.xml").write_text(text)
    (tmp_path / "bad.xml").write_text(text.replace("<nct_id>NCT00461773<", "<nct_id>../../NCT00461773<"))
    (tmp_path / "lower.xml").write_text(text.replace("<nct_id>NCT00461773<", "<nct_id>nct00461774<"))
    assert main(["--data", str(tmp_path), "list", "--json"]) == 1
    out, err = capsys.readouterr()
    assert err == f"trialtui: {tmp_path / 'bad.xml'}: trial id '../../NCT00461773' {NOT_AN_NCT_NUMBER}\n"
    assert sorted(row["trial_id"] for row in json.loads(out)) == ["NCT00461773", "NCT00461774"]


def test_fetch_skips_a_study_the_server_sends_under_a_made_up_id(capsys):
    with FakeCtgov([_study("NCT00000001/../../x"), _study("NCT00000005"), _study("nct00000006")]) as api:
        assert main(["fetch", "--status", "recruiting", "--base-url", api.base_url, "--max-rate", "1000"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("2 added, 0 updated")
    assert err.splitlines()[-1] == (f"trialtui: study 1 of the page: trial id 'NCT00000001/../../x' "
                                    f"{NOT_AN_NCT_NUMBER}")
    assert _listed(capsys) == ["NCT00000005", "NCT00000006"]


def test_no_made_up_id_reaches_a_url(capsys):
    with FakeCtgov([_study("NCT00000005")]) as api, CtgovClient(api.base_url, FAST) as client:
        for made_up in ("NCT00000001/../../x", "NCT00000002?x=1", "NCT00000003#x", MADE_UP[6]):
            with pytest.raises(QueryError, match="not an NCT ID"):
                client.study(made_up)
        assert api.requests == []
        assert client.study(" nct00000005") == _study("NCT00000005")
    assert main(["fetch", "--id", "NCT00000001/../x", "--base-url", api.base_url]) == 2
    assert capsys.readouterr().err == ("trialtui: not an NCT ID: 'NCT00000001/../x' "
                                       "(expected NCT followed by 8 digits)\n")
