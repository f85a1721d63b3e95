"""Hostile servers against fetch: every fetch ends by itself, in one clear line, keeping what it stored.

Each server here misbehaves the way a broken proxy, a captive portal or a hostile host would:
page tokens that loop, a body trickled one byte at a time, a request that never answers, redirect
loops and hops to another host, a gzip bomb, a base URL that is no URL.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest

from ctgov_server import FakeCtgov, Fault
from trialtui.cli import main
from trialtui.fetch.client import CtgovClient, FetchCancelled, FetchError, RetryPolicy
from trialtui.fetch.fetcher import FetchProgress, fetch_to_library
from trialtui.fetch.params import StudyQuery
from trialtui.fetch.resume import checkpoint_dir
from trialtui.store import Database, Library

FAST = RetryPolicy(max_tries=2, base_delay=0.001, max_delay=1.0, min_interval=0.0, timeout=30.0)
PAGE = 20
RUNAWAY_GUARD = 40
"""Pages after which a test cancels a fetch that would otherwise never end, so it fails, not hangs."""


@pytest.fixture
def studies(registry_studies):
    return registry_studies


@pytest.fixture
def boston(boston_studies):
    return boston_studies


def guarded_fetch(api: FakeCtgov, library: Library, policy: RetryPolicy = FAST):
    """`fetch_to_library`, cancelled if it runs past `RUNAWAY_GUARD` pages."""
    cancel = threading.Event()

    def watch(progress: FetchProgress) -> None:
        if progress.pages >= RUNAWAY_GUARD:
            cancel.set()

    return fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=policy,
                            progress=watch, cancel=cancel)


def test_a_repeated_page_token_stops_the_fetch_and_a_rerun_does_not_resume_the_loop(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.repeat_tokens = True
        result = guarded_fetch(api, library)
        assert not result.cancelled
        assert result.runaway
        assert result.error.endswith("the server repeated a page token after page 2; "
                                     "stopped, as its pages would never end")
        assert result.error.startswith(api.base_url)
        assert (result.pages, result.added) == (2, 2 * PAGE)
        assert len(library.digests()) == 2 * PAGE
        assert not list(checkpoint_dir().glob("*.json"))

        before = api.count()
        again = guarded_fetch(api, library)
        assert again.resumed_from_page is None and again.runaway
        assert api.count() - before == 2
        assert "pageToken" not in api.requests[before].params


def test_a_checkpoint_left_deep_in_a_loop_is_not_resumed_into_it(studies, library):
    """A checkpoint as an earlier version left it, 1,805 pages into a server's token loop."""
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        cancel = threading.Event()
        fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST, cancel=cancel,
                         progress=lambda p: p.pages == 2 and cancel.set())
        [saved] = checkpoint_dir().glob("*.json")
        looping = json.loads(saved.read_text()) | {"pages": 1805, "studies": 1805 * PAGE}
        saved.write_text(json.dumps(looping))
        before = api.count()
        result = guarded_fetch(api, library)
        assert api.count() - before == 1
    assert result.runaway and not result.cancelled
    assert "sent 36,120 studies in 1,806 pages but said it holds 150" in result.error
    assert not list(checkpoint_dir().glob("*.json"))


def test_fresh_tokens_past_the_total_count_stop_the_fetch(studies, library):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.endless = True
        result = guarded_fetch(api, library)
    assert not result.cancelled and result.runaway
    assert "but said it holds 150; stopped, as its pages would never end" in result.error
    assert result.pages <= 10  # 8 pages hold the 150; one page of slack for studies posted meanwhile
    assert result.added == 150
    assert not list(checkpoint_dir().glob("*.json"))


def test_a_body_trickled_a_byte_at_a_time_meets_the_overall_deadline(boston):
    policy = RetryPolicy(max_tries=2, base_delay=0.001, min_interval=0.0, timeout=30.0, deadline=0.5)
    outcome: list[BaseException] = []

    def fetch_page(client: CtgovClient) -> None:
        try:
            client.studies_page({"pageSize": "1000"})
        except FetchError as error:
            outcome.append(error)

    with FakeCtgov(boston) as api, CtgovClient(api.base_url, policy) as client:
        api.fail_next(Fault(status=200, trickle=0.05), Fault(status=200, trickle=0.05))
        worker = threading.Thread(target=fetch_page, args=(client,), daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "a trickling server held the fetch past every deadline"
    assert time.monotonic() - started < 3
    [error] = outcome
    assert str(error).startswith("fetch failed after 2 tries: no complete answer within 0.5 s from "
                                 f"{api.base_url}/studies")


def test_cancel_stops_a_request_the_server_never_answers_within_a_second(boston):
    cancel = threading.Event()
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST, cancel=cancel) as client:
        api.fail_next(Fault(status=200, delay=30))
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(FetchCancelled):
            client.studies_page({"pageSize": "1000"})
    assert time.monotonic() - started < 1.3


