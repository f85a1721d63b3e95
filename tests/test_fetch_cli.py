"""`trialtui fetch` and `trialtui update` run against the local fake API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from ctgov_server import FakeCtgov, Fault, nct_id_of, sponsor_update, study_to_change
from trialtui.cli import main
from trialtui.store import Database, Library

FAST_RATE = ["--max-rate", "1000"]


@pytest.fixture
def boston(boston_studies):
    return boston_studies


def library_ids() -> list[str]:
    with Database.open() as db:
        return sorted(d.trial_id for d in Library(db).digests())


def test_fetch_stores_every_page_and_says_how_many(boston, capsys):
    matching = sorted(nct_id_of(s) for s in boston
                      if "skin" in json.dumps(s["protocolSection"]["conditionsModule"]).lower())
    assert len(matching) == 8
    with FakeCtgov(boston, max_page_size=3) as api:
        status = main(["fetch", "--cond", "skin", "--base-url", api.base_url, *FAST_RATE])
        requests = list(api.requests)
    out, err = capsys.readouterr()
    assert status == 0
    assert library_ids() == matching
    assert out == "8 added, 0 updated, 0 unchanged, 0 skipped (8 studies, 3 pages)\n"
    assert "page 3 · 8 of 8 studies · 8 added, 0 updated" in err
    assert [r.params["query.cond"] for r in requests] == ["skin"] * 3


def test_fetch_uses_the_environment_base_url(boston, monkeypatch, capsys):
    with FakeCtgov(boston) as api:
        monkeypatch.setenv("TRIALTUI_API_URL", api.base_url)
        assert main(["fetch", "--id", nct_id_of(boston[0]), *FAST_RATE]) == 0
    assert library_ids() == [nct_id_of(boston[0])]
    assert capsys.readouterr().out.startswith("1 added")


def test_fetch_reports_a_persistent_server_error_and_resumes_later(boston, capsys):
    ids = ",".join(nct_id_of(s) for s in boston)
    command = ["fetch", "--id", ids, *FAST_RATE]
    with FakeCtgov(boston, max_page_size=20) as api:
        # Retry-After: 0 keeps the default back-off policy from sleeping for seconds in tests.
        api.fail_page(2, *[Fault(status=500, retry_after="0")] * 5)
        assert main([*command, "--base-url", api.base_url]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert "trialtui: fetch failed after 5 tries: HTTP 500 from http://127.0.0.1:" in err
        assert "retrying in 0.0 s (try 2 of 5)" in err
        assert "20 added" in err and "Run the same command again to resume." in err
        assert len(library_ids()) == 20

        assert main([*command, "--base-url", api.base_url]) == 0
        out, err = capsys.readouterr()
    assert "resumed an interrupted fetch at page 2" in err
    assert out.startswith("45 added, 0 updated")
    assert library_ids() == sorted(nct_id_of(s) for s in boston)


def test_fetch_rejects_what_the_api_would_not_understand(capsys):
    assert main(["fetch", "--phase", "7"]) == 2
    assert "unknown phase '7'" in capsys.readouterr().err
    assert main(["fetch", "--id", "12345"]) == 2
    assert "not an NCT ID: '12345'" in capsys.readouterr().err
    assert main(["fetch"]) == 2
    assert "fetch needs at least one of" in capsys.readouterr().err


def test_update_lists_the_threshold_change(boston, capsys):
    watched = study_to_change(boston)
    trial_id = nct_id_of(watched)
    with FakeCtgov(boston) as api:
        api.put_study(watched)
        assert main(["fetch", "--id", trial_id, "--base-url", api.base_url, *FAST_RATE]) == 0
        with Database.open() as db:
            Library(db).mark_reviewed(trial_id)
        api.put_study(sponsor_update(watched))
        capsys.readouterr()
        status = main(["update", "--base-url", api.base_url, *FAST_RATE])
        out, _ = capsys.readouterr()
        assert status == 0
        assert out.splitlines()[0] == "checked 1 trial: 1 updated, 0 unchanged"
        assert f"{trial_id}  " in out
        assert "version 1 → 2 (since your review)" in out
        assert "    platelets ≥ 100 → ≥ 50 ×10^9/L (looser)" in out.splitlines()
        assert "    status: Recruiting → Active not recruiting" in out.splitlines()

        assert main(["update", trial_id, "--json", "--base-url", api.base_url, *FAST_RATE]) == 0
        report = json.loads(capsys.readouterr().out)
    assert report["updated"] == 0
    [changed] = report["changed"]
    assert (changed["trial_id"], changed["updated_now"], changed["since_review"]) == (trial_id, False, True)
    assert changed["changes"]["thresholds"][0]["measure"] == "platelets"


def test_update_of_a_trial_not_in_the_library(boston, capsys):
    with FakeCtgov(boston) as api:
        assert main(["update", "NCT09999999", "--base-url", api.base_url, *FAST_RATE]) == 2
    assert "NCT09999999: not in the library" in capsys.readouterr().err


def test_update_with_an_empty_library(capsys):
    assert main(["update", "--base-url", "http://127.0.0.1:9/api/v2"]) == 2
    assert "the library is empty" in capsys.readouterr().err


def test_ctrl_c_stops_after_a_whole_page_and_the_same_command_resumes(boston, trialtui_home, capsys):
    command = [sys.executable, "-m", "trialtui", "fetch", "--term", "NCT", *FAST_RATE]
    with FakeCtgov(boston, max_page_size=5) as api:
        for page in range(1, 10):
            api.fail_page(page, Fault(status=200, delay=0.2))
        child = subprocess.Popen(
            [*command, "--base-url", api.base_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "TRIALTUI_HOME": str(trialtui_home)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        for line in child.stderr:
            if line.startswith("page 2 "):
                child.send_signal(signal.SIGINT)
                break
        out, err = child.communicate(timeout=30)
        assert child.returncode == 130
        assert "trialtui: fetch interrupted;" in err and "Run the same command again to resume." in err
        stored = library_ids()
        assert len(stored) in (10, 15)  # page 3 may have been under way when Ctrl-C came

        assert main(command[3:] + ["--base-url", api.base_url]) == 0
        out, err = capsys.readouterr()
    assert f"resumed an interrupted fetch at page {len(stored) // 5 + 1}" in err
    assert out.startswith("45 added, 0 updated")  # the whole fetch, both runs
    assert library_ids() == sorted(nct_id_of(s) for s in boston)


@pytest.mark.parametrize("command", ["fetch", "update"])
@pytest.mark.parametrize("rate", ["0", "-1", "1e-300", "1e-9", "0.009", "nan", "inf", "1001"])
def test_a_rate_out_of_range_is_one_usage_line_before_any_request(capsys, command, rate):
    with FakeCtgov([]) as api:
        query = ["--cond", "skin"] if command == "fetch" else []
        status = main([command, *query, "--base-url", api.base_url, "--max-rate", rate])
        requests = list(api.requests)
    assert (status, requests) == (2, [])
    assert capsys.readouterr().err == "trialtui: --max-rate must be a number of requests per second from 0.01 to 1000\n"