def test_a_fetch_cancelled_mid_request_keeps_the_pages_stored(studies, library):
    cancel = threading.Event()
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        api.fail_page(3, Fault(status=200, delay=30))
        result = fetch_to_library(
            StudyQuery(), library, base_url=api.base_url, policy=FAST, cancel=cancel,
            progress=lambda p: p.pages == 2 and threading.Timer(0.2, cancel.set).start())
    assert result.cancelled and result.elapsed < 2
    assert (result.pages, result.added, len(library.digests())) == (2, 2 * PAGE, 2 * PAGE)
    assert list(checkpoint_dir().glob("*.json"))


def test_a_redirect_loop_is_one_clear_error(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(*[Fault(status=302, location="/api/v2/studies?pageSize=1000")] * 10)
        with pytest.raises(FetchError) as failure:
            client.studies_page({"pageSize": "1000"})
    assert str(failure.value) == f"{api.base_url}/studies: more than 5 redirects (a redirect loop)"


def test_a_redirect_on_the_same_host_is_followed(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(Fault(status=307, location="/api/v2/studies?pageSize=1000&countTotal=true"))
        page = client.studies_page({"pageSize": "1000"})
    assert (len(page.studies), page.total_count) == (45, 45)
    assert [r.status for r in api.requests] == [307, 200]


def test_a_redirect_to_another_host_is_refused_naming_both(boston, library):
    with FakeCtgov(boston) as api:
        elsewhere = api.base_url.replace("127.0.0.1", "localhost")
        api.fail_next(Fault(status=302, location=f"{elsewhere}/studies?pageSize=1000"))
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert result.error == (f"{api.base_url}/studies?pageSize=1000&countTotal=true: redirected from "
                            "127.0.0.1 to another host, localhost; refused "
                            "(use --base-url with that server if you trust it)")
    assert api.count() == 1
    assert library.digests() == []


def test_a_gzip_bomb_is_dropped_past_the_size_cap(boston):
    policy = RetryPolicy(max_tries=5, base_delay=0.001, min_interval=0.0, max_bytes=1024 * 1024)
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, policy) as client:
        api.fail_next(Fault(status=200, gzip_bomb=200 * 1024 * 1024))
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as failure:
                client.studies_page({"pageSize": "1000"})
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert str(failure.value) == (f"{api.base_url}/studies: the answer is larger than 1 MB once "
                                  "decompressed; stopped")
    assert api.count() == 1
    assert peak < 32 * 1024 * 1024


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.org/api", "http:///api", "http://[::1/api"])
def test_a_base_url_that_is_no_url_fails_at_once_without_retrying(url):
    with CtgovClient(url, RetryPolicy(base_delay=5.0)) as client:
        started = time.monotonic()
        with pytest.raises(FetchError) as failure:
            client.studies_page({})
    assert str(failure.value).startswith(f"{url}: not a")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("command", ["fetch", "update"])
def test_the_command_line_calls_a_bad_base_url_a_usage_error(command, capsys):
    args = ["fetch", "--cond", "glioma"] if command == "fetch" else ["update", "NCT01234567"]
    assert main([*args, "--base-url", "notaurl"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("trialtui: --base-url notaurl: not an http:// or https:// address "
                   "(e.g. https://clinicaltrials.gov/api/v2)\n")


def test_a_bad_base_url_from_the_environment_is_named_as_such(monkeypatch, capsys):
    monkeypatch.setenv("TRIALTUI_API_URL", "clinicaltrials.gov/api/v2")
    assert main(["fetch", "--cond", "glioma"]) == 2
    assert capsys.readouterr().err == (
        "trialtui: $TRIALTUI_API_URL clinicaltrials.gov/api/v2: not an http:// or https:// address "
        "(e.g. https://clinicaltrials.gov/api/v2)\n")


@pytest.mark.parametrize("hostile", ["redirect-loop", "other-host", "repeated-token"])
def test_hostile_servers_end_the_command_in_one_line_without_a_traceback(hostile, studies, capsys):
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        if hostile == "redirect-loop":
            api.fail_next(*[Fault(status=301, location="/api/v2/studies")] * 10)
        elif hostile == "other-host":
            api.fail_next(Fault(status=302, location=api.base_url.replace("127.0.0.1", "localhost")))
        else:
            api.repeat_tokens = True
        status = main(["fetch", "--term", "NCT", "--base-url", api.base_url, "--max-rate", "1000"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    problems = [line for line in err.splitlines() if line.startswith("trialtui: ")]
    expected = {"redirect-loop": "more than 5 redirects", "other-host": "to another host, localhost",
                "repeated-token": "the server repeated a page token after page 2"}[hostile]
    assert expected in problems[0]
    assert "Traceback" not in err
    if hostile == "repeated-token":
        assert problems[1] == ("trialtui: kept what was stored: 40 added, 0 updated, 0 unchanged, "
                               "0 skipped (40 studies, 2 pages)")


def test_one_ctrl_c_stops_a_hung_request_within_a_second_and_keeps_the_stored_pages(
        boston, trialtui_home):
    command = [sys.executable, "-m", "trialtui", "fetch", "--term", "NCT", "--max-rate", "1000"]
    with FakeCtgov(boston, max_page_size=5) as api:
        api.fail_page(2, Fault(status=200, delay=60))
        child = subprocess.Popen(
            [*command, "--base-url", api.base_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "TRIALTUI_HOME": str(trialtui_home)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        for line in child.stderr:
            if line.startswith("page 1 "):
                break
        api.wait_received(api.received + 1)  # page 2's request, which the server sits on for a minute
        child.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _, err = child.communicate(timeout=30)
        took = time.monotonic() - interrupted
    assert child.returncode == 130
    assert took < 1.5
    assert "trialtui: stopping; every page already stored is kept" in err
    assert ("trialtui: fetch interrupted; 5 added, 0 updated, 0 unchanged, 0 skipped (5 studies, "
            "1 page) so far. Run the same command again to resume.") in err
    assert "Traceback" not in err
    with Database.open() as db:
        assert len(Library(db).digests()) == 5


def test_a_gzip_encoded_answer_under_the_cap_is_read(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(Fault(status=200, gzip_bomb=1000))
        page = client.studies_page({"pageSize": "1000"})
    assert page.studies == []


def test_a_refusal_shows_the_servers_words_with_control_characters_escaped(boston):
    with FakeCtgov(boston) as api, CtgovClient(api.base_url, FAST) as client:
        api.fail_next(Fault(status=400, body=b"bad query \x1b[2J\x1b]52;c;aGk=\x07\xe2\x80\xae here"))
        with pytest.raises(FetchError) as failure:
            client.studies_page({"pageSize": "1000"})
    assert str(failure.value) == (f"HTTP 400 from {api.base_url}/studies?pageSize=1000&countTotal=true: "
                                  "bad query \\x1b[2J\\x1b]52;c;aGk=\\x07\\u202e here")


def test_a_checkpoint_that_cannot_be_written_ends_the_fetch_in_one_line(studies, capsys):
    checkpoint_dir().parent.mkdir(parents=True, exist_ok=True)
    checkpoint_dir().write_text("a file where the checkpoint folder should be")
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        status = main(["fetch", "--term", "NCT", "--base-url", api.base_url, "--max-rate", "1000"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    problems = [line for line in err.splitlines() if line.startswith("trialtui: ")]
    assert problems[0].startswith(f"trialtui: {checkpoint_dir()}/")
    assert problems[0].endswith(".json: could not save where this fetch stopped (File exists)")
    assert "Traceback" not in err
    with Database.open() as db:
        assert len(Library(db).digests()) == PAGE


def test_a_page_the_database_cannot_store_ends_the_fetch_in_one_line(studies, library, monkeypatch):
    def disk_fails(self, trials, origin):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Library, "import_trials", disk_fails)
    with FakeCtgov(studies, max_page_size=PAGE) as api:
        result = fetch_to_library(StudyQuery(), library, base_url=api.base_url, policy=FAST)
    assert result.error == f"{library.db.path}: could not store the page (disk I/O error)"
    assert result.pages == 0
